import Hummingbird

/// Lets the MIS's own pages (`console.embed_origins`) call `/api/v1/` from the browser, for the embedded
/// card: an `Origin` on the list is echoed in `Access-Control-Allow-Origin` on every answer under
/// `/api/v1/`, and a preflight (`OPTIONS`) is answered 204 at once, before any route or sign-in.
///
/// The embedded card sends its session in `X-MisLink-Session`, never a cookie, so credentials are not
/// allowed cross-origin; an origin not on the list gets no CORS header and the browser keeps the answer
/// from its page.
struct ConsoleCORSMiddleware: RouterMiddleware {
    typealias Context = WorkerRequestContext
    /// `console.embed_origins`.
    let origins: Set<String>

    static let allowedHeaders = "Content-Type, X-MisLink-Session, X-CSRF-Token"
    static let allowedMethods = "GET, POST, PATCH, PUT, DELETE"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/api/v1/") else { return try await next(request, context) }
        let origin = request.headers[.origin].flatMap { origins.contains($0) ? $0 : nil }
        if request.method == .options {
            var response = Response(status: .noContent)
            if let origin { allow(origin, in: &response, preflight: true) }
            return response
        }
        var response = try await next(request, context)
        if let origin { allow(origin, in: &response, preflight: false) }
        return response
    }

    private func allow(_ origin: String, in response: inout Response, preflight: Bool) {
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[values: .vary].append("Origin")
        response.headers[.accessControlAllowHeaders] = Self.allowedHeaders
        response.headers[.accessControlAllowMethods] = Self.allowedMethods
        if preflight { response.headers[.accessControlMaxAge] = "600" }
    }
}

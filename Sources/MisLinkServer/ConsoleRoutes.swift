import HTTPTypes
import Hummingbird
import NIOCore

/// The operator console's pages (``ConsoleAssets``), served by the worker itself:
///
/// - `GET /` → `302 /console/`;
/// - `GET /console` → `302 /console/` (the pages load their files by relative URLs);
/// - `GET /console/` → `index.html`, the single-page app;
/// - `GET /console/<file>` → the file, 404 for a name the console has none of.
///
/// Every answer carries `Cache-Control: no-cache` (a new worker's pages are picked up at once, the browser
/// revalidating each) and `X-Content-Type-Options: nosniff`; pages also carry ``contentSecurityPolicy``.
/// `embed.js` is loaded by the MIS's own pages from another origin, so a script gets no policy of its own.
struct ConsoleRoutes {
    /// Nothing from other hosts, no inline scripts or styles; recordings play from `blob:` URLs; only the
    /// console itself may frame its pages.
    static let contentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; style-src 'self'; frame-ancestors 'self'"

    func add(to router: Router<WorkerRequestContext>) {
        router.get("/") { _, _ in Self.redirect() }
        // `/console` and `/console/` reach the same route: only the second may serve the page.
        router.get("console") { request, _ in
            request.uri.path.hasSuffix("/") ? Self.answer(ConsoleAssets.asset(named: "index.html")) : Self.redirect()
        }
        router.get("console/:file") { _, context in
            Self.answer(ConsoleAssets.asset(named: context.parameters.get("file") ?? ""))
        }
    }

    private static func redirect() -> Response {
        Response(status: .found, headers: [.location: "/console/", .cacheControl: "no-cache"])
    }

    private static func answer(_ asset: ConsoleAssets.Asset?) -> Response {
        guard let asset else { return .error(.notFound, "the console has no such file") }
        var headers: HTTPFields = [.contentType: asset.contentType, .cacheControl: "no-cache"]
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        if asset.isPage { headers[.contentSecurityPolicy] = contentSecurityPolicy }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}

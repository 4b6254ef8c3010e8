import Foundation
import Hummingbird
import MisLinkExternalAPIs
import MisLinkHTTP
import Synchronization

/// A stand-in for MisLink's webhook intake that records what arrives: used by the tests and to
/// check scenarios without a worker. It answers 200 with an empty body (or 401 to a bad Mango signature).
public final class WebhookRecorder: Sendable {
    /// One request that arrived.
    public struct Received: Sendable {
        /// The path without the leading `/`, e.g. `mango/events/call`.
        public var path: String
        /// The raw body.
        public var body: String
        /// For Mango form posts: the signed form.
        public var form: MangoSignedForm?
        /// For Mango form posts: whether the key and signature were valid.
        public var signatureValid: Bool

        /// The JSON text: the `json` field of a Mango post, else the body.
        public var json: String { form?.json ?? body }
        /// The parsed JSON.
        public var value: JSONValue? { try? JSONValue.parse(json) }
    }

    private let credentials: MangoCredentials
    private let received = Mutex<[Received]>([])

    /// Makes a recorder that checks Mango signatures with `credentials`.
    public init(credentials: MangoCredentials) { self.credentials = credentials }

    /// Everything received so far, in arrival order.
    public var all: [Received] { received.withLock { $0 } }

    /// Waits until at least `count` requests arrived, or the timeout passed.
    public func wait(for count: Int, timeout: Duration = .seconds(10)) async -> [Received] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let current = all
            if current.count >= count { return current }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return all
    }

    /// The routes: any POST.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("**") { request, context in
            let body = try await request.bodyText(context: context)
            let path = String(request.uri.path.drop { $0 == "/" })
            var form: MangoSignedForm?
            var valid = false
            if request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
                form = MangoSignedForm(form: FormURLEncoding.decode(body))
                valid = form?.verify(self.credentials) == nil
            }
            let entry = Received(path: path, body: body, form: form, signatureValid: valid)
            self.received.withLock { $0.append(entry) }
            return Response(status: form != nil && !valid ? .unauthorized : .ok)
        }
        return router
    }
}

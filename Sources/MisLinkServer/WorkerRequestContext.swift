import Firebird
import Foundation
import Hummingbird
import NIOCore

/// The request context of the worker's routes: the peer's address (stored with each webhook) and
/// JSON in snake_case with ISO 8601 UTC times.
public struct WorkerRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's address.
    public let remoteAddress: SocketAddress?
    /// Who the request comes from: set by ``OperatorAuthMiddleware`` on every `/api/v1/` route behind it
    /// (a session's operator or supervisor, or a bearer token's machine client); nil elsewhere.
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    public var requestDecoder: JSONDecoder { JSONCoding.decoder }
    public var responseEncoder: JSONEncoder { JSONCoding.encoder }

    /// The peer's IP address as text.
    var remoteIP: String? { remoteAddress?.ipAddress }
}

/// The JSON conventions of the REST API.
public enum JSONCoding {
    /// snake_case keys, ISO 8601 dates.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// snake_case keys, ISO 8601 dates.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// An error answer: `{"error": "..."}` with a status.
struct ErrorBody: Codable, ResponseEncodable {
    var error: String
}

extension Response {
    /// A JSON error answer, in the request's language (``APILanguage``).
    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let data = (try? JSONCoding.encoder.encode(ErrorBody(error: APIMessages.localized(message)))) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A JSON answer of an encodable value.
    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONCoding.encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Request {
    /// The body, refused with 413 past `limit` bytes.
    func body(limit: Int) async throws -> Data {
        var copy = self
        do {
            let buffer = try await copy.collectBody(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw HTTPError(.contentTooLarge, message: "the body is larger than \(limit) bytes")
        }
    }
}

/// Answers every `HTTPError` the routes throw as `{"error": "…"}` with its status, the shape the OpenAPI
/// document gives errors.
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = WorkerRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            return .error(error.status, error.body ?? error.status.reasonPhrase)
        } catch is DecodingError {
            return .error(.badRequest, "the body is not the JSON this endpoint takes")
        } catch let error as FirebirdError {
            // The database's own words (never the statement's arguments), so the screen can say what failed.
            context.logger.error("\(request.method) \(request.uri.path): \(error)")
            let status: HTTPResponse.Status = error.code == .connectionLost ? .serviceUnavailable : .internalServerError
            return .error(status, "the database refused: \(error.message)")
        }
    }
}

import Foundation

/// The OpenAPI 3 document of the REST API (`Sources/MisLinkServer/openapi.json` in the repository,
/// `<prefix>/share/mislink/openapi.json` once installed), served at `/api/v1/openapi.json` and used
/// by the tests to validate every answer.
public enum OpenAPIDocument {
    /// Where the document is: `$MISLINK_OPENAPI`, else beside the installed binary, else the source tree.
    public static func url(
        executable: String = CommandLine.arguments.first ?? "",
        environment: [String: String] = ProcessInfo.processInfo.environment, sourceTree: String = #filePath
    ) -> URL? {
        if let path = environment["MISLINK_OPENAPI"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let bin = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        return [
            bin.deletingLastPathComponent().appendingPathComponent("share/mislink/openapi.json"),
            URL(fileURLWithPath: sourceTree).deletingLastPathComponent().appendingPathComponent("openapi.json"),
        ].first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// The document's bytes (`{}` when it cannot be found).
    public static let data: Data = url().flatMap { try? Data(contentsOf: $0) } ?? Data("{}".utf8)
}

/// The operator console's files: `Sources/MisLinkServer/Console/`, compiled into the binary by SwiftPM's
/// `resources: [.embedInCode("Console")]` (Package.swift), which makes each file a `[UInt8]` constant of
/// `PackageResources` named after the file (`index.html` → `PackageResources.index_html`). The folder is
/// flat: SwiftPM drops subfolders from the names, so every file name must be unique.
///
/// A file added to the folder needs its line in ``files``; `ConsoleStaticTests` reads the folder and fails
/// for any file that is not served.
enum ConsoleAssets {
    /// One file as it is served.
    struct Asset: Sendable {
        /// The file's bytes.
        var bytes: [UInt8]
        /// The `Content-Type` its extension gives (``contentType(of:)``).
        var contentType: String
        /// Whether it is a page, which gets the console's `Content-Security-Policy`.
        var isPage: Bool { contentType.hasPrefix("text/html") }
    }

    /// Every file of the folder, by its name in the URL (`/console/<name>`).
    static let files: [String: [UInt8]] = [
        "api.js": PackageResources.api_js,
        "app.js": PackageResources.app_js,
        "calls.js": PackageResources.calls_js,
        "card.css": PackageResources.card_css,
        "chats.js": PackageResources.chats_js,
        "chatstatus.js": PackageResources.chatstatus_js,
        "console.css": PackageResources.console_css,
        "embed.js": PackageResources.embed_js,
        "format.js": PackageResources.format_js,
        "i18n.js": PackageResources.i18n_js,
        "index.html": PackageResources.index_html,
        "pbx.js": PackageResources.pbx_js,
        "report.js": PackageResources.report_js,
        "signin.js": PackageResources.signin_js,
    ]

    /// The file `name`, or nil when the console has none by that name.
    static func asset(named name: String) -> Asset? {
        files[name].map { Asset(bytes: $0, contentType: contentType(of: name)) }
    }

    /// The content type of a file by its extension; `application/octet-stream` for one not listed.
    static func contentType(of name: String) -> String {
        let ext = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        return contentTypes[ext] ?? "application/octet-stream"
    }

    private static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "mjs": "text/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "json": "application/json; charset=utf-8",
        "svg": "image/svg+xml",
        "png": "image/png",
        "ico": "image/x-icon",
        "woff2": "font/woff2",
        "txt": "text/plain; charset=utf-8",
        "map": "application/json; charset=utf-8",
    ]
}

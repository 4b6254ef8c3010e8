import Foundation
import MisLinkHTTP
import MisLinkTestSupport
import Testing

@testable import MisLinkServer

@Suite("The console's pages: every file of Sources/MisLinkServer/Console served, with its headers")
struct ConsoleStaticTests {
    static let folder = ClinicDatabase.repository.appendingPathComponent("Sources/MisLinkServer/Console")

    /// The files in the source tree's folder (what `.embedInCode("Console")` compiles in).
    static func sourceFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
    }

    static func header(_ name: String, of response: HTTPClientResponse) -> String? {
        response.headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    @Test func theFolderIsFlatAndEveryFileIsListed() throws {
        let files = try Self.sourceFiles()
        #expect(files.contains("index.html"))
        for name in files {
            var isFolder: ObjCBool = false
            FileManager.default.fileExists(atPath: Self.folder.appendingPathComponent(name).path, isDirectory: &isFolder)
            #expect(!isFolder.boolValue, "\(name): the console's folder must stay flat (SwiftPM flattens resource names)")
            #expect(ConsoleAssets.files[name] != nil, "\(name) is not in ConsoleAssets.files: add its line there")
        }
        #expect(Set(ConsoleAssets.files.keys).isSubset(of: Set(files)), "ConsoleAssets lists a file the folder does not have")
    }

    @Test func everyFileIsServedWithItsTypeAndHeaders() async throws {
        let harness = try await WorkerHarness.start(label: "console-static")
        defer { Task { await harness.stop() } }
        for name in try Self.sourceFiles() {
            let response = try await harness.api("/console/\(name)", token: nil)
            #expect(response.status == 200, "\(name)")
            #expect(response.body == (try Data(contentsOf: Self.folder.appendingPathComponent(name))), "\(name): the bytes served differ")
            #expect(Self.header("Content-Type", of: response) == ConsoleAssets.contentType(of: name), "\(name)")
            #expect(Self.header("Cache-Control", of: response) == "no-cache", "\(name)")
            #expect(Self.header("X-Content-Type-Options", of: response) == "nosniff", "\(name)")
            let policy = Self.header("Content-Security-Policy", of: response)
            if name.hasSuffix(".html") {
                #expect(policy == ConsoleRoutes.contentSecurityPolicy, "\(name)")
            } else {
                #expect(policy == nil, "\(name): only pages carry the policy (embed.js is loaded by other origins)")
            }
        }
        let page = try await harness.api("/console/", token: nil)
        #expect(page.status == 200)
        #expect(page.body == (try Data(contentsOf: Self.folder.appendingPathComponent("index.html"))))
        #expect(Self.header("Content-Security-Policy", of: page) == ConsoleRoutes.contentSecurityPolicy)
        for path in ["/", "/console"] {
            let redirect = try await harness.api(path, token: nil)
            #expect(redirect.status == 302, "\(path)")
            #expect(Self.header("Location", of: redirect) == "/console/", "\(path)")
        }
        let missing = try await harness.api("/console/no-such-file.js", token: nil)
        #expect(missing.status == 404)
        #expect(try await harness.api("/console/a/b.js", token: nil).status == 404)
    }

    @Test func contentTypesByExtension() {
        #expect(ConsoleAssets.contentType(of: "app.js") == "text/javascript; charset=utf-8")
        #expect(ConsoleAssets.contentType(of: "console.css") == "text/css; charset=utf-8")
        #expect(ConsoleAssets.contentType(of: "index.html") == "text/html; charset=utf-8")
        #expect(ConsoleAssets.contentType(of: "logo.SVG") == "image/svg+xml")
        #expect(ConsoleAssets.contentType(of: "README") == "application/octet-stream")
    }
}

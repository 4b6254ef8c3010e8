import Foundation
import MisLinkTestSupport
import Testing

@testable import MisLinkServer

/// `mislink console embed-token`: the token a MIS's server would make, accepted by the worker's check.
@Suite struct EmbedTokenCommandTests {
    @Test func theCommandSignsATokenTheWorkerAccepts() throws {
        let run = try MislinkCommand.run(["console", "embed-token", "--login", "operator1", "--lifetime", "90"],
                                         environment: ["MISLINK_CONSOLE_EMBED_SECRET": "shared-secret-of-the-mis"])
        #expect(run.status == 0, "\(run.errors)")
        let token = run.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let accepted = try EmbedToken.verify(token, secret: "shared-secret-of-the-mis")
        #expect(accepted.login == "operator1" && accepted.expiresAt - accepted.issuedAt == 90)
        #expect(throws: EmbedToken.Refusal.self) { try EmbedToken.verify(token, secret: "another-secret") }
    }

    @Test func withoutASecretOrPastFiveMinutesItRefuses() throws {
        let off = try MislinkCommand.run(["console", "embed-token", "--login", "operator1"],
                                         environment: ["MISLINK_CONSOLE_EMBED_SECRET": ""])
        #expect(off.status != 0 && off.errors.contains("embed_secret"), "\(off.errors)")
        let long = try MislinkCommand.run(["console", "embed-token", "--login", "operator1", "--lifetime", "301"],
                                          environment: ["MISLINK_CONSOLE_EMBED_SECRET": "s"])
        #expect(long.status != 0 && long.errors.contains("--lifetime"), "\(long.errors)")
    }
}

import ArgumentParser
import Foundation
import MisLinkServer
import MisLinkSettings

/// `mislink console …`: the operator console's tools for the clinic's IT.
struct Console: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The operator console: tokens for embedding its incoming-call card in a web MIS.",
        subcommands: [EmbedTokenCommand.self])

    struct EmbedTokenCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "embed-token",
            abstract: "Print a token that signs an operator in to the embedded card (embed.js), as the MIS's server would.",
            discussion: """
                The token is what a web MIS's server makes for the operator on each page: \
                base64url({"login","iat","exp"}) "." base64url(HMAC-SHA256(console.embed_secret, first part)). \
                The page passes it to MisLinkEmbed.mount(element, {baseURL, token}). Settings as for mislink serve \
                (--config, MISLINK_CONFIG, MISLINK_CONSOLE_EMBED_SECRET).
                """)

        @Option(help: "The operator's MIS login.") var login: String
        @Option(help: "Seconds the token stays valid (at most 300).") var lifetime = 120
        @Option(help: "The JSON config file (defaults to MISLINK_CONFIG).") var config: String?

        func validate() throws {
            guard (1...EmbedTokenSigner.maxLifetime).contains(lifetime) else {
                throw ValidationError("--lifetime must be 1 to \(EmbedTokenSigner.maxLifetime) seconds")
            }
        }

        func run() throws {
            let settings = try MisLinkSettings.load(file: config, environment: ProcessInfo.processInfo.environment)
            guard !settings.console.embedSecret.isEmpty else {
                throw ValidationError("console.embed_secret is empty: embedding is off (set it, or MISLINK_CONSOLE_EMBED_SECRET)")
            }
            print(EmbedTokenSigner.sign(login: login, lifetime: lifetime, secret: settings.console.embedSecret))
        }
    }
}

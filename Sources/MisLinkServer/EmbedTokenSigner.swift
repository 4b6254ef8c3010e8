import Foundation

/// Signs the short-lived token a web MIS's server gives `embed.js` (`MisLinkEmbed.mount(element,
/// {baseURL, token})`), the way the MIS does it with `console.embed_secret`: for `mislink console
/// embed-token`, a desktop MIS's web-view, and trying an integration by hand.
public enum EmbedTokenSigner {
    /// The longest lifetime MisLink accepts, in seconds.
    public static var maxLifetime: Int { Int(EmbedToken.maxLifetime) }

    /// A token for the operator with MIS login `login`, valid `lifetime` seconds from `now`.
    public static func sign(login: String, lifetime: Int, secret: String, now: Date = Date()) -> String {
        let issued = Int64(now.timeIntervalSince1970.rounded(.down))
        return EmbedToken.sign(login: login, issuedAt: issued, expiresAt: issued + Int64(lifetime), secret: secret)
    }
}

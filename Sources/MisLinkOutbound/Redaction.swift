/// What may appear in logs: phone numbers masked, message texts never.
enum Redaction {
    /// A phone number with all but its last digits masked: `79171234567` → `********567`. Numbers of 7
    /// digits or more keep 3, shorter ones 2; extensions and group numbers (4 digits or fewer) are not
    /// personal and stay as they are.
    static func phone(_ text: String?) -> String {
        guard let text, !text.isEmpty else { return "-" }
        let digits = text.filter(\.isNumber)
        guard digits.count > 4 else { return text }
        let keep = digits.count >= 7 ? 3 : 2
        return String(repeating: "*", count: digits.count - keep) + digits.suffix(keep)
    }

    /// A recipient that may be a phone, a handle or an address: phones masked, anything else reduced
    /// to its first character.
    static func recipient(_ text: String?) -> String {
        guard let text, !text.isEmpty else { return "-" }
        if text.filter(\.isNumber).count >= 5 { return phone(text) }
        return String(text.prefix(1)) + "***"
    }
}

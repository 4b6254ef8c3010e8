import Foundation

/// Fills scenario templates.
///
/// In any string value, `{name}` is replaced by the variable `name`. A string that is exactly
/// `{t}` or `{t+N}` / `{t-N}` becomes the integer epoch `start + N`; `{iso}` / `{iso+N}` becomes
/// the ISO-8601 UTC text of that instant; `{int:name}` becomes the variable as an integer.
public struct Template: Sendable {
    /// Variables by name.
    public var variables: [String: String]
    /// The instant `{t}` stands for, in epoch seconds.
    public var start: Int

    /// Makes a template filler.
    public init(variables: [String: String], start: Int) {
        self.variables = variables
        self.start = start
    }

    /// Fills a value.
    public func fill(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s): return fill(string: s)
        case .array(let a): return .array(a.map(fill))
        case .object(let o): return .object(o.mapValues(fill))
        default: return value
        }
    }

    private func fill(string s: String) -> JSONValue {
        if s.hasPrefix("{"), s.hasSuffix("}"), !s.dropFirst().contains("{") {
            let inner = String(s.dropFirst().dropLast())
            if let offset = Self.offset(inner, prefix: "t") { return .int(start + offset) }
            if let offset = Self.offset(inner, prefix: "iso") { return .string(Self.iso(start + offset)) }
            if inner.hasPrefix("int:"), let text = variables[String(inner.dropFirst(4))], let int = Int(text) {
                return .int(int)
            }
        }
        return .string(substitute(s))
    }

    /// Replaces every `{name}` whose name is a variable; unknown names stay as written.
    public func substitute(_ s: String) -> String {
        guard s.contains("{") else { return s }
        var out = ""
        var rest = Substring(s)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            if let value = variables[name] {
                out += value
            } else {
                out += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        return out
    }

    private static func offset(_ inner: String, prefix: String) -> Int? {
        guard inner.hasPrefix(prefix) else { return nil }
        let tail = inner.dropFirst(prefix.count)
        if tail.isEmpty { return 0 }
        if tail.first == "+" { return Int(tail.dropFirst()) }
        if tail.first == "-" { return Int(tail.dropFirst()).map { -$0 } }
        return nil
    }

    static func iso(_ epoch: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))
    }
}

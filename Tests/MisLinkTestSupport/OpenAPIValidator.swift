import Foundation

/// Checks HTTP answers against an OpenAPI 3.1 document: the path and method are documented, the
/// status is one of the operation's responses, and a JSON body matches its schema.
///
/// The schema subset MisLink's document uses: `$ref` to `#/components/...`, `type` (one or a list,
/// `"null"` included), `properties`, `required`, `additionalProperties` (false or a schema), `items`,
/// `enum`, `minimum`, `maxItems` and `format: date-time`.
public struct OpenAPIValidator: @unchecked Sendable {
    // @unchecked: the parsed document is never mutated after init.
    private let document: [String: Any]

    /// Reads the document.
    public init(data: Data) throws {
        guard let document = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw OpenAPIViolation(["the document is not a JSON object"])
        }
        self.document = document
    }

    /// Throws ``OpenAPIViolation`` listing every mismatch.
    /// - Parameters:
    ///   - path: the request path without the query, e.g. `/api/v1/inbox`.
    public func validate(method: String, path: String, status: Int, body: Data, contentType: String? = "application/json") throws {
        guard let (template, item) = pathItem(for: path) else { throw OpenAPIViolation(["\(path) is not documented"]) }
        guard let operation = item[method.lowercased()] as? [String: Any] else {
            throw OpenAPIViolation(["\(method) \(template) is not documented"])
        }
        let responses = operation["responses"] as? [String: Any] ?? [:]
        guard var response = (responses[String(status)] ?? responses["default"]) as? [String: Any] else {
            throw OpenAPIViolation(["\(method) \(template) does not document status \(status)"])
        }
        if let ref = response["$ref"] as? String { response = resolve(ref) ?? [:] }
        guard let content = response["content"] as? [String: Any], contentType?.hasPrefix("application/json") == true,
              let media = content["application/json"] as? [String: Any], let schema = media["schema"] else { return }
        let value: Any
        do { value = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) } catch {
            throw OpenAPIViolation(["\(method) \(template) \(status): the body is not JSON"])
        }
        var problems: [String] = []
        check(value, against: schema, at: "$", problems: &problems)
        if !problems.isEmpty { throw OpenAPIViolation(problems.map { "\(method) \(template) \(status): \($0)" }) }
    }

    private func pathItem(for path: String) -> (String, [String: Any])? {
        let paths = document["paths"] as? [String: Any] ?? [:]
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        for (template, item) in paths {
            let parts = template.split(separator: "/", omittingEmptySubsequences: true)
            let matches: Bool
            if parts.last.map({ $0.hasPrefix("{") }) == true, parts.count <= segments.count,
               template.hasPrefix("/mango/") {
                // The Mango base takes the rest of the path as one parameter.
                matches = zip(parts.dropLast(), segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
            } else {
                matches = parts.count == segments.count && zip(parts, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
            }
            if matches, let item = item as? [String: Any] { return (template, item) }
        }
        return nil
    }

    private func resolve(_ ref: String) -> [String: Any]? {
        guard ref.hasPrefix("#/") else { return nil }
        var node: Any? = document
        for key in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(key)] }
        return node as? [String: Any]
    }

    private func check(_ value: Any, against schemaValue: Any, at path: String, problems: inout [String]) {
        guard var schema = schemaValue as? [String: Any] else { return }
        if let ref = schema["$ref"] as? String {
            guard let resolved = resolve(ref) else { problems.append("\(path): unresolved \(ref)"); return }
            schema = resolved
        }
        let types: [String] = (schema["type"] as? [String]) ?? (schema["type"] as? String).map { [$0] } ?? []
        if !types.isEmpty, !types.contains(where: { Self.has(value, type: $0) }) {
            problems.append("\(path): \(Self.describe(value)) is not \(types.joined(separator: " or "))")
            return
        }
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { Self.equal($0, value) }) {
            problems.append("\(path): \(Self.describe(value)) is not one of \(allowed)")
        }
        if let minimum = schema["minimum"] as? Double, let number = value as? NSNumber, number.doubleValue < minimum {
            problems.append("\(path): \(number) < \(minimum)")
        }
        if schema["format"] as? String == "date-time", let text = value as? String,
           ISO8601DateFormatter().date(from: text) == nil {
            problems.append("\(path): \"\(text)\" is not an ISO 8601 date-time")
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                problems.append("\(path): \(key) is required")
            }
            for (key, item) in object {
                if let property = properties[key] {
                    check(item, against: property, at: "\(path).\(key)", problems: &problems)
                } else if let extra = schema["additionalProperties"] {
                    if extra as? Bool == false { problems.append("\(path): \(key) is not documented") }
                    else { check(item, against: extra, at: "\(path).\(key)", problems: &problems) }
                } else if !properties.isEmpty {
                    problems.append("\(path): \(key) is not documented")
                }
            }
        }
        if let array = value as? [Any] {
            if let maxItems = schema["maxItems"] as? Int, array.count > maxItems {
                problems.append("\(path): \(array.count) items > \(maxItems)")
            }
            if let items = schema["items"] {
                for (index, item) in array.enumerated() { check(item, against: items, at: "\(path)[\(index)]", problems: &problems) }
            }
        }
    }

    private static func has(_ value: Any, type: String) -> Bool {
        switch type {
        case "null": return value is NSNull
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "boolean": return isBool(value)
        case "integer":
            guard let number = value as? NSNumber, !isBool(value) else { return false }
            return number.doubleValue == number.doubleValue.rounded()
        case "number": return value is NSNumber && !isBool(value)
        default: return true
        }
    }

    private static func isBool(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c" || type(of: number) == type(of: NSNumber(value: true))
            && (number === NSNumber(value: true) || number === NSNumber(value: false))
    }

    private static func equal(_ a: Any, _ b: Any) -> Bool {
        if a is NSNull || b is NSNull { return a is NSNull && b is NSNull }
        return (a as? String).map { $0 == b as? String } ?? (a as? NSNumber).map { $0 == b as? NSNumber } ?? false
    }

    private static func describe(_ value: Any) -> String {
        if value is NSNull { return "null" }
        if let text = value as? String { return "\"\(text.prefix(40))\"" }
        return String(describing: value).prefix(40).description
    }
}

/// Answers that do not match the OpenAPI document.
public struct OpenAPIViolation: Error, CustomStringConvertible {
    public var problems: [String]
    public init(_ problems: [String]) { self.problems = problems }
    public var description: String { problems.joined(separator: "\n") }
}

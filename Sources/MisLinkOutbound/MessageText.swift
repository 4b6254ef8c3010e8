import Foundation

/// The text of an automatic message: the row's `BODY`, else the clinic's template for the code (by
/// channel, then `any`), else a short built-in Russian text. Placeholders (`{patient_name}`,
/// `{doctor_name}`, `{service_name}`, `{start_local}`, `{old_start_local}`, `{cabinet}`,
/// `{clinic_name}`, and any other key of PARAMS) are filled from the parameters.
enum MessageText {
    /// The placeholders SQL/README.md documents; those with no value become empty text.
    static let documented = [
        "patient_name", "doctor_name", "service_name", "start_local", "old_start_local", "cabinet", "clinic_name",
    ]

    /// Fills `{name}` placeholders. Clinic-local times (`YYYY-MM-DDTHH:MM:SS`) are shown as
    /// `DD.MM.YYYY HH:MM`; documented placeholders with no value become empty; unknown ones stay.
    static func render(_ template: String, values: [String: String]) -> String {
        var text = template
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: display(name, value)) }
        for name in documented where values[name] == nil { text = text.replacingOccurrences(of: "{\(name)}", with: "") }
        return text.replacingOccurrences(of: "  ", with: " ").trimmed
    }

    /// The built-in text of a booking message, `nil` for other codes.
    static func builtIn(_ code: String, values: [String: String]) -> String? {
        let start = values["start_local"].map { " на " + display("start_local", $0) } ?? ""
        let doctor = values["doctor_name"].map { " к врачу \($0)" } ?? ""
        let cabinet = values["cabinet"].map { ", кабинет \($0)" } ?? ""
        let clinic = values["clinic_name"].map { "\($0): " } ?? ""
        switch code {
        case "booking_confirmed":
            return "\(clinic)Вы записаны на приём\(doctor)\(start)\(cabinet)."
        case "booking_moved":
            let old = values["old_start_local"].map { " с " + display("old_start_local", $0) } ?? ""
            return "\(clinic)Ваш приём\(doctor) перенесён\(old)\(start)\(cabinet)."
        case "booking_cancelled":
            return "\(clinic)Ваша запись на приём\(doctor)\(start) отменена."
        case "booking_reminder":
            return "\(clinic)Напоминаем: вы записаны на приём\(doctor)\(start)\(cabinet)."
        default:
            return nil
        }
    }

    /// PARAMS JSON as flat text values (numbers as digits, `null` left out).
    static func parameters(_ json: String?) -> [String: String] {
        guard let json, let data = json.data(using: .utf8),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { return [:] }
        var values: [String: String] = [:]
        for (key, value) in object {
            switch value {
            case let text as String where !text.isEmpty: values[key] = text
            case let number as NSNumber: values[key] = number.stringValue
            default: break
            }
        }
        return values
    }

    /// How a value is shown in a message.
    static func display(_ name: String, _ value: String) -> String {
        guard name.hasSuffix("_local") else { return value }
        // 2025-03-01T10:00:00 → 01.03.2025 10:00
        let parts = value.split(whereSeparator: { $0 == "T" || $0 == " " })
        guard parts.count == 2 else { return value }
        let date = parts[0].split(separator: "-"), time = parts[1].split(separator: ":")
        guard date.count == 3, time.count >= 2 else { return value }
        return "\(date[2]).\(date[1]).\(date[0]) \(time[0]):\(time[1])"
    }
}

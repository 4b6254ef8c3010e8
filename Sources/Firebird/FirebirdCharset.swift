/// A Firebird character set as far as this wrapper encodes and decodes text.
///
/// The connection charset is what the server transliterates text columns to and from (UTF8 by default,
/// so Swift sees UTF-8 everywhere). Columns declared `CHARACTER SET NONE` arrive untranslated and are
/// decoded with a configurable charset (WIN1251 in Russian MIS databases); `OCTETS` columns are bytes.
public struct FirebirdCharset: Hashable, Sendable, CustomStringConvertible {
    /// The name Firebird uses (`UTF8`, `WIN1251`, …), as given to `isc_dpb_lc_ctype` or `CHARACTER SET`.
    public let name: String
    /// The id in `RDB$CHARACTER_SETS` (the low byte of a text column's `sqlsubtype`).
    public let id: Int

    public var description: String { name }

    /// `NONE`: bytes with no declared encoding.
    public static let none = FirebirdCharset(name: "NONE", id: 0)
    /// `OCTETS`: binary strings.
    public static let octets = FirebirdCharset(name: "OCTETS", id: 1)
    /// `ASCII`.
    public static let ascii = FirebirdCharset(name: "ASCII", id: 2)
    /// `UNICODE_FSS`: the old UTF-8 of system tables.
    public static let unicodeFSS = FirebirdCharset(name: "UNICODE_FSS", id: 3)
    /// `UTF8`.
    public static let utf8 = FirebirdCharset(name: "UTF8", id: 4)
    /// `WIN1251`: Windows Cyrillic, the usual charset of Russian MIS databases.
    public static let win1251 = FirebirdCharset(name: "WIN1251", id: 52)

    /// The charsets this wrapper can encode and decode itself.
    public static let known: [FirebirdCharset] = [.none, .octets, .ascii, .unicodeFSS, .utf8, .win1251]

    /// Looks a charset up by Firebird name (case-insensitive).
    public init?(name: String) {
        guard let found = Self.known.first(where: { $0.name == name.uppercased() }) else { return nil }
        self = found
    }

    /// Looks a charset up by id.
    public init?(id: Int) {
        guard let found = Self.known.first(where: { $0.id == id }) else { return nil }
        self = found
    }

    private init(name: String, id: Int) {
        self.name = name
        self.id = id
    }

    /// True for the charsets whose bytes are UTF-8.
    var isUTF8: Bool { id == 3 || id == 4 || id == 2 }

    /// Decodes bytes of this charset into a String. Invalid sequences become U+FFFD.
    public func decode(_ bytes: UnsafeRawBufferPointer) -> String {
        if id == Self.win1251.id { return Self.decodeWin1251(bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Encodes a String into this charset's bytes, or nil when a character has no representation.
    public func encode(_ string: String) -> [UInt8]? {
        if id == Self.win1251.id { return Self.encodeWin1251(string) }
        return Array(string.utf8)
    }

    private static func decodeWin1251(_ bytes: UnsafeRawBufferPointer) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for byte in bytes {
            let value = byte < 0x80 ? UInt32(byte) : UInt32(win1251High[Int(byte) - 0x80])
            scalars.append(Unicode.Scalar(value == 0 ? 0xFFFD : value) ?? "\u{FFFD}")
        }
        return String(scalars)
    }

    private static func encodeWin1251(_ string: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count)
        for scalar in string.unicodeScalars {
            if scalar.value < 0x80 {
                out.append(UInt8(scalar.value))
            } else if let index = win1251High.firstIndex(of: UInt16(truncatingIfNeeded: scalar.value)),
                scalar.value <= 0xFFFF
            {
                out.append(UInt8(0x80 + index))
            } else {
                return nil
            }
        }
        return out
    }

    /// Unicode code points of WIN1251 bytes 0x80…0xFF (0 marks the one undefined byte, 0x98).
    static let win1251High: [UInt16] = [
        0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021,
        0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,
        0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x0000, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,
        0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7,
        0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,
        0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7,
        0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,
        0x0410, 0x0411, 0x0412, 0x0413, 0x0414, 0x0415, 0x0416, 0x0417,
        0x0418, 0x0419, 0x041A, 0x041B, 0x041C, 0x041D, 0x041E, 0x041F,
        0x0420, 0x0421, 0x0422, 0x0423, 0x0424, 0x0425, 0x0426, 0x0427,
        0x0428, 0x0429, 0x042A, 0x042B, 0x042C, 0x042D, 0x042E, 0x042F,
        0x0430, 0x0431, 0x0432, 0x0433, 0x0434, 0x0435, 0x0436, 0x0437,
        0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E, 0x043F,
        0x0440, 0x0441, 0x0442, 0x0443, 0x0444, 0x0445, 0x0446, 0x0447,
        0x0448, 0x0449, 0x044A, 0x044B, 0x044C, 0x044D, 0x044E, 0x044F,
    ]
}

import CFirebird

/// Owns an `XSQLDA` and the data area its variables point into.
///
/// After a describe, ``layOut()`` gives every variable a buffer of the size its type needs (text gets
/// room for a VARCHAR length prefix, so parameters can always be sent as `SQL_VARYING`) and an indicator.
final class SQLDA {
    private(set) var pointer: UnsafeMutablePointer<XSQLDA>
    private var data: UnsafeMutableRawPointer?
    private var indicators: UnsafeMutablePointer<Int16>?
    /// The described variables, in order.
    private(set) var columns: [ColumnDescription] = []
    /// Each variable's own buffer and its capacity in bytes.
    private(set) var buffers: [(pointer: UnsafeMutableRawPointer, capacity: Int)] = []
    /// Each variable as described, in the form binding reads for every value.
    private(set) var slots: [Slot] = []

    /// What the server described about a variable and where its buffer is: the part of a
    /// ``ColumnDescription`` that binding needs, without its three strings to copy for every value.
    struct Slot {
        let type: FirebirdType
        let subtype: Int16
        let scale: Int16
        let length: Int16
        let buffer: UnsafeMutableRawPointer

        /// The charset id of a CHAR/VARCHAR variable, or of a text BLOB.
        var charsetID: Int {
            type == .blob ? Int(scale) & 0xFF : Int(subtype) & 0xFF
        }
    }

    init(capacity: Int = 16) {
        pointer = Self.allocate(capacity)
    }

    deinit {
        pointer.deallocate()
        data?.deallocate()
        indicators?.deallocate()
    }

    private static func allocate(_ capacity: Int) -> UnsafeMutablePointer<XSQLDA> {
        let bytes = mislink_fb_xsqlda_length(Int16(capacity))
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        let sqlda = raw.assumingMemoryBound(to: XSQLDA.self)
        sqlda.pointee.version = Int16(SQLDA_VERSION1)
        sqlda.pointee.sqln = Int16(capacity)
        return sqlda
    }

    /// The number of variables the server described.
    var count: Int { Int(pointer.pointee.sqld) }

    /// True when the server described more variables than there is room for; then the caller
    /// calls ``grow()`` and describes again.
    var needsMoreRoom: Bool { pointer.pointee.sqld > pointer.pointee.sqln }

    /// Reallocates with room for every described variable.
    func grow() {
        let needed = Int(pointer.pointee.sqld)
        UnsafeMutableRawPointer(pointer).deallocate()
        pointer = Self.allocate(needed)
    }

    @inline(__always)
    subscript(index: Int) -> UnsafeMutablePointer<XSQLVAR> {
        mislink_fb_sqlvar(pointer, Int32(index))
    }

    @inline(__always)
    func indicator(_ index: Int) -> UnsafeMutablePointer<Int16> { indicators! + index }

    /// Records the descriptions and gives every variable its buffer and indicator.
    ///
    /// With `extendedZones` (for output), TIME/TIMESTAMP WITH TIME ZONE columns are asked for in
    /// their extended forms, so the server adds each value's offset from UTC and no tz database is
    /// needed here to show a region's local time.
    func layOut(extendedZones: Bool = false) {
        let count = self.count
        if extendedZones {
            for index in 0..<count {
                let variable = self[index]
                switch Int32(variable.pointee.sqltype & ~1) {
                case FirebirdType.timeTZ.rawValue:
                    variable.pointee.sqltype = Int16(truncatingIfNeeded: FirebirdType.timeTZExtended.rawValue) | (variable.pointee.sqltype & 1)
                    variable.pointee.sqllen = 8
                case FirebirdType.timestampTZ.rawValue:
                    variable.pointee.sqltype = Int16(truncatingIfNeeded: FirebirdType.timestampTZExtended.rawValue) | (variable.pointee.sqltype & 1)
                    variable.pointee.sqllen = 12
                default: break
                }
            }
        }
        columns = (0..<count).map { ColumnDescription(self[$0].pointee) }
        data?.deallocate()
        indicators?.deallocate()
        var sizes: [Int] = []
        var total = 0
        for column in columns {
            let size = Self.bufferSize(column)
            sizes.append(size)
            total += (size + 7) & ~7
        }
        let area = UnsafeMutableRawPointer.allocate(byteCount: max(total, 8), alignment: 8)
        area.initializeMemory(as: UInt8.self, repeating: 0, count: max(total, 8))
        let flags = UnsafeMutablePointer<Int16>.allocate(capacity: max(count, 1))
        flags.initialize(repeating: 0, count: max(count, 1))
        data = area
        indicators = flags
        buffers = []
        slots = []
        var offset = 0
        for index in 0..<count {
            let variable = self[index]
            variable.pointee.sqldata = (area + offset).assumingMemoryBound(to: CChar.self)
            variable.pointee.sqlind = flags + index
            variable.pointee.sqltype |= 1
            buffers.append((area + offset, sizes[index]))
            let column = columns[index]
            slots.append(Slot(type: column.type, subtype: column.subtype, scale: column.scale, length: column.length, buffer: area + offset))
            offset += (sizes[index] + 7) & ~7
        }
    }

    /// Restores a variable to what the server described (after a parameter was sent as another type)
    /// and returns its description.
    @inline(__always)
    @discardableResult
    func restore(_ index: Int) -> Slot {
        let variable = self[index]
        let slot = slots[index]
        variable.pointee.sqltype = Int16(slot.type.rawValue) | 1
        variable.pointee.sqllen = slot.length
        variable.pointee.sqlscale = slot.scale
        variable.pointee.sqlsubtype = slot.subtype
        variable.pointee.sqldata = slot.buffer.assumingMemoryBound(to: CChar.self)
        return slot
    }

    private static func bufferSize(_ column: ColumnDescription) -> Int {
        switch column.type {
        case .text, .varying: Int(column.length) + 2
        case .blob, .array: 8
        case .null: 8
        default: max(Int(column.length), 8)
        }
    }
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, fast generator whose output depends only on its seed.
///
/// The demo data must be the same for the same seed on every machine and toolchain, so it never uses
/// `SystemRandomNumberGenerator`, and it draws bounded numbers with its own helpers below rather than
/// `Int.random(in:using:)`, whose algorithm the standard library may change.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The internal state; the next output is a function of it alone.
    public private(set) var state: UInt64

    /// Creates a generator whose whole output is determined by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (multiply-high; the bias is below 2⁻³² for the bounds used here).
    @inline(__always)
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "below(_:) needs a positive bound")
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A number in `range`.
    @inline(__always)
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// True with probability `p` (0…1).
    @inline(__always)
    public mutating func chance(_ p: Double) -> Bool {
        Double(next() >> 11) * 0x1.0p-53 < p
    }

    /// A uniformly chosen element of a non-empty collection.
    @inline(__always)
    public mutating func pick<C: RandomAccessCollection>(_ elements: C) -> C.Element where C.Index == Int {
        elements[elements.startIndex + below(elements.count)]
    }

    /// A generator for an independent stream derived from this seed and `stream` (used to give each
    /// run its own data when it appends to a database that already has patients).
    public static func derived(seed: UInt64, stream: UInt64) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        return SplitMix64(seed: mixer.next())
    }
}

/// A fixed table of choices with integer weights, drawn in O(log n).
struct WeightedTable<Element: Sendable>: Sendable {
    let elements: [Element]
    private let cumulative: [Int]

    init(_ pairs: [(Element, Int)]) {
        precondition(!pairs.isEmpty && pairs.allSatisfy { $0.1 >= 0 }, "a weighted table needs entries")
        elements = pairs.map(\.0)
        var total = 0
        cumulative = pairs.map { total += $0.1; return total }
        precondition(total > 0, "a weighted table needs a positive total weight")
    }

    @inline(__always)
    func draw(_ random: inout SplitMix64) -> Element {
        let target = random.below(cumulative[cumulative.count - 1])
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > target { high = middle } else { low = middle + 1 }
        }
        return elements[low]
    }
}

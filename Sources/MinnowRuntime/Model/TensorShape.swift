/// A tensor shape of rank 0…6 stored inline, so reading shapes never allocates.
public struct TensorShape: Equatable, Sendable {
    /// Number of dimensions.
    public let rank: Int
    private var d0 = 1, d1 = 1, d2 = 1, d3 = 1, d4 = 1, d5 = 1

    /// A shape from explicit dimensions; `dimensions.count` must be at most 6.
    public init(_ dimensions: [Int]) {
        precondition(dimensions.count <= ModelFormat.maxRank, "TensorShape: rank above 6")
        rank = dimensions.count
        for (i, d) in dimensions.enumerated() { self[i] = d }
    }

    init(rank: Int) {
        self.rank = rank
    }

    /// Dimension `axis` (0 ≤ axis < rank).
    public subscript(axis: Int) -> Int {
        get {
            switch axis {
            case 0: return d0
            case 1: return d1
            case 2: return d2
            case 3: return d3
            case 4: return d4
            default: return d5
            }
        }
        set {
            switch axis {
            case 0: d0 = newValue
            case 1: d1 = newValue
            case 2: d2 = newValue
            case 3: d3 = newValue
            case 4: d4 = newValue
            default: d5 = newValue
            }
        }
    }

    /// Product of all dimensions (1 for rank 0). Validated models never overflow here.
    public var elementCount: Int {
        var n = 1
        for i in 0..<rank { n &*= self[i] }
        return n
    }

    /// The last dimension (1 for rank 0).
    public var last: Int { rank == 0 ? 1 : self[rank - 1] }

    /// True when the shape has exactly the given dimensions.
    public func equals(_ a: Int) -> Bool { rank == 1 && d0 == a }
    public func equals(_ a: Int, _ b: Int) -> Bool { rank == 2 && d0 == a && d1 == b }
    public func equals(_ a: Int, _ b: Int, _ c: Int) -> Bool { rank == 3 && d0 == a && d1 == b && d2 == c }
    public func equals(_ a: Int, _ b: Int, _ c: Int, _ d: Int) -> Bool {
        rank == 4 && d0 == a && d1 == b && d2 == c && d3 == d
    }

    /// The dimensions as an array (host convenience; allocates).
    public var dimensions: [Int] {
        var result: [Int] = []
        for i in 0..<rank { result.append(self[i]) }
        return result
    }

    public static func == (lhs: TensorShape, rhs: TensorShape) -> Bool {
        guard lhs.rank == rhs.rank else { return false }
        for i in 0..<lhs.rank where lhs[i] != rhs[i] { return false }
        return true
    }
}

/// A read-only list of tensor indices stored as little-endian UInt32 (format 1) or UInt16
/// (format 2) in the model bytes.
public struct TensorIndexList: RandomAccessCollection, @unchecked Sendable {
    private let base: UnsafeRawPointer?
    public let count: Int
    private let elementSize: Int

    init(base: UnsafeRawPointer?, count: Int, elementSize: Int = 4) {
        self.base = base
        self.count = count
        self.elementSize = elementSize
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> Int {
        precondition(position >= 0 && position < count, "TensorIndexList: index out of range")
        // Version 3 files (the only ones firmware reads) store u16 indices.
        if !Model.readsLegacyFormats || elementSize == 2 { return Int(base.unsafelyUnwrapped.readLE(position &* 2, as: UInt16.self)) }
        return Int(clamping: base.unsafelyUnwrapped.readLE(position &* 4, as: UInt32.self))
    }
}

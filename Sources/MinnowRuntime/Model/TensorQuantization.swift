/// A tensor's quantization parameters read in place from a version 2 model file (no copies):
/// `real = scale · (q − zeroPoint)`, per tensor (`count == 1`) or per channel along `axis`.
public struct TensorQuantization: @unchecked Sendable {
    let record: UnsafeRawPointer

    init(record: UnsafeRawPointer) { self.record = record }

    /// Number of scales (1 = per tensor, else one per channel along `axis`).
    public var count: Int { Int(record.readLE(0, as: UInt16.self)) }
    /// Channel axis of per-channel parameters.
    public var axis: Int { Int(record.load(fromByteOffset: 2, as: UInt8.self)) }
    /// True when one zero point is stored for all channels.
    var sharesZeroPoint: Bool { record.load(fromByteOffset: 3, as: UInt8.self) & 1 != 0 }

    /// Scale of channel `i` (0 for per-tensor parameters).
    @inline(__always)
    public func scale(_ i: Int = 0) -> Float {
        Float(bitPattern: record.readLE(4 &+ 4 &* i, as: UInt32.self))
    }

    /// Zero point of channel `i`.
    @inline(__always)
    public func zeroPoint(_ i: Int = 0) -> Int32 {
        record.readLE(4 &+ 4 &* count &+ (sharesZeroPoint ? 0 : 4 &* i), as: Int32.self)
    }

    /// Record bytes: header, scales and zero points.
    static func byteCount(count: Int, sharesZeroPoint: Bool) -> Int {
        4 &+ 4 &* count &+ 4 &* (sharesZeroPoint ? 1 : count)
    }

    /// A copy as `QuantizationParameters` (allocates).
    public var parameters: QuantizationParameters {
        var scales: [Float] = []
        var zeroPoints: [Int32] = []
        for i in 0..<count {
            scales.append(scale(i))
            zeroPoints.append(zeroPoint(i))
        }
        return QuantizationParameters(scales: scales, zeroPoints: zeroPoints, axis: axis)
    }

    /// True when both describe the same per-tensor mapping (same scale and zero point).
    public func sameMapping(as other: TensorQuantization) -> Bool {
        count == 1 && other.count == 1 && scale() == other.scale() && zeroPoint() == other.zeroPoint()
    }
}

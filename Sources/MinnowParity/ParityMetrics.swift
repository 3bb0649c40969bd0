import Foundation

/// Error statistics of one layer: the int8 activation (dequantized) against the float one,
/// accumulated over every element of every item.
public struct LayerError: Sendable, Equatable {
    public var signalEnergy: Double = 0
    public var noiseEnergy: Double = 0
    public var dot: Double = 0
    public var quantizedEnergy: Double = 0
    public var maxAbsoluteError: Double = 0
    public var elementCount = 0

    public init() {}

    /// Adds `count` pairs of float reference and dequantized int8 values.
    public mutating func add(reference: UnsafePointer<Float>, quantized: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let r = Double(reference[i]), q = Double(quantized[i])
            let e = r - q
            signalEnergy += r * r
            noiseEnergy += e * e
            dot += r * q
            quantizedEnergy += q * q
            maxAbsoluteError = max(maxAbsoluteError, abs(e))
        }
        elementCount += count
    }

    /// Signal-to-quantization-noise ratio in dB: 10·log10(Σr² / Σ(r − q)²); +∞ when exact.
    public var sqnrDecibels: Double {
        noiseEnergy == 0 ? .infinity : 10 * log10(signalEnergy / noiseEnergy)
    }

    /// Cosine similarity of the two activation vectors (1 when both are zero).
    public var cosine: Double {
        let denominator = (signalEnergy * quantizedEnergy).squareRoot()
        return denominator == 0 ? (signalEnergy == quantizedEnergy ? 1 : 0) : dot / denominator
    }
}

/// A classes × classes count of (true label, predicted class).
public struct ConfusionMatrix: Sendable, Equatable {
    /// The most classes a matrix may have (8 MiB of counts); callers check before creating one.
    public static let maximumClassCount = 1024

    public let classCount: Int
    public private(set) var counts: [Int]

    /// - Parameter classCount: 0 ... `maximumClassCount`.
    public init(classCount: Int) {
        precondition(classCount >= 0 && classCount <= Self.maximumClassCount, "ConfusionMatrix: \(classCount) classes")
        self.classCount = classCount
        counts = [Int](repeating: 0, count: classCount * classCount)
    }

    public mutating func add(label: Int, predicted: Int) {
        guard label >= 0, label < classCount, predicted >= 0, predicted < classCount else { return }
        counts[label * classCount + predicted] += 1
    }

    public subscript(label: Int, predicted: Int) -> Int { counts[label * classCount + predicted] }

    /// `self − other`, cell by cell (int8 minus float shows where quantization moved answers).
    public func difference(_ other: ConfusionMatrix) -> [Int] {
        zip(counts, other.counts).map { $0 - $1 }
    }

    public var rows: [[Int]] { (0..<classCount).map { Array(counts[$0 * classCount..<($0 + 1) * classCount]) } }
}

import MinnowRuntime

/// Where a model file's bytes go: what a microcontroller keeps in flash.
public struct FlashBreakdown: Sendable, Equatable {
    /// Weight matrices and kernels (constant inputs of rank ≥ 2).
    public var weightBytes = 0
    /// Bias vectors (rank-1 constants in the bias position of FC/conv/LSTM/GRU ops).
    public var biasBytes = 0
    /// Other constants: requantization multipliers and shifts, lookup tables, BN scale/offset.
    public var quantizationBytes = 0
    /// Everything else: header, graph tables, names, quantization records, padding.
    public var graphBytes = 0
    public var totalBytes: Int { weightBytes + biasBytes + quantizationBytes + graphBytes }

    public init(_ model: Model) {
        var seen = Set<Int>()
        for op in 0..<model.operatorCount {
            let code = model.operatorCode(op)
            for (position, t) in model.operatorInputs(op).enumerated() where model.isConstant(t) && !seen.contains(t) {
                seen.insert(t)
                let bytes = model.storedByteCount(t)
                switch code.role(ofInput: position) {
                case .weights: weightBytes += bytes
                case .bias: biasBytes += bytes
                case .quantization: quantizationBytes += bytes
                }
            }
        }
        graphBytes = model.byteCount - weightBytes - biasBytes - quantizationBytes
    }
}

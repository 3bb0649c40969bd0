// Operands shared by the int8 operators that accumulate weight products in int32 and requantize
// per output channel (fully connected, the convolutions): `[x, weights, foldedBias, rq]`.
// Conventions in `Int8Conventions`.

extension OperatorNode {
    /// Largest |(q + 128) · w| of one product: the bound the int32 accumulator is checked against.
    static let largestProduct = 255 * 128

    /// Checks weights (input 1: int8 constant, `packed` n16k4 or dense, optional symmetric
    /// quantization with one scale or one per channel), folded bias (input 2: int32 `[channels]`)
    /// and requantization (input 3: int32 `[2, channels]`, multipliers ≥ 0, shifts −31…30), and that
    /// `depth` products plus the bias cannot overflow the int32 accumulator.
    public func requireRequantizedConstants(channels: Int, packed: Bool, depth: Int) throws(ModelError) {
        let w = input(1)
        try requireConstant(w, .int8)
        guard model.tensorLayout(w) == (packed ? .n16k4 : .dense) else { throw .tensorOutOfRange(tensor: w, field: .layout) }
        if let q = model.quantization(w) {
            guard q.count == 1 || q.count == channels else { throw .badQuantization(tensor: w, detail: .channelCount) }
            for i in 0..<q.count where q.zeroPoint(i) != 0 { throw .badQuantization(tensor: w, detail: .zeroPoint) }
        }
        try requireConstant(input(2), .int32)
        try require(shape(input(2)).equals(channels), .biasShape)
        try requireConstant(input(3), .int32)
        try require(shape(input(3)).equals(2, channels), .biasShape)
        let requant = model.constantData(input(3)).unsafelyUnwrapped.baseAddress.unsafelyUnwrapped
        let bias = model.constantData(input(2)).unsafelyUnwrapped.baseAddress.unsafelyUnwrapped
        // Exact int32 sums: depth · 255 · 128 + |bias| must stay below 2^31 (K ≈ 65,000 at most).
        let (products, overflow) = depth.multipliedReportingOverflow(by: OperatorNode.largestProduct)
        guard !overflow, products <= Int(Int32.max) else { throw .accumulatorOverflow(op: index) }
        for c in 0..<channels {
            let m = requant.readLE(4 * c, as: Int32.self)
            let s = requant.readLE(4 * (channels + c), as: Int32.self)
            guard m >= 0, s >= -31, s <= 30 else { throw .badRequantization(op: index, index: c) }
            // In UInt: at most 2^31 − 1 + 2^31, which fits even a 32-bit word.
            let b = bias.readLE(4 * c, as: Int32.self)
            guard UInt(products) + UInt(b.magnitude) <= UInt(Int32.max) else { throw .accumulatorOverflow(op: index) }
        }
    }
}

extension InvocationContext {
    /// The output stage of a requantized operator with `channels` output channels: folded bias
    /// (input 2), requantization (input 3), output zero point and the fused activation's clamp.
    @inline(__always)
    func outputStage(_ node: OperatorNode, channels: Int, activation: FusedActivation) -> Int8OutputStage {
        let q = quantization(node.output)
        let range = Int8ActivationRange(activation, scale: q.scale(), zeroPoint: q.zeroPoint())
        let requant = int32s(node.input(3))
        return Int8OutputStage(bias: int32s(node.input(2)), multipliers: requant, shifts: requant + channels,
                               outputZeroPoint: q.zeroPoint(), lowerBound: range.lower, upperBound: range.upper)
    }
}

/// `a · b`, or `Int.max` when it overflows: operation counts saturate rather than wrap, so the
/// loader's work limit still catches them.
@inline(__always)
func saturatingProduct(_ a: Int, _ b: Int) -> Int {
    let (p, overflow) = a.multipliedReportingOverflow(by: b)
    return overflow ? Int.max : p
}

/// Float-facing access to model inputs and outputs of any element type, so host tools and
/// firmware feed the same float data to float and int8 models: int8 inputs are quantized with
/// the input's parameters (as the `quantize` operator does), int8 outputs are dequantized.
extension Interpreter {
    /// Number of elements of model input `index`.
    public func inputCount(_ index: Int) -> Int {
        model.tensorShape(model.inputs[index]).elementCount
    }

    /// Number of elements of model output `index`.
    public func outputCount(_ index: Int) -> Int {
        model.tensorShape(model.outputs[index]).elementCount
    }

    /// Writes `inputCount(index)` floats into model input `index`, quantizing for int8 inputs.
    /// Call it before every `invoke()` (the plan may reuse input memory during inference).
    public func setInput(_ index: Int, from values: UnsafePointer<Float>) {
        let t = model.inputs[index]
        let count = model.tensorShape(t).elementCount
        if model.tensorType(t) == .int8, let q = model.quantization(t) {
            quantizeInt8(values, output: activationInt8(t).baseAddress!, count: count, scale: q.scale(), zeroPoint: q.zeroPoint())
        } else {
            inputFloats(index).baseAddress!.update(from: values, count: count)
        }
    }

    /// Element `i` of model output `index` as a float (dequantized for int8 outputs).
    @inline(__always)
    public func outputValue(_ index: Int, _ i: Int) -> Float {
        let t = model.outputs[index]
        if model.tensorType(t) == .int8, let q = model.quantization(t) {
            return q.scale() * Float(Int32(activationInt8(t)[i]) &- q.zeroPoint())
        }
        return outputFloats(index)[i]
    }

    /// Index of the largest element of model output `index` (the first on ties). For int8
    /// outputs the comparison is on the integers, which dequantization preserves.
    public func outputArgmax(_ index: Int) -> Int {
        let t = model.outputs[index]
        let count = model.tensorShape(t).elementCount
        var best = 0
        if model.tensorType(t) == .int8 {
            let q = activationInt8(t)
            for i in 1..<count where q[i] > q[best] { best = i }
        } else {
            let f = outputFloats(index)
            for i in 1..<count where f[i] > f[best] { best = i }
        }
        return best
    }
}

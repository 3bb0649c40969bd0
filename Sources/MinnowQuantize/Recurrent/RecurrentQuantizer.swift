import Foundation
import MinnowRuntime

/// Converts float LSTM/GRU operators to their int8 form (int8 weights, int16 state), following
/// the fixed-point contract documented on `Int8LSTMKernel`.
///
/// Choices: weights are symmetric int8 with **one scale per gate and matrix** (`max|W_gate| / 127`),
/// which keeps the per-op constants at 56 bytes (LSTM) instead of kilobytes of per-row
/// multipliers; biases are int32 Q.12; the output `h` is int8 at the fixed scale 1/128, zero
/// point 0 (h ∈ (−1, 1), so no calibration is needed and the next layer sees a stable scale).
/// Weight and bias constants carry no `QuantizationParameters`: their scales live in the
/// parameter block, where the kernel reads them.
public enum RecurrentQuantizer {
    /// Output quantization of every int8 LSTM/GRU: scale 1/128, zero point 0.
    public static let outputQuantization = QuantizationParameters(scale: 1.0 / 128.0, zeroPoint: 0)

    /// The constants of one int8 recurrent op, before they are written into a model.
    public struct QuantizedRecurrent: Equatable {
        /// `[G·H, F]` row-major, gate-major rows.
        public var inputWeights: [Int8]
        /// `[G·H, H]` row-major.
        public var recurrentWeights: [Int8]
        /// One `[G·H]` Q.12 vector for the LSTM; input and recurrent bias for the GRU.
        public var biases: [[Int32]]
        /// `ex | eh << 4` per row: the row's weights are stored 2^e times larger than the gate scale.
        public var rowExponents: [UInt8]
        /// The int32 parameter block `[version, zp_x, (mx, mh, shift) per gate]`.
        public var parameters: [Int32]
        /// Per-gate weight scales (diagnostics).
        public var inputScales: [Float]
        public var recurrentScales: [Float]
    }

    /// Appends an int8 LSTM reading int8 tensor `input` (`[1, steps, features]`, quantized with
    /// `inputQuantization`) and returns the index of its int8 output tensor (`[1, units]` or
    /// `[1, steps, units]`), whose quantization this function chooses.
    /// Float weights follow the float `.lstm` conventions (gate order i, f, g, o).
    public static func emitLSTM(
        into builder: inout ModelBuilder, input: Int, inputQuantization: QuantizationParameters,
        inputWeights: [Float], recurrentWeights: [Float], bias: [Float],
        units: Int, steps: Int, features: Int, returnSequences: Bool, name: String
    ) throws -> Int {
        try checkInput(builder, input: input, steps: steps, features: features, name: name)
        let q = try quantize(gates: 4, inputQuantization: inputQuantization, inputWeights: inputWeights,
                             recurrentWeights: recurrentWeights, biases: [bias],
                             units: units, features: features, name: name)
        return emit(.lstm, q, into: &builder, input: input, units: units, steps: steps, features: features,
                    returnSequences: returnSequences, name: name)
    }

    /// As `emitLSTM`, for GRU (gate order z, r, n; reset-after form).
    public static func emitGRU(
        into builder: inout ModelBuilder, input: Int, inputQuantization: QuantizationParameters,
        inputWeights: [Float], recurrentWeights: [Float], inputBias: [Float], recurrentBias: [Float],
        units: Int, steps: Int, features: Int, returnSequences: Bool, name: String
    ) throws -> Int {
        try checkInput(builder, input: input, steps: steps, features: features, name: name)
        let q = try quantize(gates: 3, inputQuantization: inputQuantization, inputWeights: inputWeights,
                             recurrentWeights: recurrentWeights, biases: [inputBias, recurrentBias],
                             units: units, features: features, name: name)
        return emit(.gru, q, into: &builder, input: input, units: units, steps: steps, features: features,
                    returnSequences: returnSequences, name: name)
    }

    /// Quantizes one recurrent layer's float weights (`gates` = 4 for LSTM, 3 for GRU; `biases`
    /// holds one vector for the LSTM, two for the GRU).
    public static func quantize(
        gates: Int, inputQuantization: QuantizationParameters,
        inputWeights: [Float], recurrentWeights: [Float], biases: [[Float]],
        units: Int, features: Int, name: String
    ) throws -> QuantizedRecurrent {
        let rows = gates * units
        guard units > 0, units <= Int8RecurrentLayout.maxUnits else {
            throw QuantizationError.recurrent(layer: name, detail: "units must be in 1…\(Int8RecurrentLayout.maxUnits), found \(units)")
        }
        guard features > 0, features <= Int8RecurrentLayout.maxFeatures else {
            throw QuantizationError.recurrent(layer: name, detail: "features must be in 1…\(Int8RecurrentLayout.maxFeatures), found \(features)")
        }
        guard inputWeights.count == rows * features else {
            throw QuantizationError.recurrent(layer: name, detail: "input weights: expected \(rows * features) values ([\(rows), \(features)]), found \(inputWeights.count)")
        }
        guard recurrentWeights.count == rows * units else {
            throw QuantizationError.recurrent(layer: name, detail: "recurrent weights: expected \(rows * units) values ([\(rows), \(units)]), found \(recurrentWeights.count)")
        }
        for (i, b) in biases.enumerated() where b.count != rows {
            throw QuantizationError.recurrent(layer: name, detail: "bias \(i): expected \(rows) values, found \(b.count)")
        }
        guard inputQuantization.scales.count == 1, inputQuantization.zeroPoints.count == 1,
              let inputScale = inputQuantization.scales.first, inputScale > 0, inputScale.isFinite,
              let zeroPoint = inputQuantization.zeroPoints.first, (-128...127).contains(zeroPoint) else {
            throw QuantizationError.recurrent(layer: name, detail: "input quantization must be per-tensor with a positive scale and a zero point in −128…127, found \(inputQuantization)")
        }
        let (wx, sx, ex) = try quantizePerGate(inputWeights, gates: gates, rows: rows, name: "\(name): input weights")
        let (wh, sh, eh) = try quantizePerGate(recurrentWeights, gates: gates, rows: rows, name: "\(name): recurrent weights")
        let rowExponents = zip(ex, eh).map { $0 | $1 << 4 }
        var parameters: [Int32] = [Int8RecurrentLayout.parameterVersion, zeroPoint]
        for g in 0..<gates {
            // Q.12 per unit of ax (s_x · s_wx) and of ah (2^−15 · s_wh).
            let realX = Double(inputScale) * Double(sx[g]) * 4096
            let realH = Double(sh[g]) * 4096 / 32768
            let (mx, mh, shift) = try commonShiftMultipliers(realX, realH, name: "\(name): gate \(g)")
            parameters += [mx, mh, shift]
        }
        var quantizedBiases: [[Int32]] = []
        for (i, b) in biases.enumerated() {
            quantizedBiases.append(try b.map { v -> Int32 in
                let q = (Double(v) * 4096).rounded()
                guard q.isFinite, abs(q) < Double(1 << 30) else {
                    throw QuantizationError.recurrent(layer: name, detail: "bias \(i) value \(v) does not fit Q.12 int32")
                }
                return Int32(q)
            })
        }
        return QuantizedRecurrent(inputWeights: wx, recurrentWeights: wh, biases: quantizedBiases,
                                  rowExponents: rowExponents, parameters: parameters, inputScales: sx, recurrentScales: sh)
    }

    /// Symmetric int8 with one scale per gate, `s_g = max|W_gate| / 127`, and per row a
    /// power-of-two step `e = min(7, floor(log2(max|W_gate| / max|W_row|)))`:
    /// `q = round(w / (s_g · 2^−e))`, so every nonzero row spans at least half of −127…127.
    static func quantizePerGate(_ w: [Float], gates: Int, rows: Int, name: String) throws -> ([Int8], [Float], [UInt8]) {
        let block = w.count / gates, width = w.count / rows
        var q = [Int8](repeating: 0, count: w.count)
        var scales: [Float] = []
        var exponents = [UInt8](repeating: 0, count: rows)
        for g in 0..<gates {
            let slice = w[(g * block)..<((g + 1) * block)]
            guard slice.allSatisfy(\.isFinite) else { throw QuantizationError.recurrent(layer: name, detail: "gate \(g) holds a non-finite weight") }
            let gateMax = slice.reduce(Float(0)) { max($0, abs($1)) }
            let scale: Float = gateMax > 0 ? gateMax / 127 : 1
            scales.append(scale)
            for r in (g * rows / gates)..<((g + 1) * rows / gates) {
                let row = w[(r * width)..<((r + 1) * width)]
                let rowMax = row.reduce(Float(0)) { max($0, abs($1)) }
                var e = 0
                while e < Int(Int8RecurrentLayout.maxRowExponent), rowMax > 0, rowMax * Float(1 << (e + 1)) <= gateMax { e += 1 }
                exponents[r] = UInt8(e)
                let step = scale / Float(1 << e)
                for i in row.indices { q[i] = Int8(max(-127, min(127, (w[i] / step).rounded()))) }
            }
        }
        return (q, scales, exponents)
    }

    /// Encodes two positive reals as multipliers over one shift in 1…55, the larger one in
    /// [2^22, 2^23) (fewer bits when the shift would exceed 55).
    static func commonShiftMultipliers(_ a: Double, _ b: Double, name: String) throws -> (Int32, Int32, Int32) {
        let largest = max(a, b)
        guard largest > 0, largest.isFinite else { throw QuantizationError.recurrent(layer: name, detail: "multiplier \(largest) must be positive") }
        // largest · 2^shift in [2^22, 2^23): shift = 22 − floor(log2(largest)).
        var shift = 22 - Int(largest.exponent)
        if (largest * pow(2, Double(shift))).rounded() >= Double(Int8RecurrentLayout.maxMultiplier) { shift -= 1 }
        shift = min(shift, Int(Int8RecurrentLayout.maxShift))
        guard shift >= 1 else { throw QuantizationError.recurrent(layer: name, detail: "multiplier \(largest) is too large for the int8 recurrent kernel") }
        let scale = pow(2, Double(shift))
        return (Int32((a * scale).rounded()), Int32((b * scale).rounded()), Int32(shift))
    }

    static func checkInput(_ builder: ModelBuilder, input: Int, steps: Int, features: Int, name: String) throws {
        guard builder.tensors.indices.contains(input) else {
            throw QuantizationError.recurrent(layer: name, detail: "input tensor \(input) does not exist")
        }
        let t = builder.tensors[input]
        guard t.type == .int8, t.shape == [1, steps, features] else {
            throw QuantizationError.recurrent(layer: name, detail: "input '\(t.name)' must be int8 [1, \(steps), \(features)], found \(t.type) \(t.shape)")
        }
    }

    static func emit(_ code: OperatorCode, _ q: QuantizedRecurrent, into builder: inout ModelBuilder, input: Int,
                     units: Int, steps: Int, features: Int, returnSequences: Bool, name: String) -> Int {
        let rows = q.biases[0].count
        let wx = builder.addConstant(name: "\(name)/input_weights", type: .int8, shape: [rows, features],
                                     bytes: q.inputWeights.map { UInt8(bitPattern: $0) })
        let wh = builder.addConstant(name: "\(name)/recurrent_weights", type: .int8, shape: [rows, units],
                                     bytes: q.recurrentWeights.map { UInt8(bitPattern: $0) })
        let biasNames = q.biases.count == 1 ? ["bias"] : ["input_bias", "recurrent_bias"]
        let biases = zip(q.biases, biasNames).map { b, n in
            builder.addConstant(name: "\(name)/\(n)", type: .int32, shape: [rows], bytes: littleEndianBytes(b))
        }
        let exponents = builder.addConstant(name: "\(name)/row_exponents", type: .uint8, shape: [rows],
                                            bytes: q.rowExponents)
        let params = builder.addConstant(name: "\(name)/parameters", type: .int32, shape: [q.parameters.count],
                                         bytes: littleEndianBytes(q.parameters))
        let output = builder.addTensor(name: name, type: .int8,
                                       shape: returnSequences ? [1, steps, units] : [1, units],
                                       quantization: outputQuantization)
        builder.addOperator(code, inputs: [input, wx, wh] + biases + [exponents, params], outputs: [output],
                            options: OperatorOptions(units: Int32(units), returnSequences: returnSequences))
        return output
    }

    static func littleEndianBytes(_ values: [Int32]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for v in values {
            let u = UInt32(bitPattern: v)
            bytes += [UInt8(truncatingIfNeeded: u), UInt8(truncatingIfNeeded: u >> 8),
                      UInt8(truncatingIfNeeded: u >> 16), UInt8(truncatingIfNeeded: u >> 24)]
        }
        return bytes
    }
}

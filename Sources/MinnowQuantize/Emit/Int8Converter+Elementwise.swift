import Foundation
import MinnowRuntime

extension Int8Converter {
    /// Element-wise int8 operators. Logistic and tanh read a 256-entry int8 table and softmax a
    /// 256-entry int32 exponent table, computed here from the input scale (`Graph.swift`).
    mutating func emitElementwise(_ op: FloatGraph.Operator) throws {
        var inputs: [Int] = []
        for t in op.inputs { inputs.append(try int8Input(t)) }
        let name = op.name(in: graph)
        let input = plan.parameters(op.inputs[0])
        let output = plan.parameters(op.outputs[0])
        switch op.code {
        case .logistic, .tanh:
            let table = LookupTables.activation(op.code == .logistic ? { 1 / (1 + Foundation.exp(-$0)) } : { Foundation.tanh($0) },
                                                input: input, output: output)
            inputs.append(builder.addConstant(name: "\(name)/table", shape: [256], int8s: table))
        case .softmax:
            inputs.append(builder.addConstant(name: "\(name)/exp_table", shape: [256],
                                              int32s: LookupTables.softmaxExponents(inputScale: input.scales[0])))
        default:
            break
        }
        let y = addInt8Output(op.outputs[0])
        builder.addOperator(op.code, inputs: inputs, outputs: [y], options: op.options)
    }
}

/// Tables for the table-driven int8 operators.
public enum LookupTables {
    /// `table[q + 128] = clamp(round(f(s_in·(q − z_in)) / s_out) + z_out)` for every int8 `q`.
    public static func activation(_ f: (Double) -> Double, input: QuantizationParameters,
                                  output: QuantizationParameters) -> [Int8] {
        let sIn = Double(input.scales[0]), zIn = Int(input.zeroPoints[0])
        let sOut = Double(output.scales[0]), zOut = Double(output.zeroPoints[0])
        return (0..<256).map { i in
            let q = (f(sIn * Double(i - 128 - zIn)) / sOut).rounded() + zOut
            return Int8(min(max(q, -128), 127))
        }
    }

    /// `table[d] = round(2^16 · exp(−s_in · d))`, d = max − q in 0…255.
    public static func softmaxExponents(inputScale: Float) -> [Int32] {
        (0..<256).map { Int32((Foundation.exp(-Double(inputScale) * Double($0)) * 65536).rounded()) }
    }
}

import MinnowRuntime

/// The outputs of every item, in the output tensor's own type and dequantized.
public struct PredictionResult: Sendable {
    /// Number of items run.
    public var count: Int
    /// Shape of one output (the model's output 0).
    public var outputShape: [Int]
    /// NumPy type of the raw outputs: "|i1" for an int8 output, "<f4" for float32.
    public var outputDescr: String
    /// `count` outputs back to back, in the output's type (little-endian).
    public var raw: [UInt8]
    /// `count × outputShape` dequantized values.
    public var dequantized: [Float]
    /// Index of the largest output element of each item (first on ties).
    public var argmax: [Int]
    /// Arena bytes the interpreter used.
    public var arenaBytes: Int

    /// The raw outputs as a `.npy` file of shape [count, …outputShape].
    public var npyBytes: [UInt8] {
        NumpyEncoding.encode(descr: outputDescr, shape: [count] + outputShape, data: raw)
    }
}

/// Runs a Minnow model on every item of a `PredictionInput`.
public enum Prediction {
    /// Runs `modelBytes` (a `.minnow` file, `modelPath` names it in errors) on every item.
    /// Recurrent state is reset before each item, so items are independent.
    public static func run(modelBytes: [UInt8], modelPath: String, input: PredictionInput,
                           progress: (Int, Int) -> Void = { _, _ in }) throws(PredictError) -> PredictionResult {
        let outcome: Result<PredictionResult, PredictError> = modelBytes.withUnsafeBytes { raw in
            do throws(PredictError) {
                return .success(try run(raw, modelPath: modelPath, input: input, progress: progress))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    static func run(_ raw: UnsafeRawBufferPointer, modelPath: String, input: PredictionInput,
                    progress: (Int, Int) -> Void) throws(PredictError) -> PredictionResult {
        let model: Model
        do {
            model = try Model(bytes: raw)
        } catch {
            throw .model(path: modelPath, reason: "invalid model file: \(error)")
        }
        guard model.inputs.count == 1, model.outputs.count >= 1 else {
            throw .model(path: modelPath, reason: "predict needs a model with one input (this one has \(model.inputs.count))")
        }
        let inputTensor = model.inputs[0], outputTensor = model.outputs[0]
        let inputShape = model.tensorShape(inputTensor).dimensions
        let inputType = model.tensorType(inputTensor), outputType = model.tensorType(outputTensor)
        guard inputType == .int8 || inputType == .float32 else {
            throw .model(path: modelPath, reason: "input type \(inputType) is not supported (int8 or float32)")
        }
        let outputDescr: String
        switch outputType {
        case .int8: outputDescr = "|i1"
        case .float32: outputDescr = "<f4"
        default: throw .model(path: modelPath, reason: "output type \(outputType) is not supported (int8 or float32)")
        }
        if case .int8 = input.values, inputType != .int8 {
            throw .typeMismatch(path: input.path, reason: "int8 data needs an int8 model input (this model's input is \(inputType)); give float data instead")
        }
        let count = try input.itemCount(forInputShape: inputShape)
        let itemSize = inputShape.reduce(1, *)
        precondition(input.values.count == count * itemSize, "PredictionInput: value count does not match its shape")

        let arenaBytes = Interpreter.requiredArenaBytes(for: model)
        let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: max(arenaBytes, 1), alignment: 64)
        defer { arena.deallocate() }
        let interpreter: Interpreter
        do {
            interpreter = try Interpreter(model: model, arena: arena)
        } catch {
            throw .model(path: modelPath, reason: "cannot start the interpreter: \(error)")
        }

        let outputCount = interpreter.outputCount(0)
        let outputBytes = outputCount * outputType.byteCount
        var result = PredictionResult(count: count, outputShape: model.tensorShape(outputTensor).dimensions,
                                      outputDescr: outputDescr, raw: [], dequantized: [], argmax: [],
                                      arenaBytes: interpreter.usedArenaBytes)
        result.raw.reserveCapacity(count * outputBytes)
        result.dequantized.reserveCapacity(count * outputCount)
        result.argmax.reserveCapacity(count)
        for item in 0..<count {
            interpreter.resetState()
            switch input.values {
            case let .int8(values):
                let target = interpreter.inputInt8(0)
                values.withUnsafeBufferPointer { v in
                    _ = target.update(fromContentsOf: v[(item * itemSize)..<((item + 1) * itemSize)])
                }
            case let .float(values):
                values.withUnsafeBufferPointer { v in interpreter.setInput(0, from: v.baseAddress! + item * itemSize) }
            }
            do {
                try interpreter.invoke()
            } catch {
                throw .inference(item: item, reason: "\(error)")
            }
            if outputType == .int8 {
                result.raw.append(contentsOf: UnsafeRawBufferPointer(interpreter.outputInt8(0)))
            } else {
                result.raw.append(contentsOf: UnsafeRawBufferPointer(interpreter.outputFloats(0)))
            }
            for i in 0..<outputCount { result.dequantized.append(interpreter.outputValue(0, i)) }
            result.argmax.append(interpreter.outputArgmax(0))
            if item % 500 == 499 || item == count - 1 { progress(item + 1, count) }
        }
        return result
    }
}

// minnow-sim-host: the host half of firmware-sim. Runs the host MinnowRuntime on the same
// inputs the firmware gets and writes both the input blob (raw little-endian tensor bytes,
// embedded in the firmware's flash) and the host's outputs in the firmware's line format
// (`out I HEX`), so the firmware's outputs can be compared bit for bit.
//
// USAGE: minnow-sim-host prepare MODEL --inputs FILE --outputs FILE [--data SPEC] [--count N]
//        minnow-sim-host deep-model OUT.minnow [--depth N]   (a many-tensor model for the heap check)
//        minnow-sim-host operators MODEL                      (`operator TYPE CODE` lines only)
// Prints `key value` lines: model_bytes, arena_bytes (for this 64-bit host), input_bytes,
// output_bytes, count, labels (comma list) and host_correct (argmax hits).
import Foundation
import MinnowData
import MinnowRuntime

struct HostError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Lowercase hex of raw bytes, two digits per byte, in memory order.
func hex(_ bytes: UnsafeRawBufferPointer) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}

func option(_ args: [String], _ name: String) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

func prepare(_ args: [String]) throws {
    guard args.count >= 1 else { throw HostError("prepare: give a MODEL path") }
    let modelPath = args[0]
    guard let inputsPath = option(args, "--inputs"), let outputsPath = option(args, "--outputs") else {
        throw HostError("prepare: --inputs FILE and --outputs FILE are required")
    }
    let spec = option(args, "--data") ?? "fashion-mnist:test"
    guard let count = Int(option(args, "--count") ?? "100"), count > 0 else {
        throw HostError("prepare: --count must be a positive integer")
    }

    let file = try Data(contentsOf: URL(fileURLWithPath: modelPath))
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(file.count, 1), alignment: 16)
    defer { buffer.deallocate() }
    _ = file.copyBytes(to: buffer.bindMemory(to: UInt8.self))
    let model: Model
    do { model = try Model(bytes: UnsafeRawBufferPointer(buffer)) } catch {
        throw HostError("\(modelPath): not a valid Minnow model (\(error))")
    }
    let arenaBytes = Interpreter.requiredArenaBytes(for: model)
    let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: arenaBytes, alignment: 16)
    defer { arena.deallocate() }
    let interpreter = try Interpreter(model: model, arena: arena)

    // Float inputs go in as raw float32 bytes; int8 inputs are quantized here exactly as
    // `Interpreter.setInput` does, and the firmware gets those int8 bytes.
    let inputCount = interpreter.inputCount(0)
    let inputIsInt8 = model.tensorType(model.inputs[0]) == .int8
    let outputIsInt8 = model.tensorType(model.outputs[0]) == .int8
    let inputBytes = inputCount * (inputIsInt8 ? 1 : 4)
    let outputBytes = interpreter.outputCount(0) * (outputIsInt8 ? 1 : 4)
    let dataset = try DatasetResolver().load(spec)
    guard dataset.itemSize == inputCount else {
        throw HostError("\(spec): items have \(dataset.itemSize) values, model input 0 of \(modelPath) has \(inputCount)")
    }
    let n = min(count, dataset.count)
    var inputBlob = Data(capacity: n * inputBytes)
    var lines = ""
    var labels = [String]()
    var correct = 0
    for i in 0..<n {
        let features = dataset.features(at: i)
        features.withUnsafeBufferPointer { interpreter.setInput(0, from: $0.baseAddress!) }
        if inputIsInt8 {
            inputBlob.append(UnsafeBufferPointer(interpreter.inputInt8(0)))
        } else {
            inputBlob.append(UnsafeBufferPointer(interpreter.inputFloats(0)))
        }
        try interpreter.invoke()
        let output = outputIsInt8 ? UnsafeRawBufferPointer(interpreter.outputInt8(0))
                                  : UnsafeRawBufferPointer(interpreter.outputFloats(0))
        lines += "out \(i) \(hex(output))\n"
        if interpreter.outputArgmax(0) == Int(dataset.labels[i]) { correct += 1 }
        labels.append(String(dataset.labels[i]))
    }
    try inputBlob.write(to: URL(fileURLWithPath: inputsPath))
    try lines.write(toFile: outputsPath, atomically: true, encoding: .utf8)
    print("model_bytes \(model.byteCount)")
    print("arena_bytes \(arenaBytes)")
    print("input_bytes \(inputBytes)")
    print("output_bytes \(outputBytes)")
    print("output_type \(outputIsInt8 ? "int8" : "float32")")
    print("count \(n)")
    print("host_correct \(correct)")
    print("labels \(labels.joined(separator: ","))")
    // Float ops that call libm (expf/tanhf): glibc and newlib may round these differently.
    // int8 operators are integer-only (lookup tables), so int8 models never count.
    let libmOps: Set<OperatorCode> = [.logistic, .tanh, .softmax, .lstm, .gru]
    let usesLibm = (0..<model.operatorCount).contains {
        libmOps.contains(model.operatorCode($0)) && model.tensorType(model.operatorInputs($0)[0]) == .float32
    }
    print("uses_libm \(usesLibm ? 1 : 0)")
    printOperators(model)
    print("int8_gemm_kernel \(InstructionSet.best)")
}

/// Prints the operators a firmware must compile in, one `operator TYPE CODE` line each, where
/// TYPE is the interpreter's path (int8 when the first input or output is int8, else float32) — the firmware's `-D MINNOW_OP_<TYPE>_<CODE>` conditions.
func printOperators(_ model: Model) {
    for op in 0..<model.operatorCount {
        let node = OperatorNode(model: model, index: op)
        print("operator \(node.isInt8 ? "int8" : "float32") \(node.code)")
    }
}

/// `operators MODEL`: just the operator lines of `prepare`.
func operators(_ args: [String]) throws {
    guard let path = args.first else { throw HostError("operators: give a MODEL path") }
    let file = try Data(contentsOf: URL(fileURLWithPath: path))
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(file.count, 1), alignment: 16)
    defer { buffer.deallocate() }
    _ = file.copyBytes(to: buffer.bindMemory(to: UInt8.self))
    do { printOperators(try Model(bytes: UnsafeRawBufferPointer(buffer))) } catch {
        throw HostError("\(path): not a valid Minnow model (\(error))")
    }
}

/// Writes a chain of `depth` ReLU operators on a [1, 784] input: a model with many tensors, so
/// the planner's bookkeeping exceeds the 1 KiB the standard library places on the stack in
/// `withUnsafeTemporaryAllocation` — the firmware's heap trap checks what happens then.
func deepModel(_ args: [String]) throws {
    guard args.count >= 1 else { throw HostError("deep-model: give an output path") }
    let depth = Int(option(args, "--depth") ?? "100") ?? 100
    var builder = ModelBuilder()
    var current = builder.addTensor(name: "input", shape: [1, 784])
    builder.inputs = [current]
    for i in 0..<depth {
        let next = builder.addTensor(name: "relu\(i)", shape: [1, 784])
        builder.addOperator(.relu, inputs: [current], outputs: [next])
        current = next
    }
    builder.outputs = [current]
    try Data(builder.serializedBytes()).write(to: URL(fileURLWithPath: args[0]))
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "prepare": try prepare(Array(arguments.dropFirst()))
    case "deep-model": try deepModel(Array(arguments.dropFirst()))
    case "operators": try operators(Array(arguments.dropFirst()))
    default:
        throw HostError("usage: minnow-sim-host prepare MODEL --inputs FILE --outputs FILE [--data SPEC] [--count N]")
    }
} catch {
    FileHandle.standardError.write(Data("minnow-sim-host: \(error)\n".utf8))
    exit(1)
}

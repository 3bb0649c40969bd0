// libFuzzer entry for the Minnow model loader and one inference of whatever loads.
//
// Compiled by tools/fuzz together with every file of Sources/MinnowRuntime into one module
// (swiftc -sanitize=fuzzer,address), so the int8 GEMM uses its portable Swift path. Not a
// SwiftPM target: libFuzzer supplies `main`.
//
// Each input is copied into a 16-byte aligned buffer of exactly its size (AddressSanitizer then
// flags any read past the end), its CRC-32 is recomputed so mutations reach the validators
// instead of stopping at the checksum, and then:
//   Model(bytes:) → every accessor over every tensor and operator → requiredArenaBytes →
//   Interpreter(model:arena:) → fixed inputs → invoke() → outputs read.
// Models whose arena or arithmetic cost exceeds a budget load but are not run, so a mutated
// 4096×4096 pooling window cannot stall the fuzzer (validation has no work limit by design).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Largest arena the fuzzer allocates for one input.
let fuzzArenaLimit = 16 << 20
/// Largest estimated multiply-accumulate count the fuzzer runs for one input.
let fuzzWorkLimit = 20_000_000

@_cdecl("LLVMFuzzerInitialize")
public func minnowFuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?,
                                 _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    // `MINNOW_FUZZ_WRITE_SEEDS=DIR` writes the hand-built seed models and exits.
    if let directory = getenv("MINNOW_FUZZ_WRITE_SEEDS") {
        let count = writeSeedModels(to: String(cString: directory))
        print("wrote \(count) seed models to \(String(cString: directory))")
        exit(0)
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func minnowFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
    defer { buffer.deallocate() }
    buffer.copyMemory(from: UnsafeRawBufferPointer(start: data, count: size))
    repairChecksum(buffer)
    exerciseModel(UnsafeRawBufferPointer(buffer))
    return 0
}

/// Rewrites the header CRC-32 when the declared length fits the buffer.
func repairChecksum(_ buffer: UnsafeMutableRawBufferPointer) {
    guard buffer.count >= ModelFormat.headerSize, let base = buffer.baseAddress else { return }
    let length = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
    guard length >= ModelFormat.headerSize, length <= buffer.count else { return }
    let crc = crc32(UnsafeRawBufferPointer(start: base + ModelFormat.headerSize, count: length - ModelFormat.headerSize))
    base.storeBytes(of: crc.littleEndian, toByteOffset: 12, as: UInt32.self)
}

/// Loads, inspects and (within budget) runs one model; returns silently on any thrown error.
func exerciseModel(_ bytes: UnsafeRawBufferPointer) {
    guard let model = try? Model(bytes: bytes) else { return }
    var touched = touchEverything(model)
    guard estimatedWork(model) <= fuzzWorkLimit else { return }
    let required = Interpreter.requiredArenaBytes(for: model)
    guard required <= fuzzArenaLimit else { return }
    let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: required, alignment: 16)
    defer { arena.deallocate() }
    guard let interpreter = try? Interpreter(model: model, arena: arena) else {
        fatalError("Interpreter rejected an arena of requiredArenaBytes")
    }
    // Inputs through the float-facing API the CLI uses (quantizing for int8 inputs).
    for i in 0..<model.inputs.count {
        let count = interpreter.inputCount(i)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: count) { x in
            for k in 0..<count { x[k] = Float(k % 17) * 0.25 - 2 }
            interpreter.setInput(i, from: x.baseAddress!)
        }
    }
    guard (try? interpreter.invoke()) != nil else { return }
    for i in 0..<model.outputs.count {
        touched &+= interpreter.outputArgmax(i)
        touched &+= Int(interpreter.outputValue(i, interpreter.outputCount(i) - 1).bitPattern & 1)
    }
    blackHole(touched)
}

/// Reads every accessor of every tensor and operator, and every constant byte, so an accessor
/// that trusts a field validation did not check shows up under AddressSanitizer.
func touchEverything(_ model: Model) -> Int {
    var sum = 0
    for t in 0..<model.tensorCount {
        sum &+= Int(model.tensorType(t).rawValue) &+ model.tensorShape(t).elementCount &+ model.storedByteCount(t)
        sum &+= model.tensorNameBytes(t).reduce(0) { $0 &+ Int($1) }
        if let q = model.quantization(t) {
            for c in 0..<q.count { sum &+= Int(q.scale(c).bitPattern) &+ Int(q.zeroPoint(c)) }
        }
        if let data = model.constantData(t) {
            sum &+= data.reduce(0) { $0 &+ Int($1) }
        }
    }
    for op in 0..<model.operatorCount {
        sum &+= Int(model.operatorCode(op).rawValue) &+ Int(model.operatorOptions(op).units)
        for t in model.operatorInputs(op) { sum &+= t }
        for t in model.operatorOutputs(op) { sum &+= t }
    }
    return sum
}

/// A rough upper bound of the multiply-accumulates one `invoke()` performs.
func estimatedWork(_ model: Model) -> Int {
    var total = 0
    for op in 0..<model.operatorCount {
        let ins = model.operatorInputs(op)
        let out = model.tensorShape(model.operatorOutputs(op)[0]).elementCount
        let x = model.tensorShape(ins[0])
        let options = model.operatorOptions(op)
        var work = max(out, x.elementCount)
        switch model.operatorCode(op) {
        case .fullyConnected, .conv2D, .depthwiseConv2D:
            let w = model.tensorShape(ins[1])
            work = out.multipliedReportingOverflow(by: max(1, w.elementCount / max(1, w[0]))).partialValue
        case .maxPool2D, .averagePool2D:
            let window = Int(options.kernelHeight) * Int(options.kernelWidth)
            work = out.multipliedReportingOverflow(by: max(1, window)).partialValue
        case .lstm, .gru:
            let hidden = Int(options.units)
            let perStep = 4 * hidden * (x.rank == 3 ? x[2] + hidden : 1)
            work = (x.rank == 3 ? x[1] : 1).multipliedReportingOverflow(by: perStep).partialValue
        default:
            break
        }
        if work < 0 { return Int.max }
        let (sum, overflow) = total.addingReportingOverflow(work)
        if overflow { return Int.max }
        total = sum
    }
    return total
}

@inline(never)
func blackHole(_ value: Int) {
    if value == 0x5EED_F00D { print("") }
}

// Batch-1 inference latency of a `.minnow` model (float or int8), single thread, for
// tools/bench-latency. Only `invoke()` is timed: the input is written before each run, outside
// the timed region, as the TFLite peer does with `set_tensor`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MinnowRuntime

/// Why a latency request could not be served; the message names the file and what was wrong.
struct LatencyError: Error, CustomStringConvertible {
    let description: String
}

/// Monotonic clock in nanoseconds.
@inline(__always) func nanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
}

/// Reads a whole file into a fresh 64-byte aligned buffer (the model needs 16-byte alignment).
func readAligned(_ path: String) throws -> UnsafeMutableRawBufferPointer {
    guard let file = fopen(path, "rb") else { throw LatencyError(description: "\(path): cannot open") }
    defer { fclose(file) }
    fseek(file, 0, SEEK_END)
    let size = ftell(file)
    fseek(file, 0, SEEK_SET)
    guard size > 0 else { throw LatencyError(description: "\(path): empty file") }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
    guard fread(buffer.baseAddress, 1, size, file) == size else {
        buffer.deallocate()
        throw LatencyError(description: "\(path): short read (expected \(size) bytes)")
    }
    return buffer
}

/// One model loaded with its arena and a fixed float input, ready to be timed repeatedly.
final class LatencySubject {
    let path: String
    let bytes: UnsafeMutableRawBufferPointer
    let arena: UnsafeMutableRawBufferPointer
    let interpreter: Interpreter
    let input: UnsafeMutablePointer<Float>
    /// "int8" when the model input is int8, "float32" otherwise.
    let inputType: String

    /// Loads `path`; the input is read from `inputPath` (raw little-endian float32, exactly the
    /// model input's element count) or, without one, a fixed pseudo-image in [0, 1].
    init(path: String, inputPath: String?) throws {
        self.path = path
        bytes = try readAligned(path)
        let model: Model
        do {
            model = try Model(bytes: UnsafeRawBufferPointer(bytes))
        } catch {
            throw LatencyError(description: "\(path): not a valid model: \(error)")
        }
        let arenaBytes = Interpreter.requiredArenaBytes(for: model) + 64
        arena = .allocate(byteCount: arenaBytes, alignment: 64)
        do {
            interpreter = try Interpreter(model: model, arena: arena)
        } catch {
            throw LatencyError(description: "\(path): interpreter setup failed: \(error)")
        }
        let count = interpreter.inputCount(0)
        input = .allocate(capacity: count)
        inputType = model.tensorType(model.inputs[0]) == .int8 ? "int8" : "float32"
        if let inputPath {
            let raw = try readAligned(inputPath)
            defer { raw.deallocate() }
            guard raw.count == count * 4 else {
                throw LatencyError(description: "\(inputPath): expected \(count * 4) bytes (\(count) float32 for \(path)), found \(raw.count)")
            }
            for i in 0..<count {
                input[i] = Float(bitPattern: UInt32(littleEndian: raw.load(fromByteOffset: i * 4, as: UInt32.self)))
            }
        } else {
            for i in 0..<count { input[i] = Float((i * 37) % 256) / 255 }
        }
    }

    /// Seconds of `runs` timed invocations (after `warmup` untimed ones), one entry per run.
    func time(runs: Int, warmup: Int) throws -> [Double] {
        for _ in 0..<warmup {
            interpreter.setInput(0, from: input)
            try interpreter.invoke()
        }
        var times = [Double](repeating: 0, count: runs)
        for r in 0..<runs {
            interpreter.setInput(0, from: input)
            let start = nanoseconds()
            try interpreter.invoke()
            let end = nanoseconds()
            times[r] = Double(end &- start) * 1e-9
        }
        return times
    }

    /// Predicted class of the last run (sanity check that the model computed something).
    var predictedClass: Int { interpreter.outputArgmax(0) }
}

/// Median and 90th percentile (nearest rank) of the timings, in microseconds.
func latencySummary(_ times: [Double]) -> (median: Double, p90: Double) {
    precondition(!times.isEmpty, "latencySummary: no timings")
    let sorted = times.sorted()
    let n = sorted.count
    let median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    let p90 = sorted[min(n - 1, max(0, Int((0.9 * Double(n)).rounded(.up)) - 1))]
    return (median * 1e6, p90 * 1e6)
}

/// `value` µs printed with 3 decimals (nanosecond resolution), without Foundation.
func microseconds(_ value: Double) -> String {
    let ns = Int((value * 1000).rounded())
    let fraction = String(ns % 1000)
    return "\(ns / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}

/// Answer line shared by both modes.
func latencyAnswer(_ subject: LatencySubject, runs: Int, warmup: Int) throws -> String {
    let (median, p90) = latencySummary(try subject.time(runs: runs, warmup: warmup))
    return "median_us \(microseconds(median)) p90_us \(microseconds(p90)) runs \(runs) type \(subject.inputType) class \(subject.predictedClass) kernel \(InstructionSet.best)"
}

let latencyUsage = """
    Usage: minnow-bench latency MODEL [--runs N] [--warmup N] [--input FILE]
           minnow-bench latency --serve
    Times batch-1 invoke() of a .minnow model (float or int8), single thread, and prints
    'median_us X p90_us Y runs N type T class C kernel K' (µs, 3 decimals; C = predicted class, K = the
    int8 kernel family, which MINNOW_INT8_KERNEL can force). The input (raw float32, the model input's
    element count) is written before every run, outside the timed region.
    --serve answers one request per stdin line: 'RUNS WARMUP MODEL [INPUT]' (paths without
    spaces; models stay loaded between requests), one answer line each, 'error ...' on failure.
    """

/// Entry point of `minnow-bench latency`; returns the process exit status.
func runLatencyCommand(_ arguments: ArraySlice<String>) -> Int32 {
    var args = Array(arguments)
    if args == ["--serve"] { return serveLatency() }
    var runs = 2000, warmup = 200
    var inputPath: String?
    var modelPath: String?
    while !args.isEmpty {
        let arg = args.removeFirst()
        switch arg {
        case "--runs", "--warmup", "--input":
            guard let value = args.first else { print("error: \(arg) needs a value"); return 2 }
            args.removeFirst()
            if arg == "--input" { inputPath = value; continue }
            guard let n = Int(value), n >= (arg == "--runs" ? 1 : 0) else {
                print("error: \(arg): expected a \(arg == "--runs" ? "positive" : "non-negative") integer, found '\(value)'")
                return 2
            }
            if arg == "--runs" { runs = n } else { warmup = n }
        case "-h", "--help":
            print(latencyUsage); return 0
        default:
            guard modelPath == nil, !arg.hasPrefix("-") else { print("error: unexpected argument '\(arg)'\n\(latencyUsage)"); return 2 }
            modelPath = arg
        }
    }
    guard let modelPath else { print(latencyUsage); return 2 }
    do {
        let subject = try LatencySubject(path: modelPath, inputPath: inputPath)
        print(try latencyAnswer(subject, runs: runs, warmup: warmup))
        return 0
    } catch {
        print("error \(error)")
        return 1
    }
}

/// `--serve`: one timing request per stdin line, so a driver can alternate Minnow with a peer.
func serveLatency() -> Int32 {
    var subjects: [String: LatencySubject] = [:]
    while let line = readLine() {
        let fields = line.split(separator: " ").map(String.init)
        guard fields.count == 3 || fields.count == 4, let runs = Int(fields[0]), runs >= 1,
              let warmup = Int(fields[1]), warmup >= 0 else {
            print("error expected 'RUNS WARMUP MODEL [INPUT]', found '\(line)'")
            fflush(nil)
            return 1
        }
        let inputPath = fields.count == 4 ? fields[3] : nil
        let key = fields[2] + "|" + (inputPath ?? "")
        do {
            let subject: LatencySubject
            if let cached = subjects[key] {
                subject = cached
            } else {
                subject = try LatencySubject(path: fields[2], inputPath: inputPath)
                subjects[key] = subject
            }
            print(try latencyAnswer(subject, runs: runs, warmup: warmup))
        } catch {
            print("error \(error)")
            fflush(nil)
            return 1
        }
        fflush(nil)
    }
    return 0
}

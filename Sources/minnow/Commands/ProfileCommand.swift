import Foundation
import MinnowProfile

enum ProfileCommand {
    static let help = """
    USAGE: minnow profile MODEL.minnow [--runs N] [--warmup N] [--json] [--html REPORT.html]
                          [--compare OTHER.minnow] [--board NAME]

    What a model costs on this machine, batch 1, single thread:
      flash   the file's bytes: weights, biases, quantization constants, graph and metadata
      RAM     the exact arena (everything the runtime needs beyond the model bytes), with the
              plan — offset and lifetime of every buffer — and what dominates the peak
      time    median and p90 latency over --runs invocations, and per layer: median µs, share,
              MACs and GOP/s (layers are timed in separate runs from the total; the report
              says how far their sum is from the total and what timing them costs)

      --runs N         timed invocations (default 200)      --warmup N   untimed first (default 20)
      --compare OTHER  a second model side by side (e.g. float vs int8) with speed and size ratios
      --board NAME     check RAM and flash against a board: \(Board.all.map(\.name).joined(separator: ", "))
      --html FILE      a self-contained page: arena plan picture and per-layer latency bars
      --json           flash_bytes, arena_bytes, latency_us {median, p90}, layers [...]
    """

    static func run(_ raw: [String]) throws {
        let args = try Arguments(command: "profile", raw, valueOptions: ["runs", "warmup", "html", "compare", "board"],
                                 flagOptions: ["json", "help"])
        if args.flag("help") { print(help); return }
        guard args.positional.count == 1, let path = args.positional.first else {
            throw CLIError("profile: give exactly one model file (see 'minnow profile --help')")
        }
        var board: Board?
        if let name = args.string("board") {
            guard let b = Board.named(name) else {
                throw CLIError("profile: unknown board '\(name)' (known: \(Board.all.map(\.name).joined(separator: ", ")))")
            }
            board = b
        }
        let runs = try args.positiveInt("runs") ?? 200
        let warmup = try args.int("warmup") ?? 20
        func measure(_ file: String) throws -> ProfileReport {
            do {
                return try ModelProfiler.profile(modelBytes: try ModelFile.read(file), path: file, runs: runs, warmup: warmup)
            } catch let failure as ModelProfiler.Failure {
                throw CLIError(failure.description, isUsage: false)
            }
        }
        let report = try measure(path)
        let other = try args.string("compare").map(measure)
        let fit = board.map { $0.fit(ramBytes: report.arenaBytes, flashBytes: report.flash.totalBytes) }
        if let html = args.string("html") {
            do {
                try HTMLReport.render(report, comparison: other, board: fit).write(toFile: html, atomically: true, encoding: .utf8)
            } catch {
                throw CLIError("profile: cannot write \(html): \(error.localizedDescription)", isUsage: false)
            }
        }
        if args.flag("json") {
            var object = report.jsonObject(board: fit)
            if let other {
                object["compare"] = other.jsonObject()
                object["speedup"] = other.latency.medianMicroseconds / max(report.latency.medianMicroseconds, 1e-9)
                object["flash_ratio"] = Double(report.flash.totalBytes) / Double(max(1, other.flash.totalBytes))
                object["arena_ratio"] = Double(report.arenaBytes) / Double(max(1, other.arenaBytes))
            }
            Terminal.printJSON(object)
            return
        }
        printText(report)
        if let other {
            print("")
            printText(other)
            print(String(format: "\n%@ vs %@: %.2f× the speed, %.2f× the flash, %.2f× the arena", path, other.modelPath,
                         other.latency.medianMicroseconds / max(report.latency.medianMicroseconds, 1e-9),
                         Double(report.flash.totalBytes) / Double(max(1, other.flash.totalBytes)),
                         Double(report.arenaBytes) / Double(max(1, other.arenaBytes))))
        }
        if let fit {
            // Margins are Int: `%d` would print only their low 32 bits (an 8 GiB SD card's margin
            // came out negative), so they are interpolated.
            print("\(path) on \(fit.board.description): \(fit.fits ? "fits" : "DOES NOT FIT") (RAM margin \(fit.ramMargin) bytes, flash margin \(fit.flashMargin) bytes)")
        }
        if let html = args.string("html") { print("wrote \(html)") }
    }

    static func printText(_ r: ProfileReport) {
        let f = r.flash
        print("\(r.modelPath)")
        print("flash: \(f.totalBytes) bytes (weights \(f.weightBytes), biases \(f.biasBytes), quantization \(f.quantizationBytes), graph and metadata \(f.graphBytes))")
        let peak = r.peak
        let peakName = r.inspection.operators.isEmpty ? "" : r.inspection.operators[peak.operator].name
        print("arena: \(r.arenaBytes) bytes; peak at \(peakName): " +
              peak.buffers.prefix(3).map { "\($0.name) \($0.bytes) B" }.joined(separator: ", ") +
              "; bookkeeping \(r.bookkeepingBytes) B")
        print(String(format: "latency: median %.2f µs, p90 %.2f µs over %d runs", r.latency.medianMicroseconds, r.latency.p90Microseconds, r.latency.runs))
        print("layer                         op                 µs median   share        MACs     GOP/s")
        let total = max(r.latency.operatorSumMicroseconds, 1e-9)
        for (i, op) in r.inspection.operators.enumerated() {
            let us = r.latency.operatorMedianMicroseconds[i]
            let gops = us > 0 ? 2 * Double(op.macs) / (us * 1e3) : 0
            print(op.name.padding(toLength: 30, withPad: " ", startingAt: 0) + "\(op.code)".padding(toLength: 19, withPad: " ", startingAt: 0)
                  + String(format: "%9.2f  %5.1f%%  %10ld  %8.2f", us, us / total * 100, op.macs, gops))
        }
        print(String(format: "per-layer sum %.2f µs (%+.1f%% of the median); timing every layer costs %+.1f%%",
                     r.latency.operatorSumMicroseconds, r.latency.sumDeviation * 100, r.latency.timingOverhead * 100))
    }
}

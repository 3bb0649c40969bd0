import MinnowRuntime

/// One buffer of the arena plan: where it lives and between which operators it is live.
public struct ArenaBuffer: Sendable, Equatable {
    public var name: String
    public var offset: Int
    public var bytes: Int
    /// Index of the operator that writes it first (−1 for model inputs).
    public var firstOperator: Int
    /// Index of the last operator that reads it.
    public var lastOperator: Int

    public init(name: String, offset: Int, bytes: Int, firstOperator: Int, lastOperator: Int) {
        self.name = name
        self.offset = offset
        self.bytes = bytes
        self.firstOperator = firstOperator
        self.lastOperator = lastOperator
    }
}

/// Everything `minnow profile` reports about one model.
public struct ProfileReport: Sendable {
    public var modelPath: String
    public var inspection: ModelInspection
    public var flash: FlashBreakdown
    public var arenaBytes: Int
    /// Arena bytes that are not tensor data (the interpreter's bookkeeping, alignment).
    public var bookkeepingBytes: Int
    public var plan: [ArenaBuffer]
    public var latency: LatencyProfile

    public init(modelPath: String, inspection: ModelInspection, flash: FlashBreakdown, arenaBytes: Int,
                bookkeepingBytes: Int, plan: [ArenaBuffer], latency: LatencyProfile) {
        self.modelPath = modelPath
        self.inspection = inspection
        self.flash = flash
        self.arenaBytes = arenaBytes
        self.bookkeepingBytes = bookkeepingBytes
        self.plan = plan
        self.latency = latency
    }

    /// The operator at which the most arena bytes are live, with those buffers.
    public var peak: (operator: Int, bytes: Int, buffers: [ArenaBuffer]) {
        var best = (operator: 0, bytes: 0, buffers: [ArenaBuffer]())
        for op in 0..<max(1, inspection.operators.count) {
            let live = plan.filter { $0.firstOperator <= op && op <= $0.lastOperator }
            let end = live.map { $0.offset + $0.bytes }.max() ?? 0
            if end > best.bytes { best = (op, end, live.sorted { $0.bytes > $1.bytes }) }
        }
        return best
    }

    /// The JSON object of `--json` (Foundation-free: plain dictionaries and arrays).
    public func jsonObject(board: BoardFit? = nil) -> [String: Any] {
        let total = latency.medianMicroseconds
        let layers: [[String: Any]] = inspection.operators.enumerated().map { i, op in
            let us = i < latency.operatorMedianMicroseconds.count ? latency.operatorMedianMicroseconds[i] : 0
            return [
                "name": op.name, "op": "\(op.code)", "macs": op.macs,
                "latency_us_median": us,
                "percent": total > 0 ? us / latency.operatorSumMicroseconds * 100 : 0,
                "gops": us > 0 ? 2 * Double(op.macs) / (us * 1e3) : 0,
                "output_shape": op.outputs.first?.shape ?? [],
                "output_type": "\(op.outputs.first?.type ?? .float32)",
            ]
        }
        var object: [String: Any] = [
            "model": modelPath,
            "flash_bytes": flash.totalBytes,
            "flash": ["weights": flash.weightBytes, "biases": flash.biasBytes,
                      "quantization": flash.quantizationBytes, "graph_and_metadata": flash.graphBytes],
            "arena_bytes": arenaBytes,
            "arena": [
                "bookkeeping_bytes": bookkeepingBytes,
                "peak_operator": inspection.operators.isEmpty ? "" : inspection.operators[peak.operator].name,
                "plan": plan.map { ["name": $0.name, "offset": $0.offset, "bytes": $0.bytes,
                                    "first_op": $0.firstOperator, "last_op": $0.lastOperator] },
            ],
            "latency_us": ["median": latency.medianMicroseconds, "p90": latency.p90Microseconds, "runs": latency.runs],
            "per_layer_timing": ["sum_of_layers_us": latency.operatorSumMicroseconds,
                                 "sum_deviation_percent": latency.sumDeviation * 100,
                                 "timed_total_us": latency.layeredMedianMicroseconds,
                                 "timing_overhead_percent": latency.timingOverhead * 100],
            "parameters": inspection.parameterCount,
            "macs": inspection.macs,
            "layers": layers,
        ]
        if let board {
            object["board"] = ["name": board.board.name, "fits": board.fits,
                               "ram_bytes": board.board.ramBytes, "flash_bytes": board.board.flashBytes,
                               "ram_margin_bytes": board.ramMargin, "flash_margin_bytes": board.flashMargin]
        }
        return object
    }
}

import MinnowMetrics

/// Little-endian encoding of the values a checkpoint holds.
struct CheckpointWriter {
    private(set) var bytes: [UInt8] = []

    mutating func write(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
    mutating func write(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
    mutating func write(_ value: Int) { write(UInt64(bitPattern: Int64(value))) }
    mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }
    mutating func write(_ value: Float) { write(value.bitPattern) }
    mutating func write(_ value: Double) { write(value.bitPattern) }
    mutating func write(_ value: String) {
        let utf8 = Array(value.utf8)
        write(utf8.count)
        bytes += utf8
    }
    mutating func write(_ values: [Float]) {
        write(values.count)
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for value in values { write(value.bitPattern) }
    }
    mutating func write(_ values: [UInt64]) {
        write(values.count)
        for value in values { write(value) }
    }
    mutating func write(_ values: [Int]) {
        write(values.count)
        for value in values { write(value) }
    }
    mutating func write(_ value: Float?) {
        write(value != nil)
        write(value ?? 0)
    }
    mutating func write(_ report: MetricReport) {
        write(report.task.rawValue)
        write(report.count)
        write(report.metrics.count)
        for metric in report.metrics {
            write(metric.key.rawValue)
            write(metric.value)
        }
    }
    mutating func write(_ report: MetricReport?) {
        write(report != nil)
        if let report { write(report) }
    }
    mutating func write(_ layers: [LayerSnapshot]) {
        write(layers.count)
        for layer in layers {
            write(layer.name)
            write(layer.kind)
            write(layer.parameters.count)
            for p in layer.parameters {
                write(p.name)
                write(p.shape)
                write(p.values)
            }
            write(layer.state.count)
            for entry in layer.state {
                write(entry.name)
                switch entry.value {
                case .floats(let values): write(UInt32(0)); write(values)
                case .words(let values): write(UInt32(1)); write(values)
                }
            }
        }
    }
}

/// Reads what `CheckpointWriter` wrote; every read names the field, so a damaged file says
/// where it stopped making sense.
struct CheckpointReader {
    private let bytes: [UInt8]
    private(set) var offset: Int
    let source: String

    init(bytes: [UInt8], offset: Int, source: String) {
        self.bytes = bytes
        self.offset = offset
        self.source = source
    }

    var isAtEnd: Bool { offset == bytes.count }

    private mutating func take(_ count: Int, _ field: String) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - offset else {
            throw CheckpointError(.corrupted, "\(source): field '\(field)' at byte \(offset) needs \(count) bytes, only \(bytes.count - offset) left")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func uint64(_ field: String) throws -> UInt64 {
        var value: UInt64 = 0
        for (i, byte) in try take(8, field).enumerated() { value |= UInt64(byte) << UInt64(8 * i) }
        return value
    }
    mutating func uint32(_ field: String) throws -> UInt32 {
        var value: UInt32 = 0
        for (i, byte) in try take(4, field).enumerated() { value |= UInt32(byte) << UInt32(8 * i) }
        return value
    }
    mutating func int(_ field: String) throws -> Int { Int(Int64(bitPattern: try uint64(field))) }
    mutating func bool(_ field: String) throws -> Bool {
        let byte = try take(1, field).first!
        guard byte <= 1 else { throw CheckpointError(.corrupted, "\(source): field '\(field)' at byte \(offset - 1) is \(byte), expected 0 or 1") }
        return byte == 1
    }
    mutating func float(_ field: String) throws -> Float { Float(bitPattern: try uint32(field)) }
    mutating func double(_ field: String) throws -> Double { Double(bitPattern: try uint64(field)) }

    /// A count, checked against the bytes left so a damaged count cannot ask for gigabytes.
    mutating func count(_ field: String, elementSize: Int) throws -> Int {
        let at = offset
        let n = try int(field)
        guard n >= 0, n <= (bytes.count - offset) / max(1, elementSize) else {
            throw CheckpointError(.corrupted, "\(source): field '\(field)' at byte \(at) gives count \(n), more than the file holds")
        }
        return n
    }
    mutating func string(_ field: String) throws -> String {
        let n = try count(field, elementSize: 1)
        return String(decoding: try take(n, field), as: UTF8.self)
    }
    mutating func floats(_ field: String) throws -> [Float] {
        let n = try count(field, elementSize: 4)
        var values = [Float]()
        values.reserveCapacity(n)
        for _ in 0..<n { values.append(try float(field)) }
        return values
    }
    mutating func words(_ field: String) throws -> [UInt64] {
        let n = try count(field, elementSize: 8)
        return try (0..<n).map { _ in try uint64(field) }
    }
    mutating func ints(_ field: String) throws -> [Int] {
        let n = try count(field, elementSize: 8)
        return try (0..<n).map { _ in try int(field) }
    }
    mutating func optionalFloat(_ field: String) throws -> Float? {
        let present = try bool(field)
        let value = try float(field)
        return present ? value : nil
    }
    mutating func metricReport(_ field: String) throws -> MetricReport {
        let taskName = try string("\(field) task")
        guard let task = MetricTask(rawValue: taskName) else {
            throw CheckpointError(.corrupted, "\(source): field '\(field)' names unknown task '\(taskName)'")
        }
        let itemCount = try int("\(field) count")
        let metricCount = try count("\(field) metric count", elementSize: 16)
        var metrics: [Metric] = []
        for _ in 0..<metricCount {
            let keyName = try string("\(field) metric name")
            guard let key = MetricKey(rawValue: keyName) else {
                throw CheckpointError(.corrupted, "\(source): field '\(field)' names unknown metric '\(keyName)'")
            }
            metrics.append(Metric(key, try double("\(field) \(keyName)")))
        }
        return MetricReport(task: task, count: itemCount, metrics: metrics)
    }
    mutating func optionalMetricReport(_ field: String) throws -> MetricReport? {
        try bool(field) ? try metricReport(field) : nil
    }
    mutating func layers(_ field: String) throws -> [LayerSnapshot] {
        let layerCount = try count("\(field): layer count", elementSize: 1)
        var layers: [LayerSnapshot] = []
        for _ in 0..<layerCount {
            let name = try string("layer name")
            let kind = try string("layer kind")
            let parameterCount = try count("parameter count of \(name)", elementSize: 1)
            var parameters: [LayerSnapshot.ParameterValues] = []
            for _ in 0..<parameterCount {
                let pname = try string("parameter name in \(name)")
                let shape = try ints("shape of \(pname)")
                let values = try floats("values of \(pname)")
                guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == values.count else {
                    throw CheckpointError(.corrupted, "\(source): parameter '\(pname)' has shape \(shape) but \(values.count) values")
                }
                parameters.append(.init(name: pname, shape: shape, values: values))
            }
            let stateCount = try count("state count of \(name)", elementSize: 1)
            var state: [LayerStateEntry] = []
            for _ in 0..<stateCount {
                let sname = try string("state name in \(name)")
                switch try uint32("state type of \(sname)") {
                case 0: state.append(LayerStateEntry(name: sname, value: .floats(try floats("state \(sname)"))))
                case 1: state.append(LayerStateEntry(name: sname, value: .words(try words("state \(sname)"))))
                case let other: throw CheckpointError(.corrupted, "\(source): state '\(sname)' of layer '\(name)' has unknown type \(other)")
                }
            }
            layers.append(LayerSnapshot(name: name, kind: kind, parameters: parameters, state: state))
        }
        return layers
    }
}

import Foundation

/// Output helpers: results go to stdout, progress and notes to stderr.
enum Terminal {
    static let stderrIsTTY = isatty(STDERR_FILENO) != 0

    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Prints `object` as pretty, key-sorted JSON on stdout.
    static func printJSON(_ object: Any) {
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]),
           let text = String(data: data, encoding: .utf8) {
            print(text)
        }
    }

    static func writeJSON(_ object: Any, to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw CLIError("cannot write report \(path): \(error.localizedDescription)", isUsage: false)
        }
    }
}

/// Progress on stderr: a bar redrawn in place on a terminal. When stderr is not a terminal (a
/// log file, CI), no bar: a plain line every 30 s of long work, and one when the work ends.
struct ProgressBar {
    let title: String
    private var lastDraw = 0.0
    let quiet: Bool
    /// Seconds between plain lines when stderr is not a terminal.
    static let plainInterval = 30.0

    init(title: String, quiet: Bool = false) {
        self.title = title
        self.quiet = quiet
    }

    mutating func update(done: Int, total: Int, elapsed: Double, detail: String) {
        guard !quiet, total > 0 else { return }
        let finished = done >= total
        let isTerminal = Terminal.stderrIsTTY
        guard finished || elapsed - lastDraw >= (isTerminal ? 0.1 : Self.plainInterval) else { return }
        lastDraw = elapsed
        let fraction = Double(done) / Double(total)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let timing = finished ? String(format: "%.1fs", elapsed) : String(format: "ETA %.0fs", eta)
        let text = detail.isEmpty ? "" : "  \(detail)"
        if isTerminal {
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let line = "\(title) \(bar) \(done)/\(total)\(text)  \(timing)"
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line + (finished ? "\n" : "")).utf8))
        } else {
            Terminal.note("\(title): \(done)/\(total) (\(Int(fraction * 100))%)\(text)  \(timing)")
        }
    }
}

import Dispatch

/// Work splitting over the machine's cores. Each index is handled by exactly one worker,
/// so results never depend on scheduling.
public enum Parallel {
    /// Number of workers used for batch-parallel work.
    public static var workerCount: Int = max(1, min(8, sysconfWorkers()))

    /// Calls `body(range)` for contiguous chunks covering `0..<count`, concurrently.
    public static func forEachChunk(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let workers = min(workerCount, max(1, count / max(1, minimumChunk)))
        if workers <= 1 || count <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let start = count * w / workers
            let end = count * (w + 1) / workers
            if start < end { body(start..<end) }
        }
    }
}

#if canImport(Glibc)
import Glibc
private func sysconfWorkers() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
#else
import Foundation
private func sysconfWorkers() -> Int { ProcessInfo.processInfo.activeProcessorCount }
#endif

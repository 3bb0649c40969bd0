import Dispatch
import Synchronization

/// Work splitting over the machine's cores. Each index is handled by exactly one worker,
/// so results never depend on scheduling.
public enum Parallel {
    /// Number of workers used for batch-parallel work.
    public static var workerCount: Int {
        get { workerSetting.load(ordering: .relaxed) }
        set { workerSetting.store(max(1, newValue), ordering: .relaxed) }
    }
    private static let workerSetting = Atomic<Int>(max(1, min(8, sysconfWorkers())))

    /// Calls `body(range)` for contiguous chunks covering `0..<count`, concurrently.
    ///
    /// `body` may capture raw pointers (it is not `@Sendable`): each call gets a disjoint
    /// range, and this function returns only after every call has finished.
    public static func forEachChunk(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let workers = min(workerCount, max(1, count / max(1, minimumChunk)))
        if workers <= 1 || count <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let work = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let start = count * w / workers
                let end = count * (w + 1) / workers
                if start < end { work.value(start..<end) }
            }
        }
    }
}

/// Carries a value into a `@Sendable` closure whose concurrent uses are made safe by the
/// caller (here: disjoint ranges and a synchronous `concurrentPerform`).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

#if canImport(Glibc)
import Glibc
private func sysconfWorkers() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
#else
import Foundation
private func sysconfWorkers() -> Int { ProcessInfo.processInfo.activeProcessorCount }
#endif

import MinnowProfile
import MinnowTrain
import XCTest

/// The profile page's pictures are as wide as their labels: none is clipped (issue 13).
final class HTMLLayoutTests: XCTestCase {
    func testEveryLatencyLabelEndsInsideItsPicture() throws {
        let sequential = Preset.fashionCNN.makeModel()
        try sequential.build(seed: 1)
        let report = try ModelProfiler.profile(modelBytes: try sequential.modelFileBytes(), path: "cnn.minnow", runs: 3, warmup: 1)
        let html = HTMLReport.render(report)
        let latency = html.components(separatedBy: "aria-label=\"latency per layer\">")
        XCTAssertEqual(latency.count, 2)
        let opening = latency[0].components(separatedBy: "<svg width=\"").last!
        let width = Double(opening.prefix { $0.isNumber })!
        let svg = latency[1].components(separatedBy: "</svg>")[0]
        var texts = 0
        for text in svg.components(separatedBy: "<text x=\"").dropFirst() {
            let x = Double(text.prefix { $0.isNumber || $0 == "." })!
            let content = text.components(separatedBy: ">")[1].components(separatedBy: "<")[0]
            // 11 px text is at most 7 px a character.
            XCTAssertLessThanOrEqual(x + Double(content.count) * 7, width, "'\(content)' is clipped at \(width) px")
            texts += 1
        }
        XCTAssertEqual(texts, 2 * report.inspection.operators.count, "a name and a value per layer")
    }
}

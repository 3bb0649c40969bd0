import Foundation
import XCTest
import MinnowTFLite

/// Tests/Fixtures/tflite, written by tools/tflite-fixtures/generate with TensorFlow 2.21.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tflite")

    /// manifest.json's model entries, by name.
    static func manifest() throws -> [[String: Any]] {
        let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try XCTUnwrap(root["models"] as? [[String: Any]])
    }

    static func bytes(_ file: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(file)))
    }

    static func model(_ name: String) throws -> TFLiteModel {
        try TFLiteModel(bytes: bytes("\(name).tflite"))
    }
}

/// The options of an operator under the names TFLite's generated Python object API uses, which
/// is how the manifest records them.
func manifestOptions(_ options: TFLiteOperatorOptions) -> [String: Any] {
    switch options {
    case .none, .pad, .quantize, .dequantize:
        return [:]
    case let .conv2D(o):
        return ["padding": Int(o.padding.rawValue), "strideW": Int(o.strideW), "strideH": Int(o.strideH),
                "dilationWFactor": Int(o.dilationW), "dilationHFactor": Int(o.dilationH),
                "fusedActivationFunction": Int(o.activation.rawValue)]
    case let .depthwiseConv2D(o):
        return ["padding": Int(o.padding.rawValue), "strideW": Int(o.strideW), "strideH": Int(o.strideH),
                "depthMultiplier": Int(o.depthMultiplier), "dilationWFactor": Int(o.dilationW),
                "dilationHFactor": Int(o.dilationH), "fusedActivationFunction": Int(o.activation.rawValue)]
    case let .pool2D(o):
        return ["padding": Int(o.padding.rawValue), "strideW": Int(o.strideW), "strideH": Int(o.strideH),
                "filterWidth": Int(o.filterW), "filterHeight": Int(o.filterH),
                "fusedActivationFunction": Int(o.activation.rawValue)]
    case let .fullyConnected(o):
        return ["fusedActivationFunction": Int(o.activation.rawValue), "keepNumDims": o.keepNumDims,
                "weightsFormat": 0, "asymmetricQuantizeInputs": false]
    case let .softmax(beta):
        return ["beta": Double(beta)]
    case let .concatenation(axis, activation):
        return ["axis": Int(axis), "fusedActivationFunction": Int(activation.rawValue)]
    case let .add(activation, pot):
        return ["fusedActivationFunction": Int(activation.rawValue), "potScaleInt16": pot]
    case let .mul(activation):
        return ["fusedActivationFunction": Int(activation.rawValue)]
    case let .reshape(newShape):
        return ["newShape": newShape.map { $0.map(Int.init) as Any } ?? NSNull()]
    case let .squeeze(dims):
        return ["squeezeDims": dims.map(Int.init)]
    case let .reducer(keepDims):
        return ["keepDims": keepDims]
    case let .unidirectionalSequenceLSTM(o):
        return ["fusedActivationFunction": Int(o.activation.rawValue), "cellClip": Double(o.cellClip),
                "projClip": Double(o.projClip), "timeMajor": o.timeMajor,
                "asymmetricQuantizeInputs": false, "diagonalRecurrentTensors": false]
    }
}

/// Compares JSON values loosely: numbers by value, arrays element-wise, null as nil.
func jsonEqual(_ a: Any, _ b: Any) -> Bool {
    switch (a, b) {
    case let (x as NSNumber, y as NSNumber):
        return x.doubleValue == y.doubleValue || abs(x.doubleValue - y.doubleValue) <= 1e-7 * abs(y.doubleValue)
    case let (x as [Any], y as [Any]):
        return x.count == y.count && zip(x, y).allSatisfy(jsonEqual)
    case (is NSNull, is NSNull):
        return true
    case let (x as String, y as String):
        return x == y
    default:
        return false
    }
}

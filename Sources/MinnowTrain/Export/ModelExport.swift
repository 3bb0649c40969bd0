import MinnowRuntime

extension FunctionalModel {
    /// The model file bytes for this model's inference graph.
    public func modelFileBytes() throws -> [UInt8] {
        try exportGraph().serializedBytes()
    }

    /// Exports the inference graph to a Minnow model file, atomically.
    public func save(to path: String) throws {
        try AtomicFile.write(modelFileBytes(), to: path)
    }
}

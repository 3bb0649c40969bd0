import MinnowData

extension LabeledDataset {
    /// Gathers the items at `indices` into one batch tensor `[n] + itemShape` and their labels.
    public func batch<C: Collection>(indices: C, itemShape shape: [Int]? = nil) -> (Tensor, [Int32]) where C.Element == Int {
        let itemSize = itemShape.reduce(1, *)
        var values = [Float](repeating: 0, count: indices.count * itemSize)
        var labels = [Int32]()
        labels.reserveCapacity(indices.count)
        features.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { target in
                for (row, index) in indices.enumerated() {
                    (target.baseAddress! + row * itemSize)
                        .update(from: source.baseAddress! + index * itemSize, count: itemSize)
                    labels.append(self.labels[index])
                }
            }
        }
        return (Tensor(shape: [indices.count] + (shape ?? itemShape), data: values), labels)
    }
}

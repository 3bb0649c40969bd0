extension LabeledDataset {
    /// Loads an IDX image file and an IDX label file (each gzip-compressed or raw).
    ///
    /// Pixels become floats in [0, 1] (byte / 255). The default item shape is
    /// `[rows, cols, 1]` (NHWC without the batch) for N×rows×cols images, or the trailing
    /// dimensions for other ranks; `itemShape` overrides it if the sizes agree.
    public static func loadIDX(images imagesPath: String, labels labelsPath: String, itemShape: [Int]? = nil,
                               classCount: Int? = nil, sourceDescription: String? = nil,
                               limits: DataLimits = .fromEnvironment) throws(DataError) -> LabeledDataset {
        let images = try IDXReader.read(path: imagesPath, limits: limits)
        let labels = try IDXReader.read(path: labelsPath, limits: limits)
        guard labels.dimensions.count == 1 else {
            throw DataError(.shapeMismatch, file: labelsPath,
                            "label file must be one-dimensional (magic 0x00000801), found dimensions \(labels.dimensions)")
        }
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw DataError(.shapeMismatch, file: imagesPath,
                            "\(images.dimensions[0]) images but \(labels.dimensions[0]) labels in \(labelsPath)")
        }
        let trailing = Array(images.dimensions.dropFirst())
        let defaultShape = trailing.count == 2 ? trailing + [1] : (trailing.isEmpty ? [1] : trailing)
        let shape = itemShape ?? defaultShape
        let imageSize = defaultShape.reduce(1, *) // bounded: the reader checked the whole product
        guard checkedProduct(shape) == imageSize else {
            throw DataError(.shapeMismatch, file: imagesPath,
                            "item shape \(shape) does not hold the \(imageSize) values of each image (\(trailing))")
        }
        let description = sourceDescription
            ?? "IDX \(imagesPath), \(labelsPath) (\(groupedDigits(labels.bytes.count)) items)"
        return try LabeledDataset(features: unitScaled(images.bytes), itemShape: shape,
                                  labels: labels.bytes.map { Int32($0) }, classCount: classCount,
                                  sourceDescription: description)
    }

    /// Converts bytes to floats in [0, 1] via a 256-entry table.
    static func unitScaled(_ bytes: [UInt8]) -> [Float] {
        let table = (0..<256).map { Float($0) / 255 }
        return [Float](unsafeUninitializedCapacity: bytes.count) { output, initialized in
            table.withUnsafeBufferPointer { table in
                bytes.withUnsafeBufferPointer { input in
                    for index in 0..<input.count { output[index] = table[Int(input[index])] }
                }
            }
            initialized = bytes.count
        }
    }
}

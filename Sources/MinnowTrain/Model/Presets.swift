import MinnowRuntime

/// The reference architectures of `../shared/notes/targets.md`, as Keras defines them.
public enum Preset: String, CaseIterable, Sendable {
    case fashionMLP = "fashion-mlp"
    case fashionCNN = "fashion-cnn"
    case fashionLSTM = "fashion-lstm"

    /// A fresh, unbuilt model with this preset's architecture.
    public func makeModel() -> Sequential {
        switch self {
        case .fashionMLP:
            // Flatten → Dense(128, relu) → Dense(10)
            return Sequential(inputShape: [28, 28, 1], layers: [
                Flatten(),
                Dense(units: 128, activation: .relu),
                Dense(units: 10),
            ])
        case .fashionCNN:
            // Conv2D(16, 3x3, same, relu) → MaxPool 2 → Conv2D(32, 3x3, same, relu) → MaxPool 2
            // → Flatten → Dense(64, relu) → Dense(10)
            return Sequential(inputShape: [28, 28, 1], layers: [
                Conv2D(filters: 16, kernelSize: (3, 3), padding: .same, activation: .relu),
                MaxPool2D(poolSize: (2, 2)),
                Conv2D(filters: 32, kernelSize: (3, 3), padding: .same, activation: .relu),
                MaxPool2D(poolSize: (2, 2)),
                Flatten(),
                Dense(units: 64, activation: .relu),
                Dense(units: 10),
            ])
        case .fashionLSTM:
            // 28 time steps of 28 pixels (image rows) → LSTM(64) → Dense(10) on the last step
            return Sequential(inputShape: [28, 28], layers: [
                LSTM(units: 64),
                Dense(units: 10),
            ])
        }
    }

    public var summary: String {
        switch self {
        case .fashionMLP: return "Flatten → Dense(128, relu) → Dense(10)"
        case .fashionCNN: return "Conv2D(16,3x3,same,relu) → MaxPool2 → Conv2D(32,3x3,same,relu) → MaxPool2 → Flatten → Dense(64,relu) → Dense(10)"
        case .fashionLSTM: return "28 steps × 28 pixels → LSTM(64) → Dense(10)"
        }
    }
}

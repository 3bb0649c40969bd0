/// Element-wise float kernels: add, relu, relu6, logistic, tanh.

/// `y[i] = a[i] + b[i]`.
func addFloat(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] = a[i] + b[i] }
}

/// `y[i] = max(x[i], 0)`.
func reluFloat(_ x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] = max(x[i], 0) }
}

/// `y[i] = min(max(x[i], 0), 6)`.
func relu6Float(_ x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] = min(max(x[i], 0), 6) }
}

/// `y[i] = 1 / (1 + e^−x[i])`.
func logisticFloat(_ x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] = sigmoid(x[i]) }
}

/// `y[i] = tanh(x[i])`.
func tanhFloat(_ x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] = portableTanh(x[i]) }
}

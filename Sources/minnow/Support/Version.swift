/// The version `minnow --version` prints; raise it with each release.
let minnowVersion = "0.1.0"

import BenchKit

/// `SpawnedProcess` lives in BenchKit: `cchc-bench` (a shipped product, which must not link this test
/// module) spawns `cchcd` and its sink with it too. The name stays here so tests that import only
/// TestSupport keep compiling.
public typealias SpawnedProcess = BenchKit.SpawnedProcess

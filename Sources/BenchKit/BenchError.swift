/// A benchmark that could not measure: what went wrong and where, for the operator running it.
public struct BenchError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) { self.description = description }
}

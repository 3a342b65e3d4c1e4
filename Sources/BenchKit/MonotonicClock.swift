#if canImport(Glibc)
    import Glibc
#endif

/// CLOCK_MONOTONIC, in nanoseconds.
///
/// One clock for every process on the machine: the sink child stamps arrivals with it and the bench
/// stamps the daemon's spawn with it, so the two subtract directly. (Swift's `ContinuousClock` is
/// CLOCK_BOOTTIME on Linux and its instants cannot cross a process boundary.)
public enum MonotonicClock {
    /// The current CLOCK_MONOTONIC time.
    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Seconds from `start` to `end` (negative when `end` is earlier).
    public static func seconds(from start: UInt64, to end: UInt64) -> Double {
        end >= start ? Double(end - start) / 1e9 : -Double(start - end) / 1e9
    }
}

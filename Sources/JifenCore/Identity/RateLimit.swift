/// How fast one API key may call: a token bucket that holds `burst` tokens and refills at
/// `perSecond`. A tenant without its own limit gets the server's default.
public struct RateLimit: Sendable, Hashable {
    public static let perSecondRange = 1...100_000
    public static let burstRange = 1...1_000_000

    public var perSecond: Int
    public var burst: Int

    public init(perSecond: Int, burst: Int) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// Checks the ranges the database enforces, so an operator gets a 422 naming the field.
    public static func validated(perSecond: Int, burst: Int) throws(JifenError) -> RateLimit {
        var validator = Validator()
        if !perSecondRange.contains(perSecond) { validator.fail("requests_per_second", "must be 1 to 100000") }
        if !burstRange.contains(burst) { validator.fail("burst", "must be 1 to 1000000") }
        try validator.finish()
        return RateLimit(perSecond: perSecond, burst: burst)
    }
}

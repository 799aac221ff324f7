import JifenCore

/// What the console needs besides the API's connections (docs/console.md, "Settings").
public struct ConsoleConfiguration: Sendable {
    /// `Secure` on the session cookie. Off only for plain-http development and the browser
    /// check (`CONSOLE_INSECURE_COOKIES=1`); a deployment serves the console over TLS.
    public var secureCookies: Bool
    /// The longest a session lasts, however active (`CONSOLE_SESSION_HOURS`, 12).
    public var sessionLifetime: Duration
    /// A session unused for this long is over (`CONSOLE_IDLE_MINUTES`, 30).
    public var idleTimeout: Duration
    /// bcrypt's work factor for new passwords (`CONSOLE_BCRYPT_COST`, 12); verifying uses the
    /// cost stored in each hash.
    public var bcryptCost: UInt8
    /// The most points a `staff` user may adjust at once (`CONSOLE_STAFF_ADJUSTMENT_LIMIT`).
    public var adjustmentLimit: AdjustmentLimit
    public var invitationValidity: Duration
    /// Count failed sign-ins by the proxy's `X-Forwarded-For` (as the API does).
    public var trustForwardedFor: Bool
    /// Failed sign-ins an address may make at once, and per minute after that.
    public var signInFailureBurst: Int
    public var signInFailuresPerMinute: Int

    public init(
        secureCookies: Bool = true,
        sessionLifetime: Duration = .seconds(12 * 3600),
        idleTimeout: Duration = .seconds(30 * 60),
        bcryptCost: UInt8 = 12,
        adjustmentLimit: AdjustmentLimit = .default,
        invitationValidity: Duration = .seconds(7 * 24 * 3600),
        trustForwardedFor: Bool = false,
        signInFailureBurst: Int = 10,
        signInFailuresPerMinute: Int = 10
    ) {
        self.secureCookies = secureCookies
        self.sessionLifetime = sessionLifetime
        self.idleTimeout = idleTimeout
        self.bcryptCost = bcryptCost
        self.adjustmentLimit = adjustmentLimit
        self.invitationValidity = invitationValidity
        self.trustForwardedFor = trustForwardedFor
        self.signInFailureBurst = signInFailureBurst
        self.signInFailuresPerMinute = signInFailuresPerMinute
    }
}

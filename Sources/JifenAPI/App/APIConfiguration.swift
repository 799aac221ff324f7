/// What `jifen serve` needs besides its connections.
public struct APIConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Bearer token of the `/admin` endpoints; empty disables them.
    public var operatorToken: String

    public init(host: String = "127.0.0.1", port: Int = 8080, operatorToken: String = "") {
        self.host = host
        self.port = port
        self.operatorToken = operatorToken
    }
}

import Foundation

/// Where Redis is and how long to wait for it, from a `redis://[:password@]host[:port][/db]`
/// URL.
public struct RedisConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int
    public var connectTimeout: Duration
    public var commandTimeout: Duration

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(5)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// Parses a `redis://` URL. `rediss://` is refused: Debian's hiredis 0.14 has no TLS, so
    /// a managed Redis that needs TLS is reached through a local TLS sidecar (see the deploy
    /// docs) rather than silently in plain text.
    public init(url: String) throws(RedisError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme else {
            throw RedisError(.configuration, "REDIS_URL must look like redis://[:password@]host:6379/0")
        }
        guard scheme != "rediss" else {
            throw RedisError(
                .configuration,
                "rediss:// (TLS) is not supported: this hiredis has no TLS. Run a TLS sidecar (stunnel) and point REDIS_URL at it with redis://"
            )
        }
        guard scheme == "redis", let host = components.host, !host.isEmpty else {
            throw RedisError(.configuration, "REDIS_URL must look like redis://[:password@]host:6379/0")
        }
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        var database = 0
        if !path.isEmpty {
            guard let number = Int(path), number >= 0 else {
                throw RedisError(.configuration, "REDIS_URL: '\(path)' is not a database number")
            }
            database = number
        }
        let user = components.user.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding }
        self.init(
            host: host,
            port: components.port ?? 6379,
            username: user,
            password: components.password?.removingPercentEncoding,
            database: database
        )
    }
}

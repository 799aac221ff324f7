import Foundation
import JifenCore
import PostgresNIO

/// Turns a `postgres://user:password@host:port/database?sslmode=…` URL into a client
/// configuration, the form operators already use for every other PostgreSQL tool.
public enum DatabaseURL {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public static func configuration(_ url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme),
            let host = components.host, !host.isEmpty,
            let user = components.user
        else {
            throw Invalid(description: "DATABASE_URL must look like postgres://user:password@host:5432/database")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let sslmode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch sslmode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw Invalid(description: "DATABASE_URL: unknown sslmode '\(sslmode)'")
        }
        return PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: user.removingPercentEncoding ?? user,
            password: components.password?.removingPercentEncoding,
            database: database.isEmpty ? nil : database,
            tls: tls
        )
    }
}

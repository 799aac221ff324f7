import Foundation
import HTTPTypes
import Hummingbird
import JifenCore

/// A posted HTML form (`application/x-www-form-urlencoded`), read with a bound on its size.
struct FormBody: Sendable {
    var fields: [String: String]

    subscript(name: String) -> String { fields[name] ?? "" }

    static let maxBytes = 1 << 20

    static func read(_ request: Request) async throws -> FormBody {
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces)
        guard type?.lowercased() == "application/x-www-form-urlencoded" else {
            throw JifenError(.unsupportedMediaType, "Send the form as application/x-www-form-urlencoded.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch {
            throw JifenError(.payloadTooLarge, "The form is larger than 1 MiB.")
        }
        return FormBody(fields: parse(String(buffer: buffer)))
    }

    /// `a=1&b=x+y%21` → ["a": "1", "b": "x y!"]; the first of repeated names wins, and a
    /// malformed escape drops its field rather than guessing.
    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String? {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else { continue }
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }
}

/// Cookies the console sets and reads.
enum ConsoleCookie {
    static let session = "jifen_console"
    static let language = "jifen_lang"
    /// A random value the sign-in and invitation forms echo (double-submit CSRF): before a
    /// session exists there is no synchronizer token to use.
    static let form = "jifen_form"

    static func value(_ name: String, in request: Request) -> String? {
        request.cookies[name]?.value
    }

    /// `HttpOnly; SameSite=Strict; Path=/console`, and `Secure` unless configured off.
    static func header(_ name: String, _ value: String, maxAge: Int?, secure: Bool) -> String {
        Cookie(
            name: name,
            value: value,
            maxAge: maxAge,
            path: "/console",
            secure: secure,
            httpOnly: true,
            sameSite: .strict
        ).description
    }
}

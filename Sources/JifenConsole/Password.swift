import Dispatch
import HummingbirdBcrypt

/// bcrypt, off Swift's cooperative threads: a hash takes a quarter of a second by design, and
/// the request threads must stay free for everyone else meanwhile.
enum Password {
    static func hash(_ password: String, cost: UInt8) async -> String {
        await offload { Bcrypt.hash(password, cost: cost) }
    }

    static func verify(_ password: String, hash: String) async -> Bool {
        await offload { Bcrypt.verify(password, hash: hash) }
    }

    /// A hash to verify against when no account matches, at the cost new passwords get, so an
    /// unknown email costs as long as a wrong password and timing does not tell which addresses
    /// have accounts.
    static func decoy(cost: UInt8) -> String { Bcrypt.hash("jifen-console-decoy-password", cost: cost) }

    private static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }
}

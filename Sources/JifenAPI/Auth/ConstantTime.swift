import Crypto

/// Comparing secrets (the operator token, the console's CSRF tokens) without timing telling
/// where they differ, or how long the expected one is: digests are compared, byte by byte, all
/// the way.
public enum ConstantTime {
    public static func equal(_ a: String, _ b: String) -> Bool {
        let left = SHA256.hash(data: Array(a.utf8))
        let right = SHA256.hash(data: Array(b.utf8))
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

import Foundation

/// The control group of a journey: a fixed share of its members who are tracked like the others
/// but never stimulated, so the journey's effect can be measured against them.
///
/// A member's assignment is a pure function of the journey (`scope`) and the member, so it is
/// the same in every process, on every run and after every restart: a member never moves
/// between the arms, and the database and the worker agree without storing a random draw.
/// Swift's `hashValue` is seeded per process and would not do.
public enum Holdout {
    /// The number of buckets: a share is resolved to 0.01 percentage points.
    public static let buckets = 10_000

    /// The member's bucket for `scope`, in `0..<10_000`: FNV-1a (64 bit) over the 16 bytes of
    /// `scope` and then the 16 of `member`, finished with the splitmix64 mix and reduced modulo
    /// 10,000.
    ///
    /// The finaliser matters: the low bits of an FNV-1a hash, which the modulo mostly keeps,
    /// depend only on the low bits of the input bytes (a multiplication carries upwards only).
    /// Because the scope is hashed too, two journeys draw (nearly) independent control groups, so
    /// the same members are not held out of every journey. Changing any of this reassigns every
    /// member of every running journey: the tests pin known values.
    public static func bucket(scope: UUID, member: UUID) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a offset basis
        func mix(_ uuid: UUID) {
            withUnsafeBytes(of: uuid.uuid) { bytes in
                for byte in bytes {
                    hash ^= UInt64(byte)
                    hash = hash &* 0x0000_0100_0000_01b3  // FNV-1a prime
                }
            }
        }
        mix(scope)
        mix(member)
        // splitmix64's finaliser: every input bit affects every output bit.
        var z = hash
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        z ^= z >> 31
        return Int(z % UInt64(buckets))
    }

    /// Whether the member is in the control group of `scope` when `sharePercent` % are held out:
    /// its bucket is below `sharePercent` × 100. 0 (or less) holds out nobody, 100 (or more)
    /// everybody. Raising the share only adds members to the group, never removes any.
    public static func isHeldOut(scope: UUID, member: UUID, sharePercent: Int64) -> Bool {
        // Clamped first, so an out-of-range share cannot overflow the multiplication.
        let share = min(max(sharePercent, 0), 100)
        return Int64(bucket(scope: scope, member: member)) < share * 100
    }
}

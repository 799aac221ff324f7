import Foundation
import Testing

@testable import JifenCore

/// Control groups: stable across processes, of the asked share, independent between journeys.
@Suite struct HoldoutTests {
    static let scope = UUID(uuidString: "6F1C2A3B-4D5E-4F60-8172-93A4B5C6D7E8")!

    /// `count` member ids from a seeded generator, so a failure can be replayed.
    static func members(_ count: Int, seed: UInt64) -> [UUID] {
        var generator = CouponCodeTests.SplitMix64(state: seed)
        return (0..<count).map { _ in
            let words = (generator.next(), generator.next())
            return withUnsafeBytes(of: words) { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
        }
    }

    /// Pinned values (computed once, independently of this code): a change to the hash
    /// reassigns the members of every running journey, so it must never happen by accident.
    @Test(arguments: [
        ("00000000-0000-0000-0000-000000000000", 5939),
        ("3F2504E0-4F89-41D3-9A0C-0305E82C3301", 8560),
        ("E621E1F8-C36C-495A-93FC-0C247A3E6E5F", 9653),
    ])
    func bucketsAreStable(member: String, bucket: Int) {
        #expect(Holdout.bucket(scope: Self.scope, member: UUID(uuidString: member)!) == bucket)
    }

    @Test func bucketsAreInRange() {
        for member in Self.members(2_000, seed: 1) {
            #expect((0..<Holdout.buckets).contains(Holdout.bucket(scope: Self.scope, member: member)))
        }
    }

    @Test func noShareHoldsOutNobodyAndAFullShareEverybody() {
        for member in Self.members(2_000, seed: 2) {
            #expect(!Holdout.isHeldOut(scope: Self.scope, member: member, sharePercent: 0))
            #expect(Holdout.isHeldOut(scope: Self.scope, member: member, sharePercent: 100))
            // Out of range: clamped, never trapping.
            #expect(!Holdout.isHeldOut(scope: Self.scope, member: member, sharePercent: -5))
            #expect(Holdout.isHeldOut(scope: Self.scope, member: member, sharePercent: .max))
        }
    }

    @Test func aShareHoldsOutAboutThatShare() {
        let members = Self.members(10_000, seed: 19)
        let held = members.filter { Holdout.isHeldOut(scope: Self.scope, member: $0, sharePercent: 20) }.count
        let fraction = Double(held) / Double(members.count)
        #expect(abs(fraction - 0.20) <= 0.02, "held out \(fraction)")
    }

    @Test func raisingTheShareOnlyAddsMembers() {
        for member in Self.members(2_000, seed: 3)
        where Holdout.isHeldOut(scope: Self.scope, member: member, sharePercent: 10) {
            #expect(Holdout.isHeldOut(scope: Self.scope, member: member, sharePercent: 20))
        }
    }

    /// Two journeys' control groups are (nearly) independent: with 50 % each, about a quarter of
    /// the members are in both — nobody is always held out.
    @Test func scopesDrawIndependentGroups() {
        let other = UUID(uuidString: "6F1C2A3B-4D5E-4F60-8172-93A4B5C6D7E9")!
        let members = Self.members(10_000, seed: 20)
        let both = members.filter {
            Holdout.isHeldOut(scope: Self.scope, member: $0, sharePercent: 50)
                && Holdout.isHeldOut(scope: other, member: $0, sharePercent: 50)
        }.count
        let fraction = Double(both) / Double(members.count)
        #expect(abs(fraction - 0.25) <= 0.03, "in both \(fraction)")
    }
}

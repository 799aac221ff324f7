import Testing

@testable import JifenCore

/// Coupon codes: typable, unambiguous, unguessable.
@Suite struct CouponCodeTests {
    /// A seeded generator, so a failure can be replayed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func isWellFormed(_ code: String) -> Bool {
        let groups = code.split(separator: "-", omittingEmptySubsequences: false)
        return groups.count == 3
            && groups.allSatisfy { $0.count == 4 && $0.allSatisfy(CouponCode.alphabet.contains) }
    }

    @Test func theAlphabetHasNoLookalikes() {
        #expect(CouponCode.alphabet.count == 30)
        for confusable in "0O1ILU" { #expect(!CouponCode.alphabet.contains(confusable)) }
    }

    @Test func codesAreThreeGroupsOfFour() {
        var generator = SplitMix64(state: 42)
        for _ in 0..<100 { #expect(Self.isWellFormed(CouponCode.generate(using: &generator))) }
        #expect(Self.isWellFormed(CouponCode.generate()))
    }

    @Test func tenThousandCodesAreDistinct() {
        var generator = SplitMix64(state: 7)
        let codes = (0..<10_000).map { _ in CouponCode.generate(using: &generator) }
        #expect(Set(codes).count == codes.count)
        let system = (0..<10_000).map { _ in CouponCode.generate() }
        #expect(Set(system).count == system.count)
    }

    @Test func aGeneratedCodeNormalisesToItself() {
        var generator = SplitMix64(state: 1)
        for _ in 0..<100 {
            let code = CouponCode.generate(using: &generator)
            #expect(CouponCode.normalise(code) == code)
            #expect(CouponCode.normalise(code.lowercased()) == code)
            #expect(CouponCode.normalise(code.replacingOccurrences(of: "-", with: "")) == code)
        }
    }

    @Test(arguments: [
        ("ABCD-EFGH-JKMN", "ABCD-EFGH-JKMN"),
        ("abcd-efgh-jkmn", "ABCD-EFGH-JKMN"),
        ("abcd efgh jkmn", "ABCD-EFGH-JKMN"),
        (" ABCDEFGHJKMN ", "ABCD-EFGH-JKMN"),
        ("AB-CD-EF-GH-JK-MN", "ABCD-EFGH-JKMN"),
        ("2345 6789 wxyz", "2345-6789-WXYZ"),
    ])
    func typedCodesAreAccepted(_ typed: String, _ canonical: String) {
        #expect(CouponCode.normalise(typed) == canonical)
    }

    @Test(arguments: [
        "",
        "ABCD-EFGH-JKM",  // 11 characters
        "ABCD-EFGH-JKMNP",  // 13
        "ABCD-EFGH-JKM0",  // zero
        "ABCD-EFGH-JKMO",  // letter O
        "ABCD-EFGH-JKM1",  // one
        "ABCD-EFGH-JKMI",
        "ABCD-EFGH-JKML",
        "abcd-efgh-jkml",  // lower-case l is still L
        "ABCD-EFGH-JKMU",
        "ABCD_EFGH_JKMN",
        "ABCD-EFGH-JKM€",
    ])
    func badCodesAreRefused(_ typed: String) {
        #expect(CouponCode.normalise(typed) == nil)
    }
}

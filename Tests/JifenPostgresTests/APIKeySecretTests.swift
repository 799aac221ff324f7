import Foundation
import JifenCore
import Testing

@testable import JifenPostgres

@Suite struct APIKeySecretTests {
    let tenant = TenantID(UUID())

    @Test func carriesTheTenantAndParsesBack() throws {
        let key = APIKeySecret.generate(for: tenant)
        #expect(key.value.hasPrefix("jf_"))
        let parsed = try #require(APIKeySecret(key.value))
        #expect(parsed.tenant == tenant)
        #expect(parsed.hash == key.hash)
        #expect(key.hash.count == 32)
    }

    @Test func keysAreUnique() {
        let keys = Set((0..<200).map { _ in APIKeySecret.generate(for: tenant).value })
        #expect(keys.count == 200)
    }

    @Test func prefixDoesNotRevealTheSecret() {
        let key = APIKeySecret.generate(for: tenant)
        #expect(key.prefix.count < 20)
        #expect(!key.prefix.contains(String(key.value.suffix(12))))
    }

    @Test(arguments: ["", "jf_", "sk_live_123", "jf_nothex_abc", String(repeating: "x", count: 68)])
    func rejectsForeignKeys(text: String) {
        #expect(APIKeySecret(text) == nil)
    }
}

import Foundation
import JifenCore
import Testing

@testable import JifenPostgres

@Suite struct SecretBoxTests {
    static let keyA = Data((0..<32).map { UInt8($0) }).base64EncodedString()
    static let keyB = Data((0..<32).map { UInt8(255 - $0) }).base64EncodedString()
    let context = "webhook_endpoints:tenant-1:endpoint-1"

    func box(_ key: String, id: String?, previous: [SecretBox.Key] = []) throws -> SecretBox {
        try SecretBox(current: .init(id: id, base64: key), previous: previous)
    }

    @Test func sealsAndOpensWithoutTheSecretInTheSealedBytes() throws {
        let box = try box(Self.keyA, id: "a")
        let secret = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ="
        let sealed = try box.seal(secret, context: context)
        #expect(try box.open(sealed, context: context) == secret)
        #expect(SecretBox.keyID(of: sealed) == "a")
        #expect(!String(decoding: sealed, as: UTF8.self).contains("c2VjcmV0"))
        // A fresh nonce every time: equal secrets are not equal ciphertexts.
        #expect(try box.seal(secret, context: context) != sealed)
    }

    @Test func aWrongKeyDoesNotOpen() throws {
        let sealed = try box(Self.keyA, id: "a").seal("s3cret-value", context: context)
        // Same id, other key: the tag does not verify.
        #expect(throws: JifenError.self) { try box(Self.keyB, id: "a").open(sealed, context: context) }
        // Another id: the key is not held at all, and the message names the one it needs.
        let error = #expect(throws: JifenError.self) { try box(Self.keyB, id: "b").open(sealed, context: context) }
        #expect(error?.detail.contains("'a'") == true)
    }

    @Test func anyAlteredByteOrAnotherRowDoesNotOpen() throws {
        let box = try box(Self.keyA, id: "a")
        let sealed = try box.seal("s3cret-value", context: context)
        for index in sealed.indices {
            var altered = sealed
            altered[index] ^= 0x01
            #expect(throws: JifenError.self, "byte \(index)") { try box.open(altered, context: context) }
        }
        #expect(throws: JifenError.self) { try box.open(sealed.dropLast(), context: context) }
        #expect(throws: JifenError.self) { try box.open(sealed, context: "webhook_endpoints:tenant-2:endpoint-1") }
        #expect(throws: JifenError.self) { try box.open(Data("whsec_plain".utf8), context: context) }
    }

    @Test func previousKeysOpenByIdAndOnlyTheCurrentOneSeals() throws {
        let old = try box(Self.keyA, id: "2026")
        let sealedOld = try old.seal("old-secret", context: context)
        let rotated = try box(Self.keyB, id: "2027", previous: [try .init(id: "2026", base64: Self.keyA)])
        #expect(try rotated.open(sealedOld, context: context) == "old-secret")
        #expect(!rotated.isCurrent(sealedOld))
        let sealedNew = try rotated.seal("new-secret", context: context)
        #expect(SecretBox.keyID(of: sealedNew) == "2027")
        #expect(rotated.isCurrent(sealedNew))
        // The old box cannot read what the new key sealed.
        #expect(throws: JifenError.self) { try old.open(sealedNew, context: context) }
    }

    @Test func keysAndIdsAreValidated() throws {
        #expect(throws: JifenError.self) { try SecretBox.Key(id: "a", base64: "c2hvcnQ=") }
        #expect(throws: JifenError.self) { try SecretBox.Key(id: "a", base64: "not base64!") }
        #expect(throws: JifenError.self) { try SecretBox.Key(id: "with space", base64: Self.keyA) }
        #expect(throws: JifenError.self) { try SecretBox.Key(id: String(repeating: "x", count: 33), base64: Self.keyA) }
        // Without an id, a fingerprint: the same key, the same id; another key, another id.
        let a = try SecretBox.Key(base64: Self.keyA)
        #expect(a.id.hasPrefix("k-") && a.id.count == 10)
        #expect(try SecretBox.Key(base64: Self.keyA).id == a.id)
        #expect(try SecretBox.Key(base64: Self.keyB).id != a.id)
        #expect(throws: JifenError.self) {
            try SecretBox(current: .init(id: "x", base64: Self.keyA), previous: [.init(id: "x", base64: Self.keyB)])
        }
    }

    @Test func settingsRefuseProductionWithoutARealKey() throws {
        let missing = #expect(throws: JifenError.self) {
            try SecretBox.configured(key: nil, keyID: nil, previousKeys: nil, production: true)
        }
        #expect(missing?.detail.contains("SECRETS_KEY is required when JIFEN_ENV=production") == true)
        #expect(throws: JifenError.self) {
            try SecretBox.configured(key: "", keyID: nil, previousKeys: nil, production: true)
        }
        // The development key is published: not for production, even when given explicitly.
        let development = try SecretBox.configured(key: nil, keyID: nil, previousKeys: nil, production: false)
        #expect(development.current.id == "dev")
        #expect(development.current.isDevelopment)

        let production = try SecretBox.configured(
            key: Self.keyB,
            keyID: "2027",
            previousKeys: "2026:\(Self.keyA), dev",
            production: true
        )
        #expect(production.current.id == "2027")
        #expect(production.previous.map(\.id) == ["2026", "dev"])
        // What `make run` sealed opens after moving to a real key.
        let sealedInDevelopment = try development.seal("from make run", context: context)
        #expect(try production.open(sealedInDevelopment, context: context) == "from make run")

        let bare = try SecretBox.configured(key: Self.keyB, keyID: nil, previousKeys: Self.keyA, production: true)
        #expect(bare.previous.map(\.id) == [try SecretBox.Key(base64: Self.keyA).id])
        #expect(throws: JifenError.self) {
            try SecretBox.configured(key: Self.keyA, keyID: nil, previousKeys: "x:short", production: false)
        }
    }
}

import Foundation
import Testing

@testable import JifenCore

@Suite struct ExternalIDTests {
    @Test(arguments: [
        "1001", "cust-42", "a", "li.wei+vip@example.com", "shop:order_7", String(repeating: "x", count: 128),
    ])
    func acceptsShopIDs(raw: String) throws {
        #expect(try ExternalID(raw).rawValue == raw)
    }

    @Test(arguments: [
        ("", "must not be empty"),
        ("-leading", "must start with a letter or digit"),
        ("has space", "may contain only"),
        ("slash/inside", "may contain only"),
        ("ünïcode", "must start with a letter or digit"),
        (String(repeating: "x", count: 129), "at most 128"),
    ])
    func refusesOthers(raw: String, reason: String) {
        do {
            _ = try ExternalID(raw, field: "member")
            Issue.record("accepted \(raw)")
        } catch {
            #expect(error.fieldErrors == [FieldError(field: "member", message: error.fieldErrors.first?.message ?? "")])
            #expect(error.detail.contains(reason))
        }
    }

    @Test func decodingValidates() throws {
        let decoder = JSONDecoder()
        #expect(throws: DecodingError.self) { try decoder.decode([ExternalID].self, from: Data(#"["bad id"]"#.utf8)) }
        #expect(try decoder.decode([ExternalID].self, from: Data(#"["ok-1"]"#.utf8)).first?.rawValue == "ok-1")
    }

    @Test func tenantIDPrintsLowercase() throws {
        let tenant = try #require(TenantID("1E03A22A-5B96-46DB-A86F-D3ED98244ADD"))
        #expect(tenant.description == "1e03a22a-5b96-46db-a86f-d3ed98244add")
        #expect(TenantID("not-a-uuid") == nil)
    }
}

@Suite struct MemberProfileTests {
    @Test func emptyStringsClearFieldsAndTagsDeduplicate() throws {
        let profile = try MemberProfile.validate(email: "", phone: nil, name: "Li Wei", tags: ["vip", "tea", "vip"])
        #expect(profile.email == nil)
        #expect(profile.name == "Li Wei")
        #expect(profile.tags == ["vip", "tea"])
    }

    @Test func namesEveryInvalidField() {
        do {
            _ = try MemberProfile.validate(
                email: "not-an-email",
                phone: String(repeating: "1", count: 40),
                name: nil,
                tags: ["", String(repeating: "t", count: 65)]
            )
            Issue.record("accepted an invalid profile")
        } catch {
            #expect(error.code == .validationFailed)
            #expect(error.fieldErrors.map(\.field) == ["email", "phone", "tags[0]", "tags[1]"])
        }
    }

    @Test func limitsTheNumberOfTags() {
        #expect(throws: JifenError.self) {
            try MemberProfile.validate(email: nil, phone: nil, name: nil, tags: (0...50).map { "t\($0)" })
        }
    }
}

@Suite struct TextFieldTests {
    @Test func controlCharactersAreRefusedButLineBreaksAllowed() {
        var validator = Validator()
        validator.text("nul\u{0}inside", "name", max: 200)
        validator.text("bell\u{7}", "sku", max: 200)
        validator.text("two\nlines\tand tab", "note", max: 200)
        validator.text("", "sku", max: 10, required: true)
        validator.text(nil, "optional", max: 10)
        #expect(validator.errors.map(\.field) == ["name", "sku", "sku"])
    }
}

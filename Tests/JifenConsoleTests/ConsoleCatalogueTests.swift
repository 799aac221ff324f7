import Foundation
import JifenCore
import Testing

@testable import JifenConsole

/// Every word on a page comes from a catalogue, and both catalogues say everything.
@Suite struct ConsoleCatalogueTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/JifenConsole").standardized

    @Test func bothLanguagesHaveTheSameKeys() {
        #expect(Set(Catalogue.en.keys) == Set(Catalogue.zhHans.keys))
        for (key, english) in Catalogue.en {
            let placeholders = { (text: String) in
                Set(text.matches(of: /\{[a-z_]+\}/).map { String($0.output) })
            }
            #expect(placeholders(english) == placeholders(Catalogue.zhHans[key] ?? ""), "placeholders of \(key)")
        }
    }

    @Test func everyKeyTheTemplatesAndPagesUseExists() throws {
        var used = Set<String>()
        for template in Templates.all.values {
            used.formUnion(template.matches(of: /\{\{t\.([a-z_]+)\}\}/).map { String($0.output.1) })
        }
        let files = FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil)
        var sourceCount = 0
        while let url = files?.nextObject() as? URL {
            // Charts draw only the words their callers pass (already from the catalogue).
            guard url.pathExtension == "swift", !url.path.contains("Catalogues"), !url.path.contains("/Charts/") else {
                continue
            }
            sourceCount += 1
            let text = try String(contentsOf: url, encoding: .utf8)
            used.formUnion(text.matches(of: /text\(\s*"([a-z_]+)"/).map { String($0.output.1) })
        }
        #expect(sourceCount > 5)
        #expect(used.count > 100)
        // A literal ending in "_" is a prefix completed at run time: the list below checks those.
        let missing = used.filter { !$0.hasSuffix("_") }.subtracting(Catalogue.en.keys)
        #expect(missing.isEmpty, "missing from the catalogues: \(missing.sorted())")
        // Keys built at run time from a prefix and a value.
        var dynamic: [String] = StaffRole.allCases.map { "role_\($0.rawValue)" }
        dynamic += Console.reasonCodes.map { "reason_\($0)" }
        dynamic += ["pending", "available", "reversed", "expired"].map { "lot_\($0)" }
        dynamic += Console.deliveryStates.map { "delivery_\($0)" }
        dynamic += ["role", "disabled", "revoked"].map { "flash_staff_\($0)" }
        dynamic += ["coupon", "points", "message"].map { "action_\($0)" }
        dynamic += [
            "below_minimum_order_amount", "capped_per_order", "capped_per_member_per_day", "currency_mismatch",
        ].map { "award_\($0)" }
        for key in dynamic { #expect(Catalogue.en[key] != nil, "\(key)") }
    }

    /// Strip the tags and the Mustache: what is left must be punctuation, never a word.
    @Test func templatesHoldNoTextOfTheirOwn() {
        for (name, template) in Templates.all {
            var text = template.replacing(/\{\{[^}]*\}\}\}?/, with: " ")
            text = text.replacing(/<[^>]*>/, with: " ")
            let words = text.split(whereSeparator: { !$0.isLetter })
            #expect(words.isEmpty, "template \(name) has its own text: \(words.prefix(5))")
        }
    }
}

import Foundation
import Testing

@testable import JifenCore

/// Repurchase windows by category: when a buyer is expected back, and when it has lapsed.
@Suite struct RepurchaseWindowsTests {
    static let windows = RepurchaseWindows(defaultDays: 60, categories: ["cosmetics": 76, "womens-shoes": 78])
    static let day0 = Date(timeIntervalSince1970: 1_800_000_000)
    static func day(_ n: Double) -> Date { day0.addingTimeInterval(n * 86_400) }

    @Test(arguments: [("cosmetics", Int64(76)), ("womens-shoes", 78), ("garden", 60), (nil, 60)] as [(String?, Int64)])
    func aCategoryUsesItsWindowElseTheDefault(category: String?, days: Int64) {
        #expect(Self.windows.days(for: category) == days)
        #expect(Self.windows.nextExpected(after: Self.day0, category: category) == Self.day(Double(days)))
    }

    @Test func aCosmeticsBuyerLapsesOnDay76NotBefore() {
        #expect(Self.windows.nextExpected(after: Self.day0, category: "cosmetics") == Self.day(76))
        #expect(!Self.windows.isLapsed(lastPurchase: Self.day0, category: "cosmetics", now: Self.day(76) - 1))
        #expect(Self.windows.isLapsed(lastPurchase: Self.day0, category: "cosmetics", now: Self.day(76)))
        // An unknown category lapses by the default.
        #expect(!Self.windows.isLapsed(lastPurchase: Self.day0, category: "garden", now: Self.day(60) - 1))
        #expect(Self.windows.isLapsed(lastPurchase: Self.day0, category: "garden", now: Self.day(60)))
    }

    @Test func itsJSONIsSnakeCase() throws {
        let json = #"{"default_days":60,"categories":{"cosmetics":76,"womens-shoes":78}}"#
        #expect(try JSONDecoder().decode(RepurchaseWindows.self, from: Data(json.utf8)) == Self.windows)
        let bare = try JSONDecoder().decode(RepurchaseWindows.self, from: Data(#"{"default_days":30}"#.utf8))
        #expect(bare == RepurchaseWindows(defaultDays: 30))
        let encoded = try JSONEncoder().encode(Self.windows)
        #expect(try JSONDecoder().decode(RepurchaseWindows.self, from: encoded) == Self.windows)
        let object = try JSONSerialization.jsonObject(with: encoded) as? [String: Any]
        #expect(object?["default_days"] as? Int == 60)
    }

    static func fields(_ windows: RepurchaseWindows) -> [String] {
        var v = Validator()
        windows.validate(into: &v)
        return v.errors.map(\.field)
    }

    @Test func validationNamesEveryInvalidSetting() {
        #expect(Self.fields(Self.windows).isEmpty)
        #expect(Self.fields(RepurchaseWindows(defaultDays: 1, categories: ["a": 3650])).isEmpty)
        #expect(Self.fields(RepurchaseWindows(defaultDays: 0)) == ["repurchase.default_days"])
        #expect(Self.fields(RepurchaseWindows(defaultDays: 3651)) == ["repurchase.default_days"])
        #expect(
            Self.fields(RepurchaseWindows(defaultDays: 60, categories: ["shoes": 0, "bags": 4000, "ok": 10]))
                == ["repurchase.categories.bags", "repurchase.categories.shoes"]
        )
        #expect(Self.fields(RepurchaseWindows(defaultDays: 60, categories: ["": 10])) == ["repurchase.categories."])
        let long = String(repeating: "x", count: 129)
        #expect(
            Self.fields(RepurchaseWindows(defaultDays: 60, categories: [long: 10])) == ["repurchase.categories.\(long)"]
        )
        let many = Dictionary(uniqueKeysWithValues: (0...200).map { ("c\($0)", Int64(30)) })
        #expect(Self.fields(RepurchaseWindows(defaultDays: 60, categories: many)) == ["repurchase.categories"])
    }
}

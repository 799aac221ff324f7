import Foundation
import Testing

@testable import JifenCore

/// A coupon template as the API receives it: what is accepted, and every field error named.
@Suite struct CouponTemplateDraftTests {
    static let from = Date(timeIntervalSince1970: 1_800_000_000)
    static let until = from.addingTimeInterval(30 * 86_400)

    /// One request; every field defaults to a valid amount_off template valid for 30 days.
    struct Input: Sendable, CustomTestStringConvertible {
        var name = "10 yuan off"
        var currency = "CNY"
        var kind = "amount_off"
        var amount: Int64? = 1_000
        var percent: Int64?
        var giftSKU: String?
        var minimumSpend: Int64?
        var eligibility: CouponEligibility?
        var validFrom: Date?
        var validUntil: Date?
        var validDays: Int64? = 30
        var perMemberLimit: Int64?
        var stock: Int64?
        /// The fields the errors name, in order; empty: valid.
        var errors: [String] = []
        var label = ""

        var testDescription: String { label.isEmpty ? errors.joined(separator: ", ") : label }

        func validate() throws(JifenError) -> CouponTemplateDraft {
            try CouponTemplateDraft.validate(
                name: name,
                currency: currency,
                kind: kind,
                amount: amount,
                percent: percent,
                giftSKU: giftSKU,
                minimumSpend: minimumSpend,
                eligibility: eligibility,
                validFrom: validFrom,
                validUntil: validUntil,
                validDays: validDays,
                perMemberLimit: perMemberLimit,
                stock: stock,
                stacksWithCoupons: nil,
                stacksWithPoints: nil
            )
        }
    }

    static func input(_ errors: [String], _ change: (inout Input) -> Void) -> Input {
        var input = Input(errors: errors)
        change(&input)
        return input
    }

    static let invalid: [Input] = [
        input(["name"]) { $0.name = "" },
        input(["name"]) { $0.name = String(repeating: "x", count: 201) },
        input(["name"]) { $0.name = "bad\u{0}name" },
        input(["currency"]) { $0.currency = "XXX" },
        input(["kind"]) { $0.kind = "bogo" },
        input(["amount"]) { $0.amount = nil },
        input(["amount"]) { $0.amount = 0 },
        input(["amount"]) { $0.amount = Money.maxMinorUnits + 1 },
        input(["amount"]) {
            $0.kind = "percent_off"
            $0.percent = 10
        },
        input(["percent"]) {
            $0.kind = "percent_off"
            $0.amount = nil
        },
        input(["percent"]) {
            $0.kind = "percent_off"
            $0.amount = nil
            $0.percent = 0
        },
        input(["percent"]) {
            $0.kind = "percent_off"
            $0.amount = nil
            $0.percent = 101
        },
        input(["percent"]) { $0.percent = 10 },
        input(["gift_sku"]) {
            $0.kind = "gift"
            $0.amount = nil
        },
        input(["gift_sku"]) {
            $0.kind = "gift"
            $0.amount = nil
            $0.giftSKU = ""
        },
        input(["gift_sku"]) {
            $0.kind = "gift"
            $0.amount = nil
            $0.giftSKU = String(repeating: "s", count: 129)
        },
        input(["gift_sku"]) { $0.giftSKU = "mug" },
        input(["amount"]) {
            $0.kind = "free_shipping"
        },
        input(["minimum_spend"]) { $0.minimumSpend = -1 },
        input(["minimum_spend"]) { $0.minimumSpend = Money.maxMinorUnits + 1 },
        input(["eligibility.categories[2]"]) { $0.eligibility = CouponEligibility(categories: ["tea", "ware", ""]) },
        input(["eligibility.skus[0]"]) {
            $0.eligibility = CouponEligibility(skus: [String(repeating: "k", count: 129)])
        },
        input(["eligibility.excluded_categories[1]"]) {
            $0.eligibility = CouponEligibility(excludedCategories: ["gift-card", "tab\u{7}"])
        },
        input(["eligibility.excluded_skus"]) {
            $0.eligibility = CouponEligibility(excludedSkus: (0...100).map { "sku-\($0)" })
        },
        input(["valid_days"]) { $0.validDays = nil },
        input(["valid_days"]) { $0.validDays = 0 },
        input(["valid_days"]) { $0.validDays = 3651 },
        input(["valid_days"]) { $0.validFrom = from },
        input(["valid_until"]) {
            $0.validDays = nil
            $0.validFrom = from
        },
        input(["valid_from"]) {
            $0.validDays = nil
            $0.validUntil = until
        },
        input(["valid_until"]) {
            $0.validDays = nil
            $0.validFrom = from
            $0.validUntil = from
        },
        input(["per_member_limit"]) { $0.perMemberLimit = 0 },
        input(["per_member_limit"]) { $0.perMemberLimit = 1_000_001 },
        input(["stock"]) { $0.stock = -1 },
        input(["stock"]) { $0.stock = 1_000_000_001 },
        input(["name", "currency", "amount", "percent", "eligibility.categories[0]", "valid_days", "stock"]) {
            $0.label = "every error at once"
            $0.name = ""
            $0.currency = "yuan"
            $0.amount = -5
            $0.percent = 5
            $0.eligibility = CouponEligibility(categories: [""])
            $0.validDays = 0
            $0.stock = -1
        },
    ]

    @Test(arguments: invalid)
    func invalidTemplatesNameEveryField(_ input: Input) {
        #expect(throws: JifenError.self) { try input.validate() }
        do {
            _ = try input.validate()
        } catch {
            #expect(error.code == .validationFailed)
            #expect(error.fieldErrors.map(\.field) == input.errors)
        }
    }

    @Test func anAmountOffTemplateTakesTheDefaults() throws {
        let draft = try Input().validate()
        #expect(draft.benefit == .amountOff(1_000))
        #expect(draft.currency == (try Currency("CNY")))
        #expect(draft.minimumSpend == 0)
        #expect(draft.eligibility == CouponEligibility())
        #expect(draft.validity == .days(30))
        #expect(!draft.stacksWithCoupons)
        #expect(draft.stacksWithPoints)
        let id = UUID()
        let template = draft.template(id: id)
        #expect(template.id == id)
        #expect(template.name == "10 yuan off")
        #expect(template.benefit == .amountOff(1_000))
    }

    @Test func everyKindIsAccepted() throws {
        let percent = try Self.input([]) {
            $0.kind = "percent_off"
            $0.amount = nil
            $0.percent = 100
            $0.validDays = nil
            $0.validFrom = Self.from
            $0.validUntil = Self.until
            $0.perMemberLimit = 1
            $0.stock = 0
            $0.minimumSpend = 10_000
            $0.eligibility = CouponEligibility(categories: ["tea"], excludedSkus: ["tea-gift-box"])
        }.validate()
        #expect(percent.benefit == .percentOff(100))
        #expect(percent.validity == .window(from: Self.from, until: Self.until))
        #expect(percent.perMemberLimit == 1 && percent.stock == 0 && percent.minimumSpend == 10_000)
        #expect(percent.eligibility.excludedSkus == ["tea-gift-box"])
        let shipping = try Self.input([]) {
            $0.kind = "free_shipping"
            $0.amount = nil
        }.validate()
        #expect(shipping.benefit == .freeShipping)
        let gift = try Self.input([]) {
            $0.kind = "gift"
            $0.amount = nil
            $0.giftSKU = "mug-01"
            $0.validDays = 3650
        }.validate()
        #expect(gift.benefit == .gift(sku: "mug-01"))
        #expect(gift.validity == .days(3650))
        let stacking = try CouponTemplateDraft.validate(
            name: "x",
            currency: "JPY",
            kind: "amount_off",
            amount: Money.maxMinorUnits,
            percent: nil,
            giftSKU: nil,
            minimumSpend: nil,
            eligibility: nil,
            validFrom: nil,
            validUntil: nil,
            validDays: 1,
            perMemberLimit: nil,
            stock: nil,
            stacksWithCoupons: true,
            stacksWithPoints: false
        )
        #expect(stacking.stacksWithCoupons && !stacking.stacksWithPoints)
    }
}

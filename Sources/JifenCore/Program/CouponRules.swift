import Foundation

/// The program's coupon settings: the welcome pack a new member gets, what becomes of the
/// coupons of an order that is cancelled or refunded in full, and when members are reminded.
public struct CouponRules: Sendable, Hashable, Codable {
    /// `count` coupons of a template, issued when a member is first seen.
    public struct Welcome: Sendable, Hashable, Codable {
        public var templateID: UUID
        public var count: Int64

        public init(templateID: UUID, count: Int64 = 1) {
            self.templateID = templateID
            self.count = count
        }

        enum CodingKeys: String, CodingKey {
            case count
            case templateID = "template_id"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            templateID = try c.decode(UUID.self, forKey: .templateID)
            count = try c.decodeIfPresent(Int64.self, forKey: .count) ?? 1
        }
    }

    /// What a reserved or redeemed coupon becomes when its order is cancelled or refunded in full.
    public enum ReturnPolicy: String, Sendable, Hashable, Codable {
        /// Back to `issued`, usable again, if it is still valid; `expired` if not.
        case reissue
        /// `voided`: the member does not get it back.
        case void
    }

    public var welcome: [Welcome]
    public var returnPolicy: ReturnPolicy
    /// `coupon.expiring` this many days before a coupon's end; 0: no reminders.
    public var remindDaysBefore: Int64

    public init(welcome: [Welcome] = [], returnPolicy: ReturnPolicy = .reissue, remindDaysBefore: Int64 = 3) {
        self.welcome = welcome
        self.returnPolicy = returnPolicy
        self.remindDaysBefore = remindDaysBefore
    }

    enum CodingKeys: String, CodingKey {
        case welcome
        case returnPolicy = "return_policy"
        case remindDaysBefore = "remind_days_before"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        welcome = try c.decodeIfPresent([Welcome].self, forKey: .welcome) ?? []
        returnPolicy = try c.decodeIfPresent(ReturnPolicy.self, forKey: .returnPolicy) ?? .reissue
        remindDaysBefore = try c.decodeIfPresent(Int64.self, forKey: .remindDaysBefore) ?? 3
    }

    func validate(into v: inout Validator) {
        if welcome.count > 10 { v.fail("coupons.welcome", "must have at most 10 items") }
        for (i, item) in welcome.enumerated() where !(1...10).contains(item.count) {
            v.fail("coupons.welcome[\(i)].count", "must be between 1 and 10")
        }
        if !(0...365).contains(remindDaysBefore) { v.fail("coupons.remind_days_before", "must be between 0 and 365") }
    }
}

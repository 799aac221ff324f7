import Foundation

/// A wallet changed: topped up, bonus paid, money spent, money given back, bonus about to expire.
/// One shape for the five types (the spec gives them one schema); each sets the fields it has.
/// `principal`, `bonus` and `held` are the wallet after the change.
public struct WalletEvent: MemberStreamEvent, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case toppedUp = "wallet.topped_up"
        case bonusPaid = "wallet.bonus_paid"
        case spent = "wallet.spent"
        case refunded = "wallet.refunded"
        case bonusExpiring = "wallet.bonus_expiring"
    }

    public static let types = Kind.allCases.map(\.rawValue)
    public var type: String { kind.rawValue }

    public var kind: Kind
    public var currency: String
    public var amount: Int64
    public var principal: Int64
    public var bonus: Int64
    public var held: Int64
    /// The top-up concerned (topped_up, bonus_paid, refunded of a top-up).
    public var topUp: String?
    /// The shop's payment id of the top-up.
    public var externalID: String?
    public var offer: String?
    public var installment: Int64?
    public var installments: Int64?
    /// The hold concerned (spent, refunded to the wallet by an order's refund).
    public var hold: String?
    public var orderReference: String?
    /// Of `amount`, what came from (or went back to) each part.
    public var fromPrincipal: Int64?
    public var fromBonus: Int64?
    /// refunded: `top_up` (the top-up was refunded: `amount` is paid back to the member) or
    /// `order` (an order paid from the wallet was refunded: `amount` is back in the wallet).
    public var source: String?
    public var expiresAt: String?

    public init(
        _ kind: Kind,
        currency: String,
        amount: Int64,
        wallet: (principal: Int64, bonus: Int64, held: Int64),
        topUp: UUID? = nil,
        externalID: String? = nil,
        offer: String? = nil,
        installment: Int64? = nil,
        installments: Int64? = nil,
        hold: UUID? = nil,
        orderReference: String? = nil,
        fromPrincipal: Int64? = nil,
        fromBonus: Int64? = nil,
        source: String? = nil,
        expiresAt: Date? = nil
    ) {
        self.kind = kind
        self.currency = currency
        self.amount = amount
        self.principal = wallet.principal
        self.bonus = wallet.bonus
        self.held = wallet.held
        self.topUp = topUp?.uuidString.lowercased()
        self.externalID = externalID
        self.offer = offer
        self.installment = installment
        self.installments = installments
        self.hold = hold?.uuidString.lowercased()
        self.orderReference = orderReference
        self.fromPrincipal = fromPrincipal
        self.fromBonus = fromBonus
        self.source = source
        self.expiresAt = expiresAt.map(EventTime.text)
    }

    enum CodingKeys: String, CodingKey {
        case currency, amount, principal, bonus, held, offer, installment, installments, hold, source
        case topUp = "top_up"
        case externalID = "external_id"
        case orderReference = "order_reference"
        case fromPrincipal = "from_principal"
        case fromBonus = "from_bonus"
        case expiresAt = "expires_at"
    }
}

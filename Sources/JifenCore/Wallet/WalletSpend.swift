import Foundation

/// What is left of one lot of wallet money: a top-up's principal, or one payment of its bonus.
public struct WalletLotBalance: Sendable, Hashable {
    public var id: UUID
    public var part: WalletPart
    /// Minor units still in the lot, not held and not spent.
    public var remaining: Int64
    /// When the lot stops being spendable; `nil`: never. Principal normally never expires.
    public var expiresAt: Date?
    public var createdAt: Date

    public init(id: UUID, part: WalletPart, remaining: Int64, expiresAt: Date? = nil, createdAt: Date) {
        self.id = id
        self.part = part
        self.remaining = remaining
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }

    /// Whether the lot can pay anything at `now`: money left, and not expired. A lot that
    /// expires exactly at `now` is already gone, like a points lot.
    public func isSpendable(at now: Date) -> Bool {
        remaining > 0 && (expiresAt.map { $0 > now } ?? true)
    }
}

/// An amount taken from, or given back to, one lot.
public struct WalletTouch: Sendable, Hashable, Codable {
    public var lotID: UUID
    public var part: WalletPart
    /// Minor units, always positive.
    public var amount: Int64

    public init(lotID: UUID, part: WalletPart, amount: Int64) {
        self.lotID = lotID
        self.part = part
        self.amount = amount
    }

    enum CodingKeys: String, CodingKey {
        case lotID = "lot_id"
        case part, amount
    }
}

/// Which lots pay for a wallet payment.
public enum WalletSpend {
    /// Takes `amount` minor units from `lots`.
    ///
    /// Rules:
    /// - Only lots with money left that have not expired at `now` count (see
    ///   ``WalletLotBalance/isSpendable(at:)``).
    /// - Within a part, the lot that expires first goes first (never-expiring lots last), then
    ///   the oldest, then the smallest id, so the same lots always give the same answer.
    /// - `bonusFirst` spends all spendable bonus before any principal, `principalFirst` the
    ///   reverse.
    /// - `proportional` splits `amount` between the parts in proportion to what each holds:
    ///   bonus pays ⌊amount × bonus ÷ (bonus + principal)⌋ and principal pays the rest, so
    ///   principal absorbs the rounding remainder. Because the split follows what is
    ///   available, neither share can exceed its part; should one still fall short, the other
    ///   part pays the difference. Bonus lots are touched before principal lots.
    ///
    /// Returns one touch per lot touched, in the order taken, summing exactly to `amount`.
    /// Throws `validation-failed` when `amount` is below 1 and `insufficient-funds` when the
    /// spendable lots hold less than `amount`.
    public static func allocate(
        _ amount: Int64,
        from lots: [WalletLotBalance],
        order: SpendingOrder,
        now: Date
    ) throws(JifenError) -> [WalletTouch] {
        guard amount >= 1 else { throw .invalid("amount", "must be at least 1") }
        let spendable = lots.filter { $0.isSpendable(at: now) }.sorted(by: spendsBefore)
        let bonusLots = spendable.filter { $0.part == .bonus }
        let principalLots = spendable.filter { $0.part == .principal }
        // Int128: a thousand hostile lots of Int64.max each must not overflow the sum.
        let bonusAvailable = bonusLots.reduce(Int128(0)) { $0 + Int128($1.remaining) }
        let principalAvailable = principalLots.reduce(Int128(0)) { $0 + Int128($1.remaining) }
        let total = bonusAvailable + principalAvailable
        guard Int128(amount) <= total else {
            throw JifenError(
                .insufficientFunds,
                "the wallet has \(total) spendable, less than the \(amount) asked for"
            )
        }

        // How much each part pays; both shares fit their parts and sum to `amount`.
        let wanted = Int128(amount)
        var bonusShare: Int128
        switch order {
        case .bonusFirst:
            bonusShare = min(wanted, bonusAvailable)
        case .principalFirst:
            bonusShare = wanted - min(wanted, principalAvailable)
        case .proportional:
            bonusShare = min(bonusAvailable, floorOfProduct(wanted, bonusAvailable, dividedBy: total))
            // Principal takes the rest; if it cannot, bonus covers what principal lacks.
            if wanted - bonusShare > principalAvailable { bonusShare = wanted - principalAvailable }
        }
        let principalShare = wanted - bonusShare

        let parts: [(lots: [WalletLotBalance], share: Int128)] =
            order == .principalFirst
            ? [(principalLots, principalShare), (bonusLots, bonusShare)]
            : [(bonusLots, bonusShare), (principalLots, principalShare)]
        var touches: [WalletTouch] = []
        for (partLots, share) in parts {
            var need = share
            for lot in partLots where need > 0 {
                let take = min(need, Int128(lot.remaining))
                touches.append(WalletTouch(lotID: lot.id, part: lot.part, amount: Int64(take)))
                need -= take
            }
        }
        return touches
    }

    /// ⌊a × b ÷ c⌋ for non-negative `a` and `b`, one of them ≤ `c`, and positive `c`, exact at
    /// any size: the product is taken at full (256-bit) width, because hostile lot sums times
    /// an amount can pass `Int128`. The quotient fits because it is at most the other factor.
    static func floorOfProduct(_ a: Int128, _ b: Int128, dividedBy c: Int128) -> Int128 {
        let product = UInt128(a).multipliedFullWidth(by: UInt128(b))
        return Int128(UInt128(c).dividingFullWidth(product).quotient)
    }

    /// The spending order within a part: soonest expiry, never-expiring last, then oldest,
    /// then id (uppercase hex strings order like the bytes, as PostgreSQL orders a `uuid`).
    static func spendsBefore(_ a: WalletLotBalance, _ b: WalletLotBalance) -> Bool {
        switch (a.expiresAt, b.expiresAt) {
        case (let x?, let y?) where x != y: return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: break
        }
        if a.createdAt != b.createdAt { return a.createdAt < b.createdAt }
        return a.id.uuidString < b.id.uuidString
    }
}

import Foundation

/// Where the money of a refunded wallet payment goes back to.
public enum WalletReturn {
    /// Gives `amount` minor units of a wallet payment back to the lots it came from.
    ///
    /// `captured` are the touches of the payment's capture; `alreadyReturned` those of its
    /// earlier returns. A lot gets back at most what was taken from it less what it already
    /// got back. The lot spent last gets its money back first (the reverse of the spending
    /// order), so a series of partial returns that adds up to the payment restores every lot
    /// and part exactly, and a partial return gives back principal before bonus under
    /// `bonus_first`. Touches with no positive amount are ignored.
    ///
    /// Returns one touch per lot, in the order given back, summing exactly to `amount`.
    /// Throws `validation-failed` on `amount` when it is below 1 or more than is left to
    /// return.
    public static func allocate(
        _ amount: Int64,
        captured: [WalletTouch],
        alreadyReturned: [WalletTouch]
    ) throws(JifenError) -> [WalletTouch] {
        guard amount >= 1 else { throw .invalid("amount", "must be at least 1") }
        struct Key: Hashable {
            var lotID: UUID
            var part: WalletPart
        }
        // Int128: sums of many hostile touches must not overflow.
        var returnable: [Key: Int128] = [:]
        var lastSpentFirst: [Key] = []
        for touch in captured.reversed() where touch.amount > 0 {
            let key = Key(lotID: touch.lotID, part: touch.part)
            if returnable[key] == nil { lastSpentFirst.append(key) }
            returnable[key, default: 0] += Int128(touch.amount)
        }
        for touch in alreadyReturned where touch.amount > 0 {
            let key = Key(lotID: touch.lotID, part: touch.part)
            if let left = returnable[key] { returnable[key] = max(0, left - Int128(touch.amount)) }
        }
        let total = returnable.values.reduce(Int128(0), +)
        guard Int128(amount) <= total else {
            throw .invalid("amount", "must be at most \(total), what is left to return of this payment")
        }
        var need = Int128(amount)
        var touches: [WalletTouch] = []
        for key in lastSpentFirst where need > 0 {
            let give = min(need, returnable[key] ?? 0)
            guard give > 0 else { continue }
            // At most `amount`, so it fits an Int64.
            touches.append(WalletTouch(lotID: key.lotID, part: key.part, amount: Int64(give)))
            need -= give
        }
        return touches
    }
}

/// Exact integer shares: how an order-level amount (a tier discount, a coupon) is spread over
/// lines so that the line amounts add up to it exactly, to the minor unit.
enum ProRata {
    /// ⌊`a` × `b` / `c`⌋ for `a`, `b` ≥ 0 and `c` > 0, through a 256-bit product so that no
    /// intermediate overflows. A quotient beyond `Int128` saturates (never reached by the shares,
    /// which are at most `a` or `b`; only by points on a hostile cart, clamped by the caller).
    static func multiplyDivide(_ a: Int128, _ b: Int128, _ c: Int128) -> Int128 {
        guard a > 0, b > 0, c > 0 else { return 0 }
        let product = a.multipliedFullWidth(by: b)
        if product.high == 0 && product.low <= UInt128(Int128.max) { return Int128(product.low) / c }
        // A product beyond 128 bits: high < c/2 keeps the quotient below 2¹²⁷, where
        // dividingFullWidth would trap.
        guard product.high < c >> 1 else { return .max }
        return c.dividingFullWidth(product).quotient
    }

    /// `total` split over `weights` in proportion: each share rounded down, and the few minor
    /// units the rounding leaves go to the line with the largest weight (the first of equal
    /// ones). No share exceeds its weight: if the largest line cannot take the whole remainder
    /// (only on tiny amounts), the next largest takes the rest. `total` is capped at the sum of
    /// the weights, so a line never goes below zero.
    static func allocate(_ total: Int128, over weights: [Int128]) -> [Int128] {
        var shares = [Int128](repeating: 0, count: weights.count)
        let sum = weights.reduce(Int128(0)) { $0 + max($1, 0) }
        guard total > 0, sum > 0 else { return shares }
        let total = min(total, sum)
        for (index, weight) in weights.enumerated() {
            shares[index] = multiplyDivide(total, max(weight, 0), sum)
        }
        var remainder = total - shares.reduce(Int128(0), +)
        guard remainder > 0 else { return shares }
        // The remainder is below the number of lines. Ties are broken by position, so the first
        // of equal lines takes it.
        let order = weights.indices.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
        for index in order where remainder > 0 {
            let taken = min(remainder, max(weights[index], 0) - shares[index])
            shares[index] += taken
            remainder -= taken
        }
        return shares
    }
}

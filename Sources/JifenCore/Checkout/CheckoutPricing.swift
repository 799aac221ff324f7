/// The cart's lines as they are priced: each line's subtotal and the discounts taken off it so
/// far. Kept in 128-bit integers so that no product or sum of hostile lines overflows before it
/// is reported (and clamped) in the quote.
struct CheckoutPricing: Sendable {
    var lines: [OrderLine]
    var subtotals: [Int128]
    var tierDiscounts: [Int128]
    var couponDiscounts: [Int128]

    /// Negative quantities or prices (which the API refuses before any quote) count as 0, and a
    /// line beyond `Int64.max` saturates there, so a line's amounts always fit the quote.
    init(lines: [OrderLine]) {
        self.lines = lines
        subtotals = lines.map { line in
            min(Int128(max(line.quantity, 0)) * Int128(max(line.unitAmount, 0)), Int128(Int64.max))
        }
        tierDiscounts = Array(repeating: 0, count: lines.count)
        couponDiscounts = Array(repeating: 0, count: lines.count)
    }

    /// What line `index` still costs: subtotal − tier discount − coupon discount, never below 0.
    func total(_ index: Int) -> Int128 { subtotals[index] - tierDiscounts[index] - couponDiscounts[index] }

    var merchandise: Int128 { lines.indices.reduce(Int128(0)) { $0 + total($1) } }

    /// What the lines at `indices` still cost together.
    func total(of indices: [Int]) -> Int128 { indices.reduce(Int128(0)) { $0 + total($1) } }

    /// ⌊Σ subtotals × `percent` / 100⌋ off the whole cart, spread pro rata to the subtotals.
    mutating func takeTierDiscount(percent: Int64) {
        let whole = subtotals.reduce(Int128(0), +) * Self.clampedPercent(percent) / 100
        tierDiscounts = ProRata.allocate(whole, over: subtotals)
    }

    /// ⌊what the lines at `indices` still cost × `percent` / 100⌋ off them, spread pro rata to
    /// what each still costs. Returns what it took.
    mutating func takePercent(_ percent: Int64, on indices: [Int]) -> Int128 {
        take(total(of: indices) * Self.clampedPercent(percent) / 100, on: indices)
    }

    /// `amount` off the lines at `indices`, at most what they still cost, spread pro rata to
    /// what each still costs. Returns what it took.
    mutating func takeAmount(_ amount: Int64, on indices: [Int]) -> Int128 {
        take(min(Int128(max(amount, 0)), total(of: indices)), on: indices)
    }

    private mutating func take(_ amount: Int128, on indices: [Int]) -> Int128 {
        let shares = ProRata.allocate(amount, over: indices.map(total))
        for (share, index) in zip(shares, indices) { couponDiscounts[index] += share }
        return shares.reduce(Int128(0), +)
    }

    /// A percentage from stored rules, held to 0...100 so that a bad value can neither add to
    /// a price nor take more than all of it.
    static func clampedPercent(_ percent: Int64) -> Int128 { Int128(min(max(percent, 0), 100)) }
}

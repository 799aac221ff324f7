/// How a fractional number of points becomes a whole one. Points are always whole; every rule
/// computes an exact fraction first and rounds once, at the end.
public enum Rounding: String, Sendable, Hashable, Codable, CaseIterable {
    /// Toward zero: 259.99 → 259. The default, and what most shops print on their terms.
    case floor
    /// To the nearest, halves up: 2.5 → 3.
    case nearest
    /// Up: 2.01 → 3.
    case ceiling

    /// `numerator / denominator` rounded; both non-negative, `denominator` positive.
    public func divide(_ numerator: Int128, by denominator: Int128) -> Int128 {
        precondition(denominator > 0 && numerator >= 0, "rounding is defined for non-negative fractions")
        let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
        switch self {
        case .floor: return quotient
        case .nearest: return remainder * 2 >= denominator ? quotient + 1 : quotient
        case .ceiling: return remainder > 0 ? quotient + 1 : quotient
        }
    }
}

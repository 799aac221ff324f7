extension CouponEligibility {
    /// Whether a coupon applies to `line`: it matches an inclusion (any line when there are
    /// none) and no exclusion. An exclusion always wins, so "all tea but the gift boxes" is
    /// `categories: [tea], excluded_skus: [tea-gift-box]`.
    public func includes(_ line: OrderLine) -> Bool {
        if let category = line.category, excludedCategories.contains(category) { return false }
        if excludedSkus.contains(line.sku) { return false }
        if categories.isEmpty && skus.isEmpty { return true }
        if let category = line.category, categories.contains(category) { return true }
        return skus.contains(line.sku)
    }
}

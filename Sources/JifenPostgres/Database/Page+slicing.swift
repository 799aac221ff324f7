import JifenCore

extension Page {
    /// Lists fetch `limit + 1` rows: the extra one only says whether another page exists.
    static func slicing(_ rows: [Item], limit: PageLimit, cursor: (Item) -> PageCursor) -> Page {
        guard rows.count > limit.value else { return Page(items: rows, nextCursor: nil) }
        let items = Array(rows.prefix(limit.value))
        return Page(items: items, nextCursor: items.last.map(cursor))
    }
}

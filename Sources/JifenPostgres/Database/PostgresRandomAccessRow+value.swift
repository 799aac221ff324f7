import PostgresNIO

extension PostgresRandomAccessRow {
    /// Column `index` decoded as `T`: for rows wider than the tuples `decode` takes.
    func value<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T {
        try self[index].decode(T.self, context: .default)
    }
}

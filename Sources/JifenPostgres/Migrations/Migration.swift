import Foundation

/// One `migrations/NNNN_name.sql` file. Migrations are forward-only: once applied, a file must
/// not change, and the migrator refuses to run if one did (its checksum differs).
public struct Migration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// A stable fingerprint of the file's text (FNV-1a, 64 bit): enough to notice an edit.
    public var checksum: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sql.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads every `NNNN_name.sql` in `directory`, in version order.
    public static func load(from directory: String) throws -> [Migration] {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw Invalid(description: "cannot read migrations directory '\(directory)': set MIGRATIONS_DIR")
        }
        var migrations: [Migration] = []
        for file in files where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
                throw Invalid(description: "migration '\(file)' is not named NNNN_name.sql")
            }
            let sql = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            migrations.append(
                Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql)
            )
        }
        migrations.sort { $0.version < $1.version }
        for (previous, next) in zip(migrations, migrations.dropFirst()) where previous.version == next.version {
            throw Invalid(description: "two migrations share version \(next.version)")
        }
        return migrations
    }
}

import Foundation
import JifenCore

extension TenantConnection {
    /// What a sealed secret is bound to: its table, tenant and row. A value copied into another
    /// row does not open there. Not its column, so a rotation may move the current secret to
    /// `previous_secret_sealed` as it is.
    static func secretContext(_ table: String, tenant: TenantID, row: String) -> String {
        "\(table):\(tenant):\(row)"
    }

    func seal(_ secret: String, context: String) throws(JifenError) -> Data {
        try secrets.seal(secret, context: context)
    }

    /// A stored secret: sealed, or in plain text if code older than migration 0012 wrote it
    /// during a rolling deploy (the next `jifen migrate` or `jifen secrets rotate` seals it).
    func open(plain: String?, sealed: Data?, context: String) throws(JifenError) -> String? {
        if let sealed { return try secrets.open(sealed, context: context) }
        return plain
    }
}

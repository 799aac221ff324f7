import Foundation

/// Why one row of an import was refused: the column and what is wrong with it. The row is
/// reported (`GET /v1/imports/{id}/errors`) and the others go on.
public struct ImportRowError: Error, Sendable, Equatable {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}

/// One row's values by column name, from a CSV record (by its header) or an NDJSON object.
/// Empty text is absent: a CSV cannot tell them apart.
public struct ImportFields: Sendable {
    var values: [String: String]
    var lists: [String: [String]]

    public init(values: [String: String], lists: [String: [String]] = [:]) {
        self.values = values
        self.lists = lists
    }

    public func text(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    public func required(_ name: String) throws(ImportRowError) -> String {
        guard let value = text(name) else { throw ImportRowError(name, "is required") }
        return value
    }

    /// A list: an NDJSON array, or CSV text separated by `|`.
    public func list(_ name: String) -> [String] {
        if let list = lists[name] { return list }
        guard let text = text(name) else { return [] }
        return text.split(separator: "|", omittingEmptySubsequences: true).map(String.init)
    }

    public func integer(_ name: String) throws(ImportRowError) -> Int64? {
        guard let text = text(name) else { return nil }
        guard let value = Int64(text) else { throw ImportRowError(name, "must be an integer") }
        return value
    }

    /// An RFC 3339 date-time: the text as given (PostgreSQL reads it) and its seconds.
    public func time(_ name: String) throws(ImportRowError) -> ImportTime? {
        guard let text = text(name) else { return nil }
        guard let seconds = RFC3339.seconds(text) else {
            throw ImportRowError(name, "must be an RFC 3339 date-time with an offset, like 2024-03-01T09:30:00Z")
        }
        return ImportTime(text: text, seconds: seconds)
    }

    /// The columns every row of `kind` needs: a CSV header without one of them fails the import.
    public static func requiredColumns(_ kind: ImportKind) -> [String] {
        switch kind {
        case .members: ["external_id"]
        case .orders: ["external_id", "member"]
        case .balances: ["id", "member", "points", "earned_at"]
        }
    }

    /// The columns `kind` reads (others are ignored).
    public static func columns(_ kind: ImportKind) -> [String] {
        switch kind {
        case .members: ["external_id", "email", "phone", "name", "tags", "created_at"]
        case .orders:
            [
                "external_id", "member", "currency", "amount", "status", "placed_at", "paid_at", "cancelled_at",
                "refunded_at", "refund_id", "refund_amount", "refund_at",
            ]
        case .balances: ["id", "member", "points", "earned_at", "expires_at", "description"]
        }
    }
}

/// A date-time as the file gave it, and its instant.
public struct ImportTime: Sendable, Equatable {
    public var text: String
    public var seconds: Double
}

/// A member row: `PUT /v1/members/{member}`'s profile plus an optional join date.
public struct MemberImportRow: Sendable, Equatable {
    public var externalID: String
    public var profile: MemberProfile
    public var createdAt: ImportTime?

    public init(_ fields: ImportFields) throws(ImportRowError) {
        externalID = try Self.externalID(fields.required("external_id"), "external_id")
        do {
            profile = try MemberProfile.validate(
                email: fields.text("email"),
                phone: fields.text("phone"),
                name: fields.text("name"),
                tags: fields.list("tags")
            )
        } catch {
            let first = error.fieldErrors.first
            throw ImportRowError(first?.field ?? "row", first?.message ?? error.detail)
        }
        createdAt = try fields.time("created_at")
    }

    static func externalID(_ text: String, _ field: String) throws(ImportRowError) -> String {
        do {
            return try ExternalID(text, field: field).rawValue
        } catch {
            throw ImportRowError(field, error.fieldErrors.first?.message ?? error.detail)
        }
    }
}

/// An order row: the order as it stands (status, dates), with at most one refund of it; more
/// refunds of the same order are more rows with the same `external_id`. A row with only the
/// order's id, its member and a refund adds the refund to an order imported or recorded before.
public struct OrderImportRow: Sendable, Equatable {
    public struct Order: Sendable, Equatable {
        public var currency: String
        public var amount: Int64
        public var status: OrderStatus
        public var placedAt: ImportTime
        public var paidAt: ImportTime?
        public var cancelledAt: ImportTime?
        public var refundedAt: ImportTime?
    }

    public struct Refund: Sendable, Equatable {
        public var id: String
        public var amount: Int64
        public var at: ImportTime
    }

    public var externalID: String
    public var member: String
    /// Nil: a refund-only row.
    public var order: Order?
    public var refund: Refund?

    public init(_ fields: ImportFields) throws(ImportRowError) {
        externalID = try MemberImportRow.externalID(fields.required("external_id"), "external_id")
        member = try MemberImportRow.externalID(fields.required("member"), "member")
        if let refundID = fields.text("refund_id") {
            let id = try MemberImportRow.externalID(refundID, "refund_id")
            guard let amount = try fields.integer("refund_amount") else {
                throw ImportRowError("refund_amount", "is required with refund_id")
            }
            guard amount > 0 else { throw ImportRowError("refund_amount", "must be greater than 0") }
            guard let at = try fields.time("refund_at") else {
                throw ImportRowError("refund_at", "is required with refund_id")
            }
            refund = Refund(id: id, amount: amount, at: at)
        } else {
            refund = nil
        }
        let amount = try fields.integer("amount")
        if amount == nil && fields.text("status") == nil && fields.text("currency") == nil {
            guard refund != nil else { throw ImportRowError("amount", "is required") }
            order = nil
            return
        }
        guard let amount else { throw ImportRowError("amount", "is required") }
        guard amount >= 0 else { throw ImportRowError("amount", "must not be negative") }
        let code = try fields.required("currency")
        do { _ = try Currency(code) } catch {
            throw ImportRowError("currency", "'\(code)' is not an ISO 4217 currency code")
        }
        let statusText = fields.text("status") ?? "paid"
        guard let status = OrderStatus(rawValue: statusText) else {
            throw ImportRowError("status", "must be one of placed, paid, cancelled, refunded")
        }
        guard let placedAt = try fields.time("placed_at") else { throw ImportRowError("placed_at", "is required") }
        var paidAt = try fields.time("paid_at")
        let cancelledAt = try fields.time("cancelled_at")
        var refundedAt = try fields.time("refunded_at")
        switch status {
        case .placed:
            paidAt = nil
        case .paid, .refunded:
            guard paidAt != nil else { throw ImportRowError("paid_at", "is required for a \(status.rawValue) order") }
            if status == .refunded { refundedAt = refundedAt ?? refund?.at ?? paidAt }
        case .cancelled:
            break
        }
        if let paid = paidAt, paid.seconds < placedAt.seconds {
            throw ImportRowError("paid_at", "must not be before placed_at")
        }
        if let refund, refund.amount > amount {
            throw ImportRowError("refund_amount", "must not exceed the order's amount")
        }
        order = Order(
            currency: code,
            amount: amount,
            status: status,
            placedAt: placedAt,
            paidAt: paidAt,
            cancelledAt: status == .cancelled ? (cancelledAt ?? paidAt ?? placedAt) : nil,
            refundedAt: status == .refunded ? refundedAt : nil
        )
    }

    /// The earliest instant the row carries (reports are recomputed from its day).
    public var earliest: Double? {
        [order?.placedAt.seconds, order?.paidAt?.seconds, refund?.at.seconds].compactMap { $0 }.min()
    }
}

/// An opening balance: points a member already had, as one lot with its earning date and
/// optional expiry. `id` is the shop's id for the row: importing it again changes nothing.
public struct BalanceImportRow: Sendable, Equatable {
    public static let maxPoints: Int64 = 1_000_000_000_000

    public var id: String
    public var member: String
    public var points: Int64
    public var earnedAt: ImportTime
    public var expiresAt: ImportTime?
    public var description: String?

    public init(_ fields: ImportFields) throws(ImportRowError) {
        id = try MemberImportRow.externalID(fields.required("id"), "id")
        member = try MemberImportRow.externalID(fields.required("member"), "member")
        guard let points = try fields.integer("points") else { throw ImportRowError("points", "is required") }
        guard points > 0 else { throw ImportRowError("points", "must be greater than 0") }
        guard points <= Self.maxPoints else { throw ImportRowError("points", "must be at most \(Self.maxPoints)") }
        self.points = points
        guard let earned = try fields.time("earned_at") else { throw ImportRowError("earned_at", "is required") }
        earnedAt = earned
        expiresAt = try fields.time("expires_at")
        if let expires = expiresAt, expires.seconds <= earned.seconds {
            throw ImportRowError("expires_at", "must be after earned_at")
        }
        description = fields.text("description")
        if let description, description.count > 500 {
            throw ImportRowError("description", "must be at most 500 characters")
        }
    }
}

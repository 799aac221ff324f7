import Foundation
import JifenCore
import JifenPostgres

extension APIHandler {
    public func createReferral(_ input: Operations.CreateReferral.Input) async throws
        -> Operations.CreateReferral.Output
    {
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        var validator = Validator()
        let referee = validator.check { () throws(JifenError) in try ExternalID(body.referee, field: "referee") }
        validator.text(body.code, "code", max: 32, required: true)
        if let ip = body.ip, !IPAddressText.isValid(ip) { validator.fail("ip", "must be an IPv4 or IPv6 address") }
        try validator.finish()
        guard let referee else { throw JifenError(.internalError, "validation lost a field") }
        let (referral, created) = try await withTenant {
            try await $0.createReferral(code: body.code, referee: referee, ip: body.ip)
        }
        if created {
            logger.info(
                "referral recorded",
                metadata: ["referral": "\(referral.id)", "status": "\(referral.status.rawValue)"]
            )
            return .created(.init(body: .json(.init(referral))))
        }
        return .ok(.init(body: .json(.init(referral))))
    }

    public func listReferrals(_ input: Operations.ListReferrals.Input) async throws -> Operations.ListReferrals.Output {
        let externalID = try Self.lookupID(input.path.member, kind: "member")
        let limit = try PageLimit(input.query.limit)
        let cursor = try input.query.cursor.map { cursor throws(JifenError) in try PageCursor(encoded: cursor) }
        let page = try await withTenant { connection -> Page<Referral>? in
            guard let member = try await connection.member(externalID) else { return nil }
            return try await connection.referrals(of: member.id, limit: limit, after: cursor)
        }
        guard let page else { throw JifenError.notFound("no member '\(input.path.member)'") }
        return .ok(
            .init(
                body: .json(
                    .init(data: page.items.map(Components.Schemas.Referral.init), nextCursor: page.nextCursor?.encoded)
                )
            )
        )
    }
}

extension Components.Schemas.Referral {
    init(_ referral: Referral) {
        self.init(
            id: referral.id.uuidString.lowercased(),
            referrer: referral.referrer,
            referee: referral.referee,
            code: referral.code,
            status: .init(rawValue: referral.status.rawValue) ?? .pending,
            reason: referral.reason.flatMap { .init(rawValue: $0) },
            referrerPoints: referral.referrerPoints,
            refereePoints: referral.refereePoints,
            createdAt: referral.createdAt,
            rewardedAt: referral.rewardedAt
        )
    }
}

/// Whether text is an IP address PostgreSQL's `inet` takes, checked before it reaches SQL so
/// a bad one is a 422 naming the field, not a database error.
enum IPAddressText {
    static func isValid(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

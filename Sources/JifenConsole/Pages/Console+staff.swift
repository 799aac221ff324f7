import Foundation
import Hummingbird
import JifenCore
import JifenPostgres

/// An owner's page for the shop's staff: invite, change roles, sign out everywhere, disable.
extension Console {
    func staffPage(
        _ visit: Visit,
        invitation: String? = nil,
        status: HTTPResponse.Status = .ok,
        problem: JifenError? = nil
    )
        async throws -> Response
    {
        let accounts = try await withTenant(visit) { try await $0.staffList() }
        let roles = StaffRole.allCases.map { ["value": $0.rawValue, "label": visit.text("role_\($0.rawValue)")] }
        var values: [String: Any] = [
            "roles": roles,
            "accounts": accounts.map { account -> [String: Any] in
                let state =
                    account.disabledAt != nil
                    ? visit.text("staff_disabled")
                    : account.joined ? visit.text("staff_active") : visit.text("staff_invited")
                let who = account.name.isEmpty ? account.email : account.name
                return [
                    "id": account.id.uuidString.lowercased(),
                    "email": account.email,
                    "name": account.name,
                    "role": visit.text("role_\(account.role.rawValue)"),
                    "state": state,
                    "active": account.isActive,
                    "role_label_for": visit.text("role_of", ["name": who]),
                    "revoke_label": visit.text("sign_out_everywhere_of", ["name": who]),
                    "disable_label": visit.text("disable_of", ["name": who]),
                    "role_options": StaffRole.allCases.map { role -> [String: Any] in
                        [
                            "value": role.rawValue, "label": visit.text("role_\(role.rawValue)"),
                            "selected": role == account.role,
                        ]
                    },
                ]
            },
        ]
        if let invitation { values["invitation_link"] = invitation }
        let flash = visit.query["done"].map { visit.text("flash_staff_" + $0) }
        return page(
            Page(
                template: "staff",
                title: visit.text("nav_staff"),
                values: values,
                status: status,
                flash: flash,
                problem: problem,
                section: "staff"
            ),
            visit
        )
    }

    func invite(_ visit: Visit) async throws -> Response {
        let session = try visit.staff()
        do {
            let email = try StaffCredentials.email(visit.form["email"])
            guard let role = StaffRole(rawValue: visit.form["role"]) else {
                throw JifenError.invalid("role", "must be owner, staff or viewer")
            }
            let (_, secret) = try await withTenant(visit) {
                try await $0.inviteStaff(
                    email: email,
                    role: role,
                    invitedBy: "console:\(session.staff.email)",
                    validFor: configuration.invitationValidity
                )
            }
            return try await staffPage(visit, invitation: "/console/invitations/\(secret.value)")
        } catch let error as JifenError {
            return try await staffPage(visit, status: error.status, problem: error)
        }
    }

    func staffID(_ visit: Visit) throws -> UUID {
        guard let id = UUID(uuidString: try visit.parameter("staff")) else {
            throw JifenError.notFound("no such staff")
        }
        return id
    }

    func changeRole(_ visit: Visit) async throws -> Response {
        let id = try staffID(visit)
        guard let role = StaffRole(rawValue: visit.form["role"]) else {
            throw JifenError.invalid("role", "must be owner, staff or viewer")
        }
        guard try await withTenant(visit, { try await $0.setStaffRole(id, role: role) }) != nil else {
            throw JifenError.notFound("no such staff")
        }
        return Self.redirect("/console/staff?done=role")
    }

    func disable(_ visit: Visit) async throws -> Response {
        let id = try staffID(visit)
        guard try await withTenant(visit, { try await $0.disableStaff(id) }) != nil else {
            throw JifenError.notFound("no such staff")
        }
        return Self.redirect("/console/staff?done=disabled")
    }

    func revokeSessions(_ visit: Visit) async throws -> Response {
        let id = try staffID(visit)
        guard try await withTenant(visit, { try await $0.staff(id) }) != nil else {
            throw JifenError.notFound("no such staff")
        }
        _ = try await withTenant(visit) { try await $0.revokeStaffSessions(id) }
        return Self.redirect("/console/staff?done=revoked")
    }
}

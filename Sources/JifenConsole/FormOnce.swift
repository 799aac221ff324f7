import Crypto
import Foundation
import JifenCore
import JifenPostgres

/// Forms that change something carry a one-time key (`_form`), rendered with the form. The
/// change runs under that key in the API's idempotency store, in one transaction with it: a
/// double click or a form sent again does the work once, and the second answer is the first's.
extension Console {
    static func formKey() -> String {
        APIKeySecret.randomText()
    }

    func once(_ visit: Visit, key: String, hashing fields: [String], _ work: () async throws -> Void) async throws {
        let session = try visit.staff()
        let formKey = visit.form["_form"]
        guard formKey.utf8.count == 32,
            formKey.unicodeScalars.allSatisfy({ $0.isASCII && $0.properties.isAlphabetic || ("0"..."9").contains($0) })
        else {
            throw JifenError(.badRequest, visit.text("form_key_missing"))
        }
        let hash = Data(SHA256.hash(data: Data(fields.joined(separator: "\u{1F}").utf8)))
        try await IdempotencyStore(database: database).withKey(
            "console:\(key):\(formKey)",
            scope: session.tenant,
            requestHash: hash
        ) { begin, _ -> (result: Void, store: IdempotencyStore.StoredResponse?) in
            switch begin {
            case .proceed:
                try await work()
                return ((), IdempotencyStore.StoredResponse(status: 303, contentType: nil, body: Data()))
            case .replay:
                return ((), nil)
            case .inProgress:
                throw JifenError(.conflict, visit.text("form_in_progress"))
            case .mismatch:
                throw JifenError(.conflict, visit.text("form_already_sent"))
            }
        }
    }
}

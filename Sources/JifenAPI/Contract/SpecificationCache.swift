import Foundation
import NIOConcurrencyHelpers

/// What the API derives from the spec's bytes — the operation table and the rendered `/docs`
/// page — made once per distinct spec in the process. A process serves one spec; the tests
/// build a router per test, and parsing 4,000 lines of YAML each time was most of their CPU.
enum SpecificationCache {
    private static let contracts = NIOLockedValueBox<[Data: APIContract]>([:])
    private static let pages = NIOLockedValueBox<[Data: String]>([:])

    static func contract(_ specification: Data) throws -> APIContract {
        if let contract = contracts.withLockedValue({ $0[specification] }) { return contract }
        let contract = try APIContract(yaml: specification)
        contracts.withLockedValue { $0[specification] = contract }
        return contract
    }

    static func referenceHTML(_ specification: Data) throws -> String {
        if let page = pages.withLockedValue({ $0[specification] }) { return page }
        let page = try ReferenceDocument(yaml: specification).html()
        pages.withLockedValue { $0[specification] = page }
        return page
    }
}

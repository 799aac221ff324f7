import Testing

@testable import JifenAPI
@testable import JifenPostgres

/// Every ledger kind and source the store writes has its value in the spec's enums: the API maps
/// them with a fallback, which would otherwise show a new one wrongly instead of failing here.
@Suite struct WireEnumTests {
    @Test func everyLedgerKindAndSourceIsInTheSpec() {
        for kind in LedgerWrite.Kind.allCases {
            #expect(Components.Schemas.LedgerKind(rawValue: kind.rawValue) != nil, "ledger kind \(kind.rawValue)")
        }
        for source in LedgerWrite.Source.allCases {
            #expect(
                Components.Schemas.LedgerSource(rawValue: source.rawValue) != nil,
                "ledger source \(source.rawValue)"
            )
        }
    }
}

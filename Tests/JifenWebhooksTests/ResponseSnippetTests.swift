import JifenWebhooks
import Testing

@Suite struct ResponseSnippetTests {
    @Test func nulAndInvalidUTF8BecomeReplacementCharacters() {
        let text = ResponseSnippet.text([UInt8(ascii: "a"), 0, 0xff, UInt8(ascii: "b")])
        #expect(text == "a\u{FFFD}\u{FFFD}b")
        #expect(!text.unicodeScalars.contains("\0"))
    }

    @Test func onlyTheStartIsKept() {
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: 100_000)
        #expect(ResponseSnippet.text(long).count == ResponseSnippet.maxCharacters)
        #expect(ResponseSnippet.text(Array("héllo".utf8)) == "héllo")
        #expect(ResponseSnippet.storable("a\0b", maxCharacters: 2) == "a\u{FFFD}")
    }
}

import Testing

@testable import JifenConsole

@Suite struct ConsoleModuleTests {
    @Test func moduleLinks() {
        #expect(String(describing: Console.self) == "Console")
    }
}

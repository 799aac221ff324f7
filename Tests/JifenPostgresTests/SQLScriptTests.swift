import Foundation
import Testing

@testable import JifenPostgres

@Suite struct SQLScriptTests {
    @Test func splitsOnSemicolonsOutsideQuotesCommentsAndBodies() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE t (x text DEFAULT 'a;b');
            CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
            CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 2; END $body$;
            /* block; comment */ SELECT "odd;name" FROM t WHERE x = 'it''s;';
            SELECT $1;
            -- trailing comment only
            """
        let statements = SQLScript.statements(script)
        #expect(statements.count == 5)
        #expect(statements[0].hasSuffix("CREATE TABLE t (x text DEFAULT 'a;b')"))
        #expect(statements[1] == "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$")
        #expect(statements[2].contains("$body$ BEGIN RETURN 2; END $body$"))
        #expect(statements[3].hasSuffix("WHERE x = 'it''s;'"))
        #expect(statements[4] == "SELECT $1")
    }

    @Test func migrationFilesSplitIntoStatements() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let migrations = try Migration.load(from: root.appendingPathComponent("migrations").path)
        #expect(!migrations.isEmpty)
        #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
        for migration in migrations {
            #expect(SQLScript.statements(migration.sql).allSatisfy { !$0.isEmpty })
        }
    }
}

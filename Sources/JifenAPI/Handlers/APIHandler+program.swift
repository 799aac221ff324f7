import Foundation
import JifenCore
import JifenPostgres

extension APIHandler {
    public func getProgram(_ input: Operations.GetProgram.Input) async throws -> Operations.GetProgram.Output {
        let program = try await withTenant { try await $0.program() }
        return .ok(.init(body: .json(try .init(program))))
    }

    public func replaceProgram(_ input: Operations.ReplaceProgram.Input) async throws
        -> Operations.ReplaceProgram.Output
    {
        guard case .json(let body) = input.body else {
            throw JifenError(.unsupportedMediaType, "send application/json")
        }
        let program = try Program(body)
        let saved = try await withTenant { connection in
            let old = try await connection.program()
            let saved = try await connection.saveProgram(program)
            try await connection.recordAudit(
                .programUpdated,
                target: "\(saved.version)",
                before: try Components.Schemas.Program(old),
                after: try Components.Schemas.Program(saved)
            )
            return saved
        }
        logger.info("program saved", metadata: ["version": "\(saved.version)"])
        return .ok(.init(body: .json(try .init(saved))))
    }
}

// The program's wire form and `JifenCore.Program`'s Codable form are the same JSON (the spec
// documents it, the core decodes it), so the conversion goes through JSON rather than copying
// thirty fields by hand — and a field added to one and not the other fails the round-trip test.
extension Program {
    init(_ input: Components.Schemas.ProgramInput) throws(JifenError) {
        do {
            self = try JSONDecoder().decode(Program.self, from: try JSONEncoder().encode(input))
        } catch let error as JifenError {
            throw error
        } catch {
            throw JifenError.invalid("program", "is not a valid program: \(error)")
        }
    }
}

extension Components.Schemas.Program {
    init(_ program: Program) throws {
        self = try JSONDecoder().decode(Self.self, from: try JSONEncoder().encode(program))
    }
}

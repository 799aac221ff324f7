import Foundation
import JifenCore
import NIOCore
import PostgresNIO

extension TenantConnection {
    /// A new, empty file; it expires at `expiresAt` whether or not it is ever completed, so an
    /// upload cut off midway costs nothing for long.
    public func createFile(purpose: StoredFile.Purpose, contentType: String, expiresAt: Date) async throws -> UUID {
        let rows = try await query(
            """
            INSERT INTO files (tenant_id, purpose, content_type, expires_at)
            VALUES (\(tenant.rawValue), \(purpose.rawValue), \(contentType), \(expiresAt))
            RETURNING id
            """
        )
        for try await id in rows.decode(UUID.self) { return id }
        throw JifenError(.internalError, "file insert returned nothing")
    }

    /// Appends chunk `seq` (the next one) and counts it into the file.
    public func appendChunk(file: UUID, seq: Int, data: ByteBuffer) async throws {
        try await query(
            """
            WITH chunk AS (
                INSERT INTO file_chunks (tenant_id, file_id, seq, data)
                VALUES (\(tenant.rawValue), \(file), \(seq), \(data))
            )
            UPDATE files SET size = size + \(Int64(data.readableBytes)), chunks = greatest(chunks, \(seq + 1))
            WHERE tenant_id = \(tenant.rawValue) AND id = \(file)
            """
        )
    }

    public func completeFile(_ file: UUID, expiresAt: Date? = nil) async throws {
        try await query(
            """
            UPDATE files SET complete = true, expires_at = coalesce(\(expiresAt), expires_at)
            WHERE tenant_id = \(tenant.rawValue) AND id = \(file)
            """
        )
    }

    public func file(_ id: UUID) async throws -> StoredFile? {
        let rows = try await query(
            """
            SELECT id, content_type, size, chunks, complete, expires_at FROM files
            WHERE tenant_id = \(tenant.rawValue) AND id = \(id)
            """
        )
        for try await (id, type, size, chunks, complete, expires) in rows.decode(
            (UUID, String, Int64, Int, Bool, Date).self
        ) {
            return StoredFile(
                id: id,
                contentType: type,
                size: size,
                chunks: chunks,
                complete: complete,
                expiresAt: expires
            )
        }
        return nil
    }

    /// Chunk `seq` of a file, or nil past its end (or once it expired).
    public func chunk(file: UUID, seq: Int) async throws -> ByteBuffer? {
        let rows = try await query(
            "SELECT data FROM file_chunks WHERE tenant_id = \(tenant.rawValue) AND file_id = \(file) AND seq = \(seq)"
        )
        for try await data in rows.decode(ByteBuffer.self) { return data }
        return nil
    }

    /// The `files.expire` sweep: deletes the files past their expiry (their chunks go with them),
    /// at most `limit` at a time.
    public func expireFiles(now: Date, limit: Int) async throws -> Int {
        let rows = try await query(
            """
            WITH gone AS (
                DELETE FROM files WHERE tenant_id = \(tenant.rawValue) AND (tenant_id, id) IN (
                    SELECT tenant_id, id FROM files WHERE tenant_id = \(tenant.rawValue) AND expires_at <= \(now)
                    ORDER BY expires_at LIMIT \(limit))
                RETURNING id
            )
            SELECT count(*)::bigint FROM gone
            """
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }
}

extension Database {
    /// Stores `body` as a file of fixed-size chunks (``ImportChunking/size``, the last one
    /// shorter), one transaction per chunk, so neither the process nor a transaction ever holds
    /// the whole file. Refuses a body over `maxSize` with 413 as soon as it is seen to be; the
    /// chunks already written are deleted with the file when it expires.
    public func storeFile<Body: AsyncSequence & Sendable>(
        _ tenant: TenantID,
        body: Body,
        purpose: StoredFile.Purpose,
        contentType: String,
        maxSize: Int64,
        expiresAt: Date
    ) async throws -> (file: UUID, size: Int64) where Body.Element == ArraySlice<UInt8> {
        let file = try await withTenant(tenant) {
            try await $0.createFile(purpose: purpose, contentType: contentType, expiresAt: expiresAt)
        }
        let chunkSize = ImportChunking.size
        var buffer = ByteBufferAllocator().buffer(capacity: chunkSize)
        var seq = 0
        var size: Int64 = 0
        for try await part in body {
            size += Int64(part.count)
            guard size <= maxSize else {
                throw JifenError(.payloadTooLarge, "The file is larger than \(maxSize) bytes.")
            }
            var rest = part[...]
            while !rest.isEmpty {
                let take = min(chunkSize - buffer.readableBytes, rest.count)
                buffer.writeBytes(rest.prefix(take))
                rest = rest.dropFirst(take)
                if buffer.readableBytes == chunkSize {
                    let full = buffer
                    let number = seq
                    try await withTenant(tenant) { try await $0.appendChunk(file: file, seq: number, data: full) }
                    seq += 1
                    buffer = ByteBufferAllocator().buffer(capacity: chunkSize)
                }
            }
        }
        let last = buffer
        let number = seq
        try await withTenant(tenant) {
            if last.readableBytes > 0 { try await $0.appendChunk(file: file, seq: number, data: last) }
            try await $0.completeFile(file)
        }
        return (file, size)
    }

    /// A file's chunks in order, each read in a transaction of its own when the consumer asks
    /// for it: a download holds one chunk at a time.
    public func fileContents(_ tenant: TenantID, file: UUID) -> AsyncThrowingStream<ArraySlice<UInt8>, any Error> {
        let database = self
        let next = NIOLockedSeq()
        return AsyncThrowingStream(unfolding: {
            let seq = next.take()
            guard let chunk = try await database.withTenant(tenant, { try await $0.chunk(file: file, seq: seq) }) else {
                return nil
            }
            return ArraySlice(chunk.readableBytesView)
        })
    }
}

/// The next chunk number of a download (the unfolding closure must be Sendable).
final class NIOLockedSeq: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value - 1
    }
}

import Foundation
import JifenCore
import NIOCore

/// Reads a stored file's records from a byte offset on, loading chunks only as the records
/// need them. A record longer than ``ImportChunking/maxRowBytes`` is skipped to its end
/// without being held, so a 10 MB line costs a scan, not 10 MB of memory.
struct FileRecords {
    enum Item {
        case record(Range<Int>)
        case tooLong
    }

    let connection: TenantConnection
    let file: UUID
    let size: Int64
    let chunkSize = ImportChunking.size
    var scanner: RecordScanner
    var buffer: [UInt8] = []
    /// The file offset of `buffer[0]`.
    var bufferStart: Int64
    /// Where the next record starts in `buffer`.
    var position = 0
    var loaded = false

    init(connection: TenantConnection, file: UUID, size: Int64, format: DataFormat, from offset: Int64) {
        self.connection = connection
        self.file = file
        self.size = size
        self.scanner = RecordScanner(format: format)
        self.bufferStart = offset
    }

    /// The file offset where the next record starts: the cursor to commit.
    var offset: Int64 { bufferStart + Int64(position) }

    /// Appends the chunk holding file offset `bufferStart + buffer.count` (from that offset on).
    mutating func loadMore() async throws -> Bool {
        let at = bufferStart + Int64(buffer.count)
        guard at < size else { return false }
        let seq = Int(at / Int64(chunkSize))
        guard let chunk = try await connection.chunk(file: file, seq: seq) else {
            throw JifenError(.conflict, "the import's file has expired or is incomplete")
        }
        let skip = Int(at - Int64(seq) * Int64(chunkSize))
        chunk.withUnsafeReadableBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard skip < bytes.count else { return }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[skip...]))
        }
        return true
    }

    /// The next record's byte range in `buffer` (valid until the next call), `.tooLong`, or nil
    /// at the end of the file.
    mutating func next() async throws -> Item? {
        scanner.reset()
        var scanFrom = position
        while true {
            let end = buffer.withUnsafeBufferPointer { scanner.end(in: $0, from: scanFrom) }
            if let end {
                let range = position..<end
                position = end + 1
                return .record(range)
            }
            if buffer.count - position > ImportChunking.maxRowBytes {
                return try await skipRest()
            }
            // Keep only the record in progress, then read on.
            if position > 0 {
                buffer.removeFirst(position)
                bufferStart += Int64(position)
                position = 0
            }
            scanFrom = buffer.count
            guard try await loadMore() else {
                // The end of the file ends the last record.
                guard position < buffer.count else { return nil }
                let range = position..<buffer.count
                position = buffer.count
                return .record(range)
            }
        }
    }

    /// Drops the over-long record in progress and scans on to its end.
    mutating func skipRest() async throws -> Item {
        while true {
            bufferStart += Int64(buffer.count)
            buffer.removeAll(keepingCapacity: true)
            position = 0
            guard try await loadMore() else { return .tooLong }
            if let end = buffer.withUnsafeBufferPointer({ scanner.end(in: $0, from: 0) }) {
                position = end + 1
                return .tooLong
            }
        }
    }

    func withRecord<T>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }
}

/// Rows for `COPY … FROM STDIN` in text format: tab-separated, `\N` for NULL, backslash,
/// tab, CR and LF escaped.
struct CopyText {
    var bytes: [UInt8] = []
    var rows = 0

    mutating func field(_ value: String?, last: Bool = false) {
        if let value {
            var value = value
            value.withUTF8 { utf8 in
                if !utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
                    bytes.append(contentsOf: utf8)
                    return
                }
                for byte in utf8 {
                    switch byte {
                    case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
                    case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
                    case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
                    case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
                    default: bytes.append(byte)
                    }
                }
            }
        } else {
            bytes.append(contentsOf: [0x5C, 0x4E])
        }
        bytes.append(last ? 0x0A : 0x09)
        if last { rows += 1 }
    }

    mutating func field(_ value: Int64?, last: Bool = false) { field(value.map { String($0) }, last: last) }
}

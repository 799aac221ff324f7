/// Finds where records end in CSV (RFC 4180: a line break outside quotes) or NDJSON (any line
/// break: JSON strings cannot hold a raw one) without parsing them, so a worker can cut a batch
/// of rows out of a file that arrives chunk by chunk and remember where the next row starts.
///
/// Quotes are counted, not paired: inside a quoted field an escaped quote is two quotes, which
/// leaves the state as it was, so toggling on every `"` is exact.
public struct RecordScanner: Sendable {
    public let quoted: Bool
    /// Whether the scan so far ended inside a quoted field.
    public private(set) var inQuotes = false

    public init(format: DataFormat) { self.quoted = format == .csv }

    /// The index of the LF that ends the record starting at `start`, or nil when `bytes` ends
    /// first (the state is kept, so scanning may continue from where it stopped with more bytes).
    public mutating func end(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        let count = bytes.count
        if !quoted {
            while index < count {
                if bytes[index] == 0x0A { return index }
                index += 1
            }
            return nil
        }
        while index < count {
            let byte = bytes[index]
            if byte == 0x22 {
                inQuotes.toggle()
            } else if byte == 0x0A && !inQuotes {
                return index
            }
            index += 1
        }
        return nil
    }

    /// Starts a new record.
    public mutating func reset() { inQuotes = false }
}

/// The fields of one CSV record (RFC 4180), without its line break. Quoted fields may hold
/// commas, quotes (doubled) and line breaks; a quote in an unquoted field is taken literally.
public enum CSVRecord {
    public enum Failure: Error, Equatable {
        case unterminatedQuote
        case textAfterQuote
    }

    public static func fields(_ bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> [[UInt8]] {
        var fields: [[UInt8]] = []
        var field: [UInt8] = []
        var index = 0
        let count = bytes.count
        var atFieldStart = true
        while index < count {
            let byte = bytes[index]
            if atFieldStart && byte == 0x22 {
                // A quoted field: to the closing quote, "" being one quote.
                index += 1
                var closed = false
                while index < count {
                    let inner = bytes[index]
                    if inner == 0x22 {
                        if index + 1 < count && bytes[index + 1] == 0x22 {
                            field.append(0x22)
                            index += 2
                            continue
                        }
                        closed = true
                        index += 1
                        break
                    }
                    field.append(inner)
                    index += 1
                }
                guard closed else { throw .unterminatedQuote }
                guard index == count || bytes[index] == 0x2C else { throw .textAfterQuote }
                atFieldStart = false
                continue
            }
            if byte == 0x2C {
                fields.append(field)
                field.removeAll(keepingCapacity: true)
                atFieldStart = true
            } else {
                field.append(byte)
                atFieldStart = false
            }
            index += 1
        }
        fields.append(field)
        return fields
    }
}

import Foundation

/// Turns one record's bytes into ``ImportFields``: a CSV record by the file's header, an
/// NDJSON line as a JSON object. Anything unreadable is a row error, never a failed import.
public struct ImportRecordDecoder: Sendable {
    public let format: DataFormat
    /// CSV only: the header's column names, in order.
    public let header: [String]

    public init(format: DataFormat, header: [String] = []) {
        self.format = format
        self.header = header
    }

    /// The header of a CSV file from its first record, checked for the columns `kind` needs.
    public static func header(_ bytes: UnsafeBufferPointer<UInt8>, kind: ImportKind) throws(ImportRowError)
        -> [String]
    {
        var bytes = bytes
        // A byte-order mark some spreadsheets write.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            bytes = UnsafeBufferPointer(rebasing: bytes[3...])
        }
        let fields: [[UInt8]]
        do { fields = try CSVRecord.fields(Self.trimmingCR(bytes)) } catch {
            throw ImportRowError("header", "is not a valid CSV record")
        }
        var names: [String] = []
        for field in fields {
            guard let name = String(validating: field, as: UTF8.self) else {
                throw ImportRowError("header", "is not valid UTF-8")
            }
            names.append(name.trimmingCharacters(in: .whitespaces).lowercased())
        }
        for column in ImportFields.requiredColumns(kind) where !names.contains(column) {
            throw ImportRowError(
                "header",
                "has no column '\(column)' (needed: \(ImportFields.requiredColumns(kind).joined(separator: ", ")))"
            )
        }
        return names
    }

    static func trimmingCR(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let last = bytes.last, last == 0x0D else { return bytes }
        return UnsafeBufferPointer(rebasing: bytes.dropLast())
    }

    /// Whether the record is empty or whitespace (skipped, as a blank line).
    public static func isBlank(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    public func fields(_ raw: UnsafeBufferPointer<UInt8>) throws(ImportRowError) -> ImportFields {
        let bytes = Self.trimmingCR(raw)
        switch format {
        case .csv:
            let fields: [[UInt8]]
            do { fields = try CSVRecord.fields(bytes) } catch {
                switch error {
                case .unterminatedQuote: throw ImportRowError("row", "has a quoted field without its closing quote")
                case .textAfterQuote: throw ImportRowError("row", "has text after a quoted field's closing quote")
                }
            }
            guard fields.count == header.count else {
                throw ImportRowError("row", "has \(fields.count) fields; the header has \(header.count)")
            }
            var values: [String: String] = [:]
            values.reserveCapacity(fields.count)
            for (name, field) in zip(header, fields) where !field.isEmpty {
                guard let text = String(validating: field, as: UTF8.self) else {
                    throw ImportRowError(name, "is not valid UTF-8")
                }
                guard !field.contains(0) else { throw ImportRowError(name, "must not contain NUL characters") }
                values[name] = text
            }
            return ImportFields(values: values)
        case .ndjson:
            guard String(validating: bytes, as: UTF8.self) != nil else {
                throw ImportRowError("row", "is not valid UTF-8")
            }
            let object: Any
            do {
                object = try JSONSerialization.jsonObject(with: Data(buffer: bytes), options: [])
            } catch {
                throw ImportRowError("row", "is not a JSON object")
            }
            guard let dictionary = object as? [String: Any] else { throw ImportRowError("row", "is not a JSON object") }
            var values: [String: String] = [:]
            var lists: [String: [String]] = [:]
            for (key, value) in dictionary {
                switch value {
                case let text as String:
                    values[key] = text
                case let number as NSNumber:
                    values[key] = number.stringValue
                case let array as [Any]:
                    var texts: [String] = []
                    for item in array {
                        guard let text = item as? String else {
                            throw ImportRowError(key, "must be an array of strings")
                        }
                        texts.append(text)
                    }
                    lists[key] = texts
                case is NSNull:
                    continue
                default:
                    throw ImportRowError(key, "must be a string, a number or an array of strings")
                }
            }
            for (key, value) in values where value.utf8.contains(0) {
                throw ImportRowError(key, "must not contain NUL characters")
            }
            for (key, list) in lists where list.contains(where: { $0.utf8.contains(0) }) {
                throw ImportRowError(key, "must not contain NUL characters")
            }
            return ImportFields(values: values, lists: lists)
        }
    }
}

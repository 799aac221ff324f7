/// The start of a receiver's answer, kept in the delivery log for the shop's debugging.
///
/// Whatever bytes a receiver sends, the snippet is text PostgreSQL can store: a NUL (which a
/// `text` column refuses, so the attempt could not be recorded and the delivery was sent
/// again) and invalid UTF-8 become U+FFFD, and it is cut to ``maxCharacters``. Only
/// ``maxBytes`` of a body are ever read, however long it is.
public enum ResponseSnippet {
    /// How much of a response body is read; the rest is never downloaded.
    public static let maxBytes = 4_096
    public static let maxCharacters = 1_024

    /// The first `maxCharacters` of `bytes` (read as UTF-8) as storable text.
    public static func text(_ bytes: some Collection<UInt8>, maxCharacters: Int = maxCharacters) -> String {
        storable(String(decoding: bytes.prefix(maxBytes), as: UTF8.self), maxCharacters: maxCharacters)
    }

    /// `text` with every NUL replaced, cut to `maxCharacters` (for error messages too).
    public static func storable(_ text: String, maxCharacters: Int = maxCharacters) -> String {
        String(
            String.UnicodeScalarView(
                text.prefix(maxCharacters).unicodeScalars.lazy.map { $0 == "\0" ? "\u{FFFD}" : $0 }
            )
        )
    }
}

/// Every word the console shows, per language: one file per language (`Catalogue+en.swift`,
/// `Catalogue+zhHans.swift`), the same keys in each (tested). Templates read them as
/// `{{t.key}}`; code as `visit.text("key", ["name": value])`, filling `{name}`.
enum Catalogue {}

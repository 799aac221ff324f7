/// Appends SVG markup to a string. Every attribute value and every text goes through
/// `SVGText.escaped`, so no caller text reaches the output unescaped.
struct SVGWriter {
    private(set) var output = ""

    /// `<name a="v" …>` (or `<name … />` when `selfClosing`).
    mutating func open(_ name: String, _ attributes: [(String, String)], selfClosing: Bool = false) {
        output += "<" + name
        for (key, value) in attributes {
            output += " \(key)=\"\(SVGText.escaped(value))\""
        }
        output += selfClosing ? "/>" : ">"
    }

    mutating func close(_ name: String) {
        output += "</\(name)>"
    }

    /// An element with nothing inside.
    mutating func empty(_ name: String, _ attributes: [(String, String)]) {
        open(name, attributes, selfClosing: true)
    }

    /// An element holding only `text`.
    mutating func text(_ name: String, _ attributes: [(String, String)], _ text: String) {
        open(name, attributes)
        output += SVGText.escaped(text)
        close(name)
    }

    /// A shape with a `<title>` child: the browser's tooltip for that shape.
    mutating func shape(_ name: String, _ attributes: [(String, String)], title: String) {
        open(name, attributes)
        self.text("title", [], title)
        close(name)
    }

    /// Raw, already safe markup (used for newlines between top-level groups).
    mutating func raw(_ markup: String) {
        output += markup
    }
}

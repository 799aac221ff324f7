import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A chart's SVG parsed back with Foundation's XMLParser: the tests read geometry and text
/// from elements rather than matching strings, and a parse error fails the test.
final class SVGDocument: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        /// The element's own character data (not its children's).
        var text = ""
        var parent: Int?
        var children: [Int] = []
    }

    private(set) var elements: [Element] = []
    private var open: [Int] = []

    /// The parsed document, or the parser's error.
    static func parse(_ svg: String) throws -> SVGDocument {
        let document = SVGDocument()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = document
        guard parser.parse() else {
            throw parser.parserError ?? CocoaError(.coderReadCorrupt)
        }
        return document
    }

    var root: Element { elements[0] }

    func all(_ name: String, class className: String? = nil) -> [Element] {
        elements.filter { element in
            element.name == name && (className == nil || element.attributes["class"] == className)
        }
    }

    /// The text of `element`'s `<title>` child.
    func title(of element: Element) -> String? {
        element.children.map { elements[$0] }.first { $0.name == "title" }?.text
    }

    /// The elements inside the element(s) with class `className`.
    func inside(class className: String, _ name: String) -> [Element] {
        let groups = Set(elements.indices.filter { elements[$0].attributes["class"] == className })
        return elements.filter { element in
            var parent = element.parent
            while let index = parent {
                if groups.contains(index) { return element.name == name }
                parent = elements[index].parent
            }
            return false
        }
    }

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String]
    ) {
        let index = elements.count
        elements.append(Element(name: elementName, attributes: attributes, parent: open.last))
        if let parent = open.last { elements[parent].children.append(index) }
        open.append(index)
    }

    func parser(
        _ parser: XMLParser,
        didEndElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?
    ) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let current = open.last { elements[current].text += string }
    }
}

extension SVGDocument.Element {
    func number(_ attribute: String) -> Double? {
        attributes[attribute].flatMap(Double.init)
    }
}

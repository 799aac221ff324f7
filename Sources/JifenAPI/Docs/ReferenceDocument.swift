import Foundation
import JifenCore

/// Renders the OpenAPI document as one self-contained HTML page for `GET /docs`: operations
/// grouped by tag, each with its parameters, body, responses and examples, then the schemas
/// and the webhook messages. No scripts, fonts or styles from elsewhere: the page must work
/// where nothing outside the machine is reachable.
///
/// ```swift
/// let html = try ReferenceDocument(yaml: specData).html()
/// ```
struct ReferenceDocument {
    let spec: SpecValue

    init(yaml: Data) throws {
        self.spec = try SpecValue(yaml: yaml)
    }

    static let methods = ["get", "put", "post", "patch", "delete", "head", "options"]

    struct Operation {
        var method: String
        var path: String
        var value: SpecValue
        var pathParameters: [SpecValue]
        var id: String { value["operationId"]?.string ?? "\(method)-\(path)" }
    }

    var operations: [Operation] {
        spec["paths"]?.pairs.flatMap { path, item in
            Self.methods.compactMap { method in
                item[method].map {
                    Operation(method: method, path: path, value: $0, pathParameters: item["parameters"]?.items ?? [])
                }
            }
        } ?? []
    }

    func html() -> String {
        let info = spec["info"]
        let title = info?["title"]?.string ?? "API"
        let version = info?["version"]?.string ?? ""
        let operations = operations
        let tags = (spec["tags"]?.items ?? []).compactMap { tag in
            tag["name"]?.string.map { (name: $0, description: tag["description"]?.string ?? "") }
        }
        var page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) \(escape(version)) reference</title>
            <style>\(Self.style)</style></head><body>
            <nav><h2>\(escape(title))</h2><p class="muted">version \(escape(version))</p>
            """
        for tag in tags {
            let members = operations.filter { ($0.value["tags"]?.items.compactMap(\.string) ?? []).contains(tag.name) }
            guard !members.isEmpty else { continue }
            page += "<h3>\(escape(tag.name))</h3><ul>"
            for operation in members {
                page +=
                    "<li><a href=\"#op-\(escape(operation.id))\"><span class=\"m \(operation.method)\">"
                    + "\(operation.method.uppercased())</span> \(escape(operation.path))</a></li>"
            }
            page += "</ul>"
        }
        page += "<h3><a href=\"#schemas\">Schemas</a></h3>"
        if spec["webhooks"] != nil { page += "<h3><a href=\"#webhooks\">Webhook messages</a></h3>" }
        page += "</nav><main><h1>\(escape(title)) <small>\(escape(version))</small></h1>"
        page += markdown(info?["description"]?.string ?? "")
        for server in spec["servers"]?.items ?? [] {
            page +=
                "<p>Server: <code>\(escape(server["url"]?.string ?? ""))</code> "
                + "\(markdown(server["description"]?.string ?? "", inline: true))</p>"
        }
        for tag in tags {
            let members = operations.filter { ($0.value["tags"]?.items.compactMap(\.string) ?? []).contains(tag.name) }
            guard !members.isEmpty else { continue }
            page += "<section><h2 id=\"tag-\(escape(tag.name))\">\(escape(tag.name))</h2>\(markdown(tag.description))"
            for operation in members { page += render(operation) }
            page += "</section>"
        }
        page += "<section><h2 id=\"schemas\">Schemas</h2>"
        for (name, schema) in spec["components"]?["schemas"]?.pairs ?? [] {
            page += "<article class=\"schema\"><h3 id=\"schema-\(escape(name))\">\(escape(name))</h3>"
            page += render(schema: schema)
            page += "</article>"
        }
        page += "</section>"
        if let webhooks = spec["webhooks"] {
            page += "<section><h2 id=\"webhooks\">Webhook messages</h2>"
            for (name, item) in webhooks.pairs {
                for method in Self.methods {
                    guard let value = item[method] else { continue }
                    page += render(Operation(method: method, path: name, value: value, pathParameters: []))
                }
            }
            page += "</section>"
        }
        return page + "</main></body></html>\n"
    }

    func render(_ operation: Operation) -> String {
        let value = operation.value
        var html = """
            <article class="op" id="op-\(escape(operation.id))">
            <h3><span class="m \(operation.method)">\(operation.method.uppercased())</span> <code>\(escape(operation.path))</code></h3>
            <p class="summary">\(escape(value["summary"]?.string ?? "")) <span class="muted">(\(escape(operation.id)))</span></p>
            """
        html += markdown(value["description"]?.string ?? "")
        html += "<p class=\"muted\">Authentication: \(escape(security(of: value)))</p>"
        let parameters = (operation.pathParameters + (value["parameters"]?.items ?? [])).map(resolve)
        if !parameters.isEmpty {
            html += "<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr>"
            for parameter in parameters {
                let required = parameter["required"]?.string == "true" ? " <b>required</b>" : ""
                html +=
                    "<tr><td><code>\(escape(parameter["name"]?.string ?? ""))</code>\(required)</td>"
                    + "<td>\(escape(parameter["in"]?.string ?? ""))</td>"
                    + "<td>\(type(of: parameter["schema"]))</td>"
                    + "<td>\(markdown(parameter["description"]?.string ?? "", inline: true))</td></tr>"
            }
            html += "</table>"
        }
        if let body = value["requestBody"].map(resolve) {
            let required = body["required"]?.string == "true" ? " (required)" : ""
            html += "<h4>Request body\(required)</h4>" + markdown(body["description"]?.string ?? "")
            html += render(content: body["content"])
        }
        if let responses = value["responses"] {
            html += "<h4>Responses</h4>"
            for (status, response) in responses.pairs {
                let resolved = resolve(response)
                html +=
                    "<div class=\"resp\"><p><span class=\"status s\(status.prefix(1))\">\(escape(status))</span> "
                    + "\(markdown(resolved["description"]?.string ?? "", inline: true))</p>"
                let headers = resolved["headers"]?.pairs ?? []
                if !headers.isEmpty {
                    html += "<p class=\"muted\">Headers: "
                    html += headers.map { "<code>\(escape($0.key))</code>" }.joined(separator: ", ") + "</p>"
                }
                html += render(content: resolved["content"]) + "</div>"
            }
        }
        return html + "</article>"
    }

    func render(content: SpecValue?) -> String {
        var html = ""
        for (mediaType, media) in content?.pairs ?? [] {
            html += "<p class=\"muted\"><code>\(escape(mediaType))</code>: \(type(of: media["schema"]))</p>"
            if let example = media["example"] {
                html += "<pre>\(escape(example.json()))</pre>"
            }
            for (name, example) in media["examples"]?.pairs ?? [] {
                let resolved = resolve(example)
                html += "<p class=\"muted\">Example <i>\(escape(resolved["summary"]?.string ?? name))</i></p>"
                if let value = resolved["value"] { html += "<pre>\(escape(value.json()))</pre>" }
            }
        }
        return html
    }

    func render(schema: SpecValue) -> String {
        var html = markdown(schema["description"]?.string ?? "")
        html += "<p class=\"muted\">\(type(of: schema))</p>"
        let required = Set(schema["required"]?.items.compactMap(\.string) ?? [])
        let properties = schema["properties"]?.pairs ?? []
        if !properties.isEmpty {
            html += "<table><tr><th>field</th><th>type</th><th>description</th></tr>"
            for (name, property) in properties {
                let mark = required.contains(name) ? " <b>required</b>" : ""
                html +=
                    "<tr><td><code>\(escape(name))</code>\(mark)</td><td>\(type(of: property))</td>"
                    + "<td>\(markdown(property["description"]?.string ?? "", inline: true))</td></tr>"
            }
            html += "</table>"
        }
        if let example = schema["example"] { html += "<pre>\(escape(example.json()))</pre>" }
        return html
    }

    /// A schema's type in a few words, linking referenced schemas.
    func type(of schema: SpecValue?) -> String {
        guard let schema else { return "any" }
        if let reference = schema["$ref"]?.string {
            let name = String(reference.split(separator: "/").last ?? "")
            return "<a href=\"#schema-\(escape(name))\">\(escape(name))</a>"
        }
        for combiner in ["oneOf", "anyOf", "allOf"] {
            if let options = schema[combiner]?.items, !options.isEmpty {
                let joiner = combiner == "allOf" ? " and " : " or "
                return options.map { type(of: $0) }.joined(separator: joiner)
            }
        }
        var text: String
        switch schema["type"] {
        case .list(let types): text = types.compactMap(\.string).joined(separator: " or ")
        case let value?: text = value.string ?? "object"
        case nil: text = schema["properties"] != nil ? "object" : "any"
        }
        if text == "array" { text = "array of " + type(of: schema["items"]) }
        if let format = schema["format"]?.string { text += " (\(escape(format)))" }
        if let values = schema["enum"]?.items, !values.isEmpty {
            text += ": " + values.map { "<code>\(escape($0.string ?? ""))</code>" }.joined(separator: ", ")
        }
        var bounds: [String] = []
        for (key, label) in [("minimum", "≥"), ("maximum", "≤"), ("minLength", "length ≥"), ("maxLength", "length ≤")] {
            if let bound = schema[key]?.string { bounds.append("\(label) \(escape(bound))") }
        }
        if !bounds.isEmpty { text += " [" + bounds.joined(separator: ", ") + "]" }
        return text
    }

    /// The scheme, with the scope a key needs (`tenantKey (scope write)`).
    func security(of operation: SpecValue) -> String {
        let requirements = operation["security"] ?? spec["security"]
        let names: [String] =
            requirements?.items.flatMap { requirement in
                requirement.pairs.map { pair -> String in
                    let scopes = pair.value.items.compactMap(\.string)
                    return scopes.isEmpty ? pair.key : "\(pair.key) (scope \(scopes.joined(separator: ", ")))"
                }
            } ?? []
        return names.isEmpty ? "none" : names.joined(separator: " or ")
    }

    /// Follows a local `$ref` (`#/components/…`) to what it names.
    func resolve(_ value: SpecValue) -> SpecValue {
        guard let reference = value["$ref"]?.string, reference.hasPrefix("#/") else { return value }
        var current: SpecValue? = spec
        for part in reference.dropFirst(2).split(separator: "/") { current = current?[String(part)] }
        return current ?? value
    }

    /// The little Markdown the spec's descriptions use: paragraphs, `-` lists, `##` headings,
    /// `code` and **bold**. Everything else is shown as text.
    func markdown(_ text: String, inline: Bool = false) -> String {
        if inline { return spans(escape(text)) }
        var html = ""
        var paragraph: [String] = []
        var inList = false
        func flush() {
            if !paragraph.isEmpty { html += "<p>" + spans(escape(paragraph.joined(separator: " "))) + "</p>" }
            paragraph = []
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("- ") {
                flush()
                if !inList { html += "<ul>" }
                inList = true
                html += "<li>" + spans(escape(String(line.dropFirst(2)))) + "</li>"
            } else if inList && !line.isEmpty && raw.hasPrefix("  ") {
                // A list item continued on the next line.
                html = String(html.dropLast(5)) + " " + spans(escape(line)) + "</li>"
            } else {
                if inList {
                    html += "</ul>"
                    inList = false
                }
                if line.hasPrefix("#") {
                    flush()
                    html +=
                        "<h4>" + spans(escape(line.drop(while: { $0 == "#" }).trimmingCharacters(in: .whitespaces)))
                        + "</h4>"
                } else if line.isEmpty {
                    flush()
                } else {
                    paragraph.append(line)
                }
            }
        }
        flush()
        if inList { html += "</ul>" }
        return html
    }

    func spans(_ escaped: String) -> String {
        var result = ""
        var inCode = false
        var inBold = false
        var rest = Substring(escaped)
        while let first = rest.first {
            if first == "`" {
                result += inCode ? "</code>" : "<code>"
                inCode.toggle()
                rest = rest.dropFirst()
            } else if !inCode && rest.hasPrefix("**") {
                result += inBold ? "</b>" : "<b>"
                inBold.toggle()
                rest = rest.dropFirst(2)
            } else {
                result.append(first)
                rest = rest.dropFirst()
            }
        }
        if inCode { result += "</code>" }
        if inBold { result += "</b>" }
        return result
    }

    func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }

    static let style = """
        body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2330;display:flex}
        nav{width:360px;flex:none;height:100vh;overflow:auto;position:sticky;top:0;background:#f4f6f9;padding:12px 16px;box-sizing:border-box;font-size:13px}
        nav ul{list-style:none;padding:0;margin:0 0 8px}nav li{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}nav a{color:#1d2330;text-decoration:none}nav h3{margin:12px 0 4px}
        main{flex:1;max-width:980px;padding:16px 32px}
        code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
        pre{background:#f4f6f9;padding:10px;overflow:auto;border-radius:4px}
        table{border-collapse:collapse;width:100%;margin:6px 0}td,th{border:1px solid #dde2ea;padding:4px 8px;text-align:left;vertical-align:top}
        .op,.schema{border-top:1px solid #dde2ea;padding-top:8px;margin-top:16px}
        .m{display:inline-block;min-width:52px;text-align:center;border-radius:3px;color:#fff;font-size:12px;font-weight:600;padding:1px 4px}
        .get{background:#2f7d32}.post{background:#1f5fbf}.put{background:#a86b00}.patch{background:#6b4fbb}.delete{background:#b3261e}
        .status{font-weight:600;font-family:ui-monospace,monospace}.s2{color:#2f7d32}.s4{color:#a86b00}.s5{color:#b3261e}
        .muted{color:#5b6475}.summary{font-weight:600}
        """
}

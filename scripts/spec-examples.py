#!/usr/bin/env python3
"""The API contract's examples check (`make spec-lint`).

Tenants' developers generate clients from openapi/openapi.yaml and copy its examples, so every
example must be true to its schema. This validates, with JSON Schema Draft 2020-12 (the dialect
of OpenAPI 3.1) and `$ref`s resolved within the document:
  - every media-type `example` and `examples[*].value` (requests, responses, shared error
    responses, outbound webhook messages), against the media type's schema;
  - every parameter and header `example` / `examples[*].value`, against its schema;
  - every schema-level `example` (components and inline schemas, at any depth), against the
    schema it sits on.
Formats are asserted as the server writes them: `uuid` lowercase, `date-time` RFC 3339 in UTC
(`Z`), `date` YYYY-MM-DD, `int32`/`int64` in range, `email`, `uri`. An unquoted YAML date
(which YAML reads as a date, not a string) is reported as such.

It also fails when the contract is incomplete (issue 9, "Spec quality"):
  - an operation (under `paths:` or `webhooks:`) without operationId, summary, description or
    tags, or a `paths:` operation without its own `security` (tenant `/v1` operations exactly
    `tenantKey`, operator `/admin` ones exactly `operatorToken`);
  - a request body or a 2xx response with content but no example;
  - a shared error response (`#/components/responses/...`) without an example, or a problem
    example whose `status` is not the status it is used under, or whose `type` is not
    `/problems/<code>` with a code the `Problem` schema lists.

Before checking the spec it checks itself: a copy of the spec with one example broken and one
removed must fail. Prints every finding; exits 1 if there is any.
"""
import copy
import datetime
import re
import sys
from urllib.parse import quote, urlparse

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC = "openapi/openapi.yaml"
BASE = "https://jifen.invalid/openapi.yaml"  # the document's URI while resolving its `$ref`s
METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
JSON_MEDIA = re.compile(r"^application/([a-z0-9.+-]+\+)?json$")

# Keywords whose value is a schema, a list of schemas or a map of schemas (JSON Schema 2020-12).
SCHEMA_ONE = ("items", "additionalProperties", "not", "contains", "if", "then", "else",
              "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema")
SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_MAP = ("properties", "patternProperties", "$defs", "dependentSchemas")

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

formats = FormatChecker(formats=())


@formats.checks("uuid")
def is_uuid(value):
    return not isinstance(value, str) or bool(UUID.match(value))


@formats.checks("date-time")
def is_date_time(value):
    if not isinstance(value, str):
        return True
    if not DATE_TIME.match(value):
        return False
    try:
        datetime.datetime.fromisoformat(re.sub(r"\.\d+Z$|Z$", "+00:00", value))
    except ValueError:
        return False
    return True


@formats.checks("date")
def is_date(value):
    if not isinstance(value, str):
        return True
    try:
        return bool(DATE.match(value)) and bool(datetime.date.fromisoformat(value))
    except ValueError:
        return False


@formats.checks("int64")
def is_int64(value):
    return not isinstance(value, int) or -(2**63) <= value < 2**63


@formats.checks("int32")
def is_int32(value):
    return not isinstance(value, int) or -(2**31) <= value < 2**31


@formats.checks("email")
def is_email(value):
    return not isinstance(value, str) or bool(EMAIL.match(value))


@formats.checks("uri")
def is_uri(value):
    if not isinstance(value, str):
        return True
    parts = urlparse(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


def pointer(path):
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def where(path):
    """A location people can find in the YAML: `paths /v1/orders post ... example`."""
    return " ".join(str(p) for p in path)


# The key scopes (docs/security.md, Key scopes): each /v1 operation names exactly one.
SCOPES = {"read", "write", "webhooks", "imports", "admin"}


class Checker:
    def __init__(self, spec):
        self.spec = spec
        self.registry = Registry().with_resource(BASE, Resource.from_contents(spec, DRAFT202012))
        self.findings = []
        self.counts = {"media type": 0, "parameter/header": 0, "schema": 0}
        self.shared_uses = set()  # (shared response, status): its status is checked once

    def fail(self, path, message):
        self.findings.append(f"{where(path)}: {message}")

    def resolve(self, value):
        """Follows local `$ref`s (`#/components/...`) to what they name."""
        seen = 0
        while isinstance(value, dict) and isinstance(value.get("$ref"), str) and value["$ref"].startswith("#/"):
            node = self.spec
            for part in value["$ref"][2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(node, dict) or part not in node:
                    return None
                node = node[part]
            value, seen = node, seen + 1
            if seen > 20:
                return None
        return value

    # Validating one example -------------------------------------------------------------------

    def validate(self, schema_path, value, example_path):
        unquoted = list(non_json(value))
        for inner, kind in unquoted:
            self.fail(example_path + inner, f"YAML read this as a {kind}, not a string: quote it")
        if unquoted:
            return
        ref = {"$ref": BASE + "#" + quote(pointer(schema_path), safe="/~")}
        validator = Draft202012Validator(ref, registry=self.registry, format_checker=formats)
        for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
            at = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path) or "(root)"
            self.fail(example_path, f"{at}: {error.message}")

    def examples_of(self, holder, path, kind):
        """The `example` and `examples[*].value` of a media type, parameter or header; checks
        them against its `schema` and returns the example values."""
        found = []
        if "example" in holder and "examples" in holder:
            self.fail(path, "has both `example` and `examples` (OpenAPI allows one)")
        if "schema" not in holder:
            if "example" in holder or "examples" in holder:
                self.fail(path, "has examples but no schema to check them against")
            return found
        if "example" in holder:
            self.validate(path + ["schema"], holder["example"], path + ["example"])
            found.append(holder["example"])
            self.counts[kind] += 1
        for name, example in (holder.get("examples") or {}).items():
            resolved = self.resolve(example)
            if not isinstance(resolved, dict) or "value" not in resolved:
                self.fail(path + ["examples", name], "has no `value` (or an unresolvable `$ref`)")
                continue
            self.validate(path + ["schema"], resolved["value"], path + ["examples", name, "value"])
            found.append(resolved["value"])
            self.counts[kind] += 1
        return found

    # Walking the document -------------------------------------------------------------------

    def schema(self, schema, path):
        """Schema-level `example`s, in this schema and every subschema."""
        if not isinstance(schema, dict):
            return
        if "example" in schema:
            self.validate(path, schema["example"], path + ["example"])
            self.counts["schema"] += 1
        if isinstance(schema.get("examples"), list):
            for index, value in enumerate(schema["examples"]):
                self.validate(path, value, path + ["examples", index])
                self.counts["schema"] += 1
        for key in SCHEMA_ONE:
            if isinstance(schema.get(key), dict):
                self.schema(schema[key], path + [key])
        for key in SCHEMA_LIST:
            for index, sub in enumerate(schema.get(key) or []):
                self.schema(sub, path + [key, index])
        for key in SCHEMA_MAP:
            for name, sub in (schema.get(key) or {}).items():
                self.schema(sub, path + [key, name])

    def content(self, content, path):
        """Checks each media type's examples; returns {media type: [example values]}."""
        found = {}
        for media, holder in (content or {}).items():
            if not isinstance(holder, dict):
                continue
            found[media] = self.examples_of(holder, path + [media], "media type")
            if "schema" in holder:
                self.schema(holder["schema"], path + [media, "schema"])
        return found

    def parameter_like(self, holder, path):
        if "$ref" in holder:
            return  # checked where it is defined, under components
        self.examples_of(holder, path, "parameter/header")
        if "schema" in holder:
            self.schema(holder["schema"], path + ["schema"])
        if "content" in holder:
            self.content(holder["content"], path + ["content"])

    def problem_codes(self):
        schemas = (self.spec.get("components") or {}).get("schemas") or {}
        description = schemas.get("Problem", {}).get("description", "")
        listed = description.split("followed by:", 1)[-1]
        return set(re.findall(r"`([a-z][a-z0-9-]*)`", listed))

    def problem_examples(self, values, status, path, check_type=True):
        codes = self.problem_codes()
        for value in values:
            if not isinstance(value, dict):
                continue
            kind = str(value.get("type", ""))
            code = kind.removeprefix("/problems/")
            if check_type and (not kind.startswith("/problems/") or code not in codes):
                self.fail(path, f"problem type {kind!r} is not /problems/<code> with a code the Problem schema lists")
            if status.isdigit() and value.get("status") != int(status):
                self.fail(path, f"problem status {value.get('status')!r} but used as the {status} response")

    def response(self, response, status, path, require_example):
        shared = isinstance(response, dict) and "$ref" in response
        resolved = self.resolve(response)
        if not isinstance(resolved, dict):
            self.fail(path, "unresolvable response")
            return
        if not shared:
            for name, header in (resolved.get("headers") or {}).items():
                if isinstance(header, dict):
                    self.parameter_like(header, path + ["headers", name])
            found = self.content(resolved.get("content"), path + ["content"])
            if require_example:
                for media, values in found.items():
                    if not values:
                        self.fail(path + ["content", media], "a success response without an example")
        else:
            found = {media: [] for media in (resolved.get("content") or {})}
            for media, holder in (resolved.get("content") or {}).items():
                resolved_holder = holder if isinstance(holder, dict) else {}
                if "example" in resolved_holder:
                    found[media].append(resolved_holder["example"])
                for example in (resolved_holder.get("examples") or {}).values():
                    example = self.resolve(example)
                    if isinstance(example, dict) and "value" in example:
                        found[media].append(example["value"])
        if shared:
            if (response["$ref"], status) in self.shared_uses:
                return
            self.shared_uses.add((response["$ref"], status))
        for media, values in found.items():
            if media == "application/problem+json":
                # A shared response's types are checked once, where it is defined; here, its status.
                where_used = [f"-> {response['$ref']}"] if shared else ["content", media]
                self.problem_examples(values, status, path + where_used, check_type=not shared)

    def operation(self, operation, path, kind, route):
        for key in ("operationId", "summary", "description"):
            if not isinstance(operation.get(key), str) or not operation[key].strip():
                self.fail(path, f"no {key}")
        if not operation.get("tags"):
            self.fail(path, "no tags")
        if kind == "paths":
            security = operation.get("security")
            if security is None:
                self.fail(path, "no security of its own (generated clients read only the operation's)")
            elif route.startswith("/v1/") and not (
                len(security) == 1
                and list(security[0]) == ["tenantKey"]
                and len(security[0]["tenantKey"]) == 1
                and security[0]["tenantKey"][0] in SCOPES
            ):
                self.fail(path, f"security {security!r}, not [{{tenantKey: [<one scope>]}}] like every /v1 operation")
            elif route.startswith("/v1/") and "403" not in operation.get("responses", {}):
                self.fail(path, "no 403 (a key without the operation's scope)")
            elif route.startswith("/admin/") and security != [{"operatorToken": []}]:
                self.fail(path, f"security {security!r}, not [{{operatorToken: []}}] like every /admin operation")
        for index, parameter in enumerate(operation.get("parameters") or []):
            if isinstance(parameter, dict):
                self.parameter_like(parameter, path + ["parameters", index])
        body = operation.get("requestBody")
        if isinstance(body, dict):
            body_path = path + ["requestBody"]
            resolved = self.resolve(body)
            if "$ref" not in body and isinstance(resolved, dict):
                found = self.content(resolved.get("content"), body_path + ["content"])
                for media, values in found.items():
                    if not values:
                        self.fail(body_path + ["content", media], "a request body without an example")
        for status, response in (operation.get("responses") or {}).items():
            status = str(status)
            self.response(response, status, path + ["responses", status], status.startswith("2"))

    def run(self):
        spec = self.spec
        for section in ("paths", "webhooks"):
            for route, item in (spec.get(section) or {}).items():
                if not isinstance(item, dict):
                    continue
                for index, parameter in enumerate(item.get("parameters") or []):
                    if isinstance(parameter, dict):
                        self.parameter_like(parameter, [section, route, "parameters", index])
                for method in METHODS:
                    if isinstance(item.get(method), dict):
                        self.operation(item[method], [section, route, method], section, route)
        components = spec.get("components") or {}
        for name, schema in (components.get("schemas") or {}).items():
            self.schema(schema, ["components", "schemas", name])
        for group in ("parameters", "headers"):
            for name, holder in (components.get(group) or {}).items():
                if isinstance(holder, dict):
                    self.parameter_like(holder, ["components", group, name])
        for name, body in (components.get("requestBodies") or {}).items():
            found = self.content((body or {}).get("content"), ["components", "requestBodies", name, "content"])
            for media, values in found.items():
                if not values:
                    self.fail(["components", "requestBodies", name, "content", media],
                              "a request body without an example")
        for name, response in (components.get("responses") or {}).items():
            path = ["components", "responses", name]
            for header_name, header in ((response or {}).get("headers") or {}).items():
                if isinstance(header, dict):
                    self.parameter_like(header, path + ["headers", header_name])
            found = self.content((response or {}).get("content"), path + ["content"])
            for media, values in found.items():
                if not values:
                    self.fail(path + ["content", media], "a shared error response without an example")
                if media == "application/problem+json":
                    # The status is checked where the response is used; here, only the type.
                    self.problem_examples(values, "", path + ["content", media])
        return self.findings


def non_json(value, path=()):
    """Values YAML produced that JSON has no form for (unquoted dates and timestamps)."""
    if isinstance(value, datetime.datetime):
        yield list(path), "timestamp"
    elif isinstance(value, datetime.date):
        yield list(path), "date"
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from non_json(inner, path + (key,))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from non_json(inner, path + (index,))


def self_test(spec):
    """The check must be able to fail: break one example and remove another in a copy."""
    broken = copy.deepcopy(spec)
    target = None
    for item in broken["paths"].values():
        for method in METHODS:
            body = (item.get(method) or {}).get("requestBody") or {}
            media = (body.get("content") or {}).get("application/json") or {}
            if isinstance(media.get("example"), dict):
                target = media
                break
        if target:
            break
    assert target is not None, "self-test: no request example to break"
    target["example"] = 12345
    assert any("is not of type" in f for f in Checker(broken).run()), "a broken example went unnoticed"
    missing = copy.deepcopy(spec)
    for item in missing["paths"].values():
        for method in METHODS:
            for response in ((item.get(method) or {}).get("responses") or {}).values():
                media = (response.get("content") or {}).get("application/json") or {}
                media.pop("example", None)
                media.pop("examples", None)
    assert any("without an example" in f for f in Checker(missing).run()), "a missing example went unnoticed"


def main():
    try:
        with open(SPEC) as file:
            spec = yaml.safe_load(file)
    except yaml.YAMLError as error:
        sys.exit(f"{SPEC} is not valid YAML: {error}")
    self_test(spec)
    checker = Checker(spec)
    findings = checker.run()
    if findings:
        print(f"{SPEC}: {len(findings)} problem(s) with examples or completeness:", file=sys.stderr)
        for finding in findings:
            print(f"  - {finding}", file=sys.stderr)
        sys.exit(1)
    counts = checker.counts
    print(f"{SPEC}: {counts['media type']} media-type, {counts['parameter/header']} parameter/header and "
          f"{counts['schema']} schema examples match their schemas; every operation is complete")


if __name__ == "__main__":
    main()

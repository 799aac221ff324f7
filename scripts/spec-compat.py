#!/usr/bin/env python3
"""The API contract's compatibility check (`make spec-lint`).

Compares openapi/openapi.yaml with openapi/released.yaml, the contract as last released
(`make release-spec` records it). Fails when
  - the spec changed but `info.version` did not go up, or
  - something a client may rely on was removed or tightened (an operation, a response status, a
    parameter, a schema or one of its properties or enum values, a newly required request field
    or parameter) without a breaking-change bump: the major version from 1.0.0 on, the minor
    version before (semver's 0.x rule).
Additions never fail. Prints every finding.
"""
import sys

import yaml

CURRENT, RELEASED = "openapi/openapi.yaml", "openapi/released.yaml"
METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


def load(path):
    with open(path) as file:
        return yaml.safe_load(file)


def version(spec):
    parts = str(spec["info"]["version"]).split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        sys.exit(f"info.version must be MAJOR.MINOR.PATCH, not {spec['info']['version']!r}")
    return tuple(int(p) for p in parts)


def operations(spec):
    for path, item in (spec.get("paths") or {}).items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation, shared + operation.get("parameters", [])


def param_key(parameter):
    return parameter.get("$ref") or f"{parameter.get('in')}:{parameter.get('name')}"


def required_params(parameters, spec):
    required = set()
    for parameter in parameters:
        resolved = parameter
        if "$ref" in parameter:
            resolved = spec["components"]["parameters"][parameter["$ref"].split("/")[-1]]
        if resolved.get("required"):
            required.add(param_key(parameter))
    return required


def breaking_changes(old, new):
    found = []
    new_ops = {key: (op, params) for key, op, params in operations(new)}
    for key, op, params in operations(old):
        if key not in new_ops:
            found.append(f"operation {key} removed")
            continue
        new_op, new_params = new_ops[key]
        for status in op.get("responses", {}):
            if status not in new_op.get("responses", {}):
                found.append(f"{key}: response {status} removed")
        old_keys, new_keys = {param_key(p) for p in params}, {param_key(p) for p in new_params}
        for missing in sorted(old_keys - new_keys):
            found.append(f"{key}: parameter {missing} removed")
        for tightened in sorted(required_params(new_params, new) - required_params(params, old) - (new_keys - old_keys)):
            found.append(f"{key}: parameter {tightened} became required")
        for added in sorted((new_keys - old_keys) & required_params(new_params, new)):
            found.append(f"{key}: new required parameter {added}")
    old_schemas = (old.get("components") or {}).get("schemas") or {}
    new_schemas = (new.get("components") or {}).get("schemas") or {}
    for name, schema in old_schemas.items():
        if name not in new_schemas:
            found.append(f"schema {name} removed")
            continue
        found += schema_changes(name, schema, new_schemas[name])
    return found


def schema_changes(where, old, new):
    found = []
    if not isinstance(old, dict) or not isinstance(new, dict):
        return found
    for prop, old_prop in (old.get("properties") or {}).items():
        new_props = new.get("properties") or {}
        if prop not in new_props:
            found.append(f"{where}.{prop} removed")
        else:
            found += schema_changes(f"{where}.{prop}", old_prop, new_props[prop])
    if "enum" in old and "enum" in new:
        for value in old["enum"]:
            if value not in new["enum"]:
                found.append(f"{where}: enum value {value!r} removed")
    newly_required = set(new.get("required") or []) - set(old.get("required") or [])
    # A field the server now always returns is an addition; one clients must now send is not.
    if newly_required and (old.get("additionalProperties") is False or where.endswith("Input")):
        for field in sorted(newly_required):
            found.append(f"{where}: {field} became required")
    for key in ("items", "additionalProperties"):
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            found += schema_changes(f"{where}[{key}]", old[key], new[key])
    return found


def self_test():
    """The check itself must be able to fail: remove a field from the released spec and expect it
    to be caught unless the version says so."""
    import copy

    old = load(RELEASED)
    new = copy.deepcopy(old)
    schema = next(s for s in new["components"]["schemas"].values() if s.get("properties"))
    schema["properties"].pop(next(iter(schema["properties"])))
    assert breaking_changes(old, new), "a removed property went unnoticed"
    new["paths"].pop(next(iter(new["paths"])))
    assert any("operation" in c for c in breaking_changes(old, new)), "a removed operation went unnoticed"
    assert breaking_changes(old, copy.deepcopy(old)) == [], "an unchanged spec reported changes"
    print("spec-compat self-test: ok")


def main():
    if "--self-test" in sys.argv:
        return self_test()
    new, old = load(CURRENT), load(RELEASED)
    new_version, old_version = version(new), version(old)
    problems = []
    if new != old and new_version <= old_version:
        problems.append(f"the spec changed since {'.'.join(map(str, old_version))} but info.version was not raised")
    breaking = breaking_changes(old, new)
    if breaking:
        bumped = new_version[0] > old_version[0] if old_version[0] >= 1 else new_version[:2] > old_version[:2]
        if not bumped:
            problems.append("breaking changes without a breaking-change version bump:")
            problems += [f"  - {change}" for change in breaking]
        else:
            print("breaking changes, covered by the version bump:", *breaking, sep="\n  - ")
    if problems:
        print(f"{CURRENT} against {RELEASED}:", *problems, sep="\n", file=sys.stderr)
        sys.exit(1)
    print(f"{CURRENT} {'.'.join(map(str, new_version))}: compatible with the released "
          f"{'.'.join(map(str, old_version))}")


if __name__ == "__main__":
    main()

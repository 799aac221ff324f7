#!/usr/bin/env python3
"""Checks the Markdown manual (README.md, docs/, CHANGELOG.md, BENCHMARKS.md) in `make test`:

- every relative link points at a file or directory of the repository, and every `#anchor`
  (in the same file or another Markdown file) at a heading there (GitHub's slugs);
- every JSON body of a curl example (`-d '…'` in a code block) parses, so an example a reader
  copies is at least well-formed.

Prints each problem with its file and line; exits 1 if there is any.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "BENCHMARKS.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
CURL_BODY = re.compile(r"-d\s+'(.*?)'", re.S)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, markup dropped, spaces to hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def main() -> int:
    problems: list[str] = []
    cache: dict[Path, set[str]] = {}
    checked_links = checked_bodies = 0
    for path in FILES:
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        fenced = False
        for number, line in enumerate(text.splitlines(), start=1):
            if line.lstrip().startswith("```"):
                fenced = not fenced
                continue
            if fenced:
                continue
            for target in LINK.findall(line):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                    continue
                checked_links += 1
                file_part, _, anchor = target.partition("#")
                resolved = (path.parent / file_part).resolve() if file_part else path
                where = f"{path.relative_to(ROOT)}:{number}"
                if not resolved.exists():
                    problems.append(f"{where}: link to a missing file: {target}")
                    continue
                if anchor and resolved.suffix == ".md":
                    known = cache.setdefault(resolved, anchors(resolved))
                    if anchor not in known:
                        problems.append(f"{where}: no heading for #{anchor} in {resolved.relative_to(ROOT)}")
        for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
            # A shell variable spliced into the body (`"start":"'$START'"`) stands for a value.
            block = re.sub(r"'\"?\$\{?[A-Za-z_][A-Za-z0-9_]*\}?\"?'", "value", block)
            for body in CURL_BODY.findall(block):
                if not body.lstrip().startswith(("{", "[")):
                    continue
                checked_bodies += 1
                try:
                    json.loads(body)
                except json.JSONDecodeError as error:
                    first = body.strip().splitlines()[0][:60]
                    problems.append(f"{path.relative_to(ROOT)}: a curl body does not parse ({error.msg}): {first}…")
    for problem in problems:
        print(f"FAIL {problem}")
    print(f"docs-links: {checked_links} relative links and {checked_bodies} curl bodies checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

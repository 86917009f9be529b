"""Label-selector syntax, used by --annotation-filter (external-dns applies it to annotations).

Supported: `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`,
joined by commas (all must hold). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

Predicate = Callable[[Mapping[str, str]], bool]

_SET = re.compile(r"^\s*([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQ = re.compile(r"^\s*([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)\s*$")
_EXISTS = re.compile(r"^\s*(!?)\s*([^\s!=(),]+)\s*$")


def _split(selector: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in selector:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p for p in parts if p.strip()]


def _in(key: str, values: frozenset[str], negate: bool) -> Predicate:
    return lambda d: (d.get(key) in values) != negate


def _equals(key: str, value: str, negate: bool) -> Predicate:
    return lambda d: (d.get(key) == value) != negate


def _exists(key: str, negate: bool) -> Predicate:
    return lambda d: (key in d) != negate


def parse(selector: str) -> Predicate:
    """A predicate over a key/value mapping; ValueError with the offending term when malformed."""
    tests: list[Predicate] = []
    for term in _split(selector):
        if m := _SET.match(term):
            values = frozenset(v.strip() for v in m.group(3).split(",") if v.strip())
            tests.append(_in(m.group(1), values, negate=m.group(2) == "notin"))
        elif m := _EQ.match(term):
            tests.append(_equals(m.group(1), m.group(3), negate=m.group(2) == "!="))
        elif m := _EXISTS.match(term):
            tests.append(_exists(m.group(2), negate=m.group(1) == "!"))
        else:
            raise ValueError(f"invalid selector term {term.strip()!r} in {selector!r}")
    return lambda d: all(t(d) for t in tests)

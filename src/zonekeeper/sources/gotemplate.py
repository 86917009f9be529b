"""The subset of Go's text/template that `--fqdn-template` is written in — pure.

What external-dns v0.23's FQDN documentation uses is supported: text, `{{ pipeline }}` with fields
(`.Name`, `.Labels.app`, `$.Name`, `$var.Field`), literals, parenthesised pipelines, `|` pipes,
`$x := …` variables, `if`/`else if`/`else`, `range` (one or two variables, `else`, `break`,
`continue`), `with`, `{{- -}}` trimming and comments; the functions `and or not eq ne lt le gt ge len
index print printf` and external-dns's `contains trimPrefix trimSuffix trim toLower replace isIPv4
isIPv6 isSource hasKey fromJson`. Anything else (`define`, `template`, `block`, `call`, other
functions) is refused when the template is parsed, with a message naming it.

Fields are looked up as Go would on a typed object, on our JSON-shaped data: the exact key, else the
key with its first letter (or every letter) in lower case (`.Spec.LoadBalancerIP`, `.Status.LoadBalancer`).
A missing map key prints as Go prints it, `<no value>`, which no hostname accepts.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class TemplateError(ValueError):
    """A template that cannot be parsed, or fails on one object."""


# --- lexing -------------------------------------------------------------------------------------

_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<decl>:=)
  | (?P<assign>=)
  | (?P<var>\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
  | (?P<field>(?:\.[A-Za-z0-9_]+)+|\.)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[()|,])
""", re.X)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise TemplateError(f"unexpected {text[pos:pos + 10]!r} in action {{{{{text}}}}}")
        pos = m.end()
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group()))
    return out


# --- the tree -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Operand:
    kind: str  # "field", "var", "lit", "func", "pipe"
    name: str = ""
    path: tuple[str, ...] = ()
    value: Any = None
    pipe: Pipeline | None = None


@dataclass(frozen=True, slots=True)
class Pipeline:
    commands: tuple[tuple[Operand, ...], ...]
    declare: tuple[str, ...] = ()
    assign: bool = False  # `$x = …` (not `:=`)


@dataclass(frozen=True, slots=True)
class Node:
    kind: str  # "text", "action", "if", "range", "with", "break", "continue"
    text: str = ""
    pipe: Pipeline | None = None
    body: tuple[Node, ...] = ()
    orelse: tuple[Node, ...] = ()


_FUNCS_KNOWN = frozenset({"and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len", "index", "print",
                          "printf", "contains", "trimPrefix", "trimSuffix", "trim", "toLower", "replace",
                          "isIPv4", "isIPv6", "isSource", "hasKey", "fromJson"})
_KEYWORDS = frozenset({"if", "else", "end", "range", "with", "break", "continue"})
_REFUSED = frozenset({"define", "template", "block", "call", "slice", "html", "js", "urlquery", "println"})


def _pipeline(tokens: list[tuple[str, str]]) -> Pipeline:
    declare: tuple[str, ...] = ()
    assign = False
    for i, (kind, _) in enumerate(tokens):
        if kind in ("decl", "assign"):
            names = [t[1] for t in tokens[:i] if t[0] == "var"]
            if not names or len(names) > 2 or any(t[0] not in ("var", "punct") for t in tokens[:i]):
                raise TemplateError("bad variable declaration")
            declare, assign, tokens = tuple(names), kind == "assign", tokens[i + 1:]
            break
    commands: list[tuple[Operand, ...]] = []
    current: list[Operand] = []
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "punct" and text == "|":
            if not current:
                raise TemplateError("missing command before '|'")
            commands.append(tuple(current))
            current = []
        elif kind == "punct" and text == "(":
            depth, j = 1, i + 1
            while j < len(tokens) and depth:
                depth += {"(": 1, ")": -1}.get(tokens[j][1], 0) if tokens[j][0] == "punct" else 0
                j += 1
            if depth:
                raise TemplateError("unclosed '('")
            inner = _pipeline(tokens[i + 1:j - 1])
            path: tuple[str, ...] = ()
            if j < len(tokens) and tokens[j][0] == "field" and tokens[j][1] != ".":
                path = tuple(tokens[j][1].split(".")[1:])
                j += 1
            current.append(Operand("pipe", pipe=inner, path=path))
            i = j
            continue
        else:
            current.append(_operand(kind, text))
        i += 1
    if current:
        commands.append(tuple(current))
    if not commands:
        raise TemplateError("missing value")
    return Pipeline(tuple(commands), declare, assign)


def _operand(kind: str, text: str) -> Operand:
    if kind == "field":
        return Operand("field", path=tuple(p for p in text.split(".") if p))
    if kind == "var":
        name, *path = text.split(".")
        return Operand("var", name=name, path=tuple(path))
    if kind == "str":
        return Operand("lit", value=json.loads(text))
    if kind == "raw":
        return Operand("lit", value=text[1:-1])
    if kind == "num":
        return Operand("lit", value=float(text) if "." in text else int(text))
    if kind == "ident":
        if text in ("true", "false"):
            return Operand("lit", value=text == "true")
        if text == "nil":
            return Operand("lit", value=None)
        if text in _REFUSED or text in _KEYWORDS:
            raise TemplateError(f"{text!r} is not supported by zonekeeper's --fqdn-template")
        if text not in _FUNCS_KNOWN:
            raise TemplateError(f"function {text!r} not defined")
        return Operand("func", name=text)
    raise TemplateError(f"unexpected {text!r}")


def _split(source: str) -> list[tuple[str, str]]:
    """("text", s) and ("action", s) pieces, with `{{-`/`-}}` trimming applied."""
    pieces: list[tuple[str, str]] = []
    pos = 0
    trim_next = False
    for m in _ACTION.finditer(source):
        text = source[pos:m.start()]
        if trim_next:
            text = text.lstrip()
        if m.group(1):
            text = text.rstrip()
        if text:
            pieces.append(("text", text))
        pieces.append(("action", m.group(2).strip()))
        trim_next = bool(m.group(3))
        pos = m.end()
    tail = source[pos:]
    if "{{" in tail:
        raise TemplateError("unclosed action")
    tail = tail.lstrip() if trim_next else tail
    if tail:
        pieces.append(("text", tail))
    return pieces


class _Parser:
    def __init__(self, pieces: list[tuple[str, str]]) -> None:
        self.pieces, self.i = pieces, 0

    def nodes(self, stops: tuple[str, ...]) -> tuple[tuple[Node, ...], str]:
        out: list[Node] = []
        while self.i < len(self.pieces):
            kind, text = self.pieces[self.i]
            self.i += 1
            if kind == "text":
                out.append(Node("text", text=text))
                continue
            word = text.split(None, 1)[0] if text else ""
            if text.startswith("/*"):
                continue
            if word in stops:
                return tuple(out), text
            out.append(self.action(word, text))
        if stops:
            raise TemplateError("unexpected EOF: missing {{end}}")
        return tuple(out), ""

    def action(self, word: str, text: str) -> Node:
        if word in ("if", "with", "range"):
            return self.block(word, text[len(word):])
        if word in ("break", "continue"):
            return Node(word)
        if word in ("end", "else"):
            raise TemplateError(f"unexpected {{{{{word}}}}}")
        if word in _REFUSED:
            raise TemplateError(f"{{{{{word}}}}} is not supported by zonekeeper's --fqdn-template")
        return Node("action", pipe=_pipeline(_tokens(text)))

    def block(self, word: str, rest: str) -> Node:
        pipe = _pipeline(_tokens(rest))
        body, stop = self.nodes(("end", "else"))
        orelse: tuple[Node, ...] = ()
        if stop.startswith("else"):
            chained = stop[4:].strip()
            if chained.startswith("if ") or chained.startswith("with "):
                nested = chained.split(None, 1)[0]
                orelse = (self.block(nested, chained[len(nested):]),)  # consumes the shared {{end}}
            elif chained:
                raise TemplateError(f"unexpected {{{{{stop}}}}}")
            else:
                orelse, _ = self.nodes(("end",))
        return Node(word, pipe=pipe, body=body, orelse=orelse)


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    nodes: tuple[Node, ...]


def parse(source: str) -> Template:
    """The template, or TemplateError saying what is wrong (the caller names the flag and template)."""
    try:
        nodes, _ = _Parser(_split(source)).nodes(())
    except RecursionError as exc:
        raise TemplateError("template nests too deeply") from exc
    return Template(source, nodes)


# --- execution ----------------------------------------------------------------------------------


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return value is not None and value != 0 and value != "" and not (isinstance(value, Mapping | list) and
                                                                       not value)


def text_of(value: Any) -> str:
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{text_of(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(text_of(v) for v in value) + "]"
    return str(value)


def field(value: Any, name: str) -> Any:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TemplateError(f"can't evaluate field {name} in a {type(value).__name__}")
    for key in (name, name[:1].lower() + name[1:], name.lower()):
        if key in value:
            return value[key]
    return None


def _index(value: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(value, Mapping):
            value = value.get(key, "")
        elif isinstance(value, list | tuple | str) and isinstance(key, int) and 0 <= key < len(value):
            value = value[key]
        else:
            raise TemplateError(f"index of {text_of(key)} out of range or not indexable")
    return value


_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "ne": lambda a, b: a != b, "lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
}


def _compare(op: str) -> Callable[..., bool]:
    def run(a: Any, *others: Any) -> bool:
        if op == "eq":
            return any(a == b for b in others)
        (b,) = others
        return bool(_ORDER[op](a, b))
    return run


def _printf(fmt: str, *args: Any) -> str:
    values = iter(args)

    def verb(m: re.Match[str]) -> str:
        if m.group() == "%%":
            return "%"
        return text_of(next(values, None))
    return re.sub(r"%[-+# 0]*\d*(?:\.\d+)?[svdtqfxX%]", verb, fmt)


def _from_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _ip(version: int) -> Callable[[str], bool]:
    def check(target: str) -> bool:
        try:
            address = ipaddress.ip_address(target)
        except ValueError:
            return False
        mapped = isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None
        return (address.version == 4) if version == 4 else (address.version == 6 or mapped)
    return check


_FUNCS: dict[str, Callable[..., Any]] = {
    "not": lambda v: not truth(v),
    "eq": _compare("eq"), "ne": _compare("ne"), "lt": _compare("lt"), "le": _compare("le"),
    "gt": _compare("gt"), "ge": _compare("ge"),
    "len": lambda v: len(v) if v is not None else 0,
    "index": _index,
    "print": lambda *a: "".join(text_of(v) for v in a),
    "printf": _printf,
    "contains": lambda s, sub: sub in s,
    "trimPrefix": lambda s, p: s[len(p):] if p and s.startswith(p) else s,
    "trimSuffix": lambda s, p: s[:-len(p)] if p and s.endswith(p) else s,
    "trim": lambda s: s.strip(),
    "toLower": lambda s: s.lower(),
    "replace": lambda old, new, s: s.replace(old, new),
    "isIPv4": _ip(4), "isIPv6": _ip(6),
    "hasKey": lambda m, k: isinstance(m, Mapping) and k in m,
    "fromJson": _from_json,
}


class _Run:
    def __init__(self, root: Any, source: str, known_sources: Sequence[str]) -> None:
        self.root, self.source, self.known = root, source, known_sources
        self.scopes: list[dict[str, Any]] = [{"$": root}]
        self.out: list[str] = []

    def var(self, name: str) -> Any:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        raise TemplateError(f"undefined variable {name}")

    def operand(self, op: Operand, dot: Any) -> Any:
        if op.kind == "lit":
            return op.value
        if op.kind == "field":
            value = dot
        elif op.kind == "var":
            value = self.var(op.name)
        elif op.kind == "func":  # a function as an argument is called without arguments, as in Go
            value = self.call(op.name, [], dot, ())
        else:
            assert op.pipe is not None
            value = self.pipeline(op.pipe, dot)
        for name in op.path:
            value = field(value, name)
        return value

    def call(self, name: str, args: list[Operand], dot: Any, piped: tuple[Any, ...]) -> Any:
        if name in ("and", "or"):
            # Short-circuit, as Go's: later arguments are not evaluated once the answer is known.
            result: Any = None
            for arg in [*args, *(Operand("lit", value=v) for v in piped)]:
                result = self.operand(arg, dot)
                if truth(result) != (name == "and"):
                    return result
            return result
        values = [self.operand(a, dot) for a in args] + list(piped)
        if name == "isSource":
            (want,) = values
            if str(want).lower() not in self.known:
                raise TemplateError(f"isSource: unknown source {want!r} (valid: {', '.join(self.known)})")
            return str(want).lower() == self.source.lower()
        try:
            return _FUNCS[name](*values)
        except TemplateError:
            raise
        except (TypeError, ValueError, AttributeError) as exc:
            raise TemplateError(f"error calling {name}: {exc}") from exc

    def pipeline(self, pipe: Pipeline, dot: Any) -> Any:
        value: tuple[Any, ...] = ()
        for command in pipe.commands:
            head, *args = command
            if head.kind == "func":
                value = (self.call(head.name, args, dot, value),)
            elif args or value:
                raise TemplateError("can't give an argument to a non-function")
            else:
                value = (self.operand(head, dot),)
        result = value[0]
        if pipe.declare:
            target = next((s for s in reversed(self.scopes) if pipe.declare[0] in s), None) if pipe.assign else None
            (target if target is not None else self.scopes[-1])[pipe.declare[-1]] = result
            return ""  # a declaration prints nothing
        return result

    def run(self, nodes: Sequence[Node], dot: Any) -> None:
        for node in nodes:
            self.node(node, dot)

    def scoped(self, nodes: Sequence[Node], dot: Any, names: dict[str, Any] | None = None) -> None:
        self.scopes.append(dict(names or {}))
        try:
            self.run(nodes, dot)
        finally:
            self.scopes.pop()

    def node(self, node: Node, dot: Any) -> None:
        if node.kind == "text":
            self.out.append(node.text)
        elif node.kind == "action":
            assert node.pipe is not None
            value = self.pipeline(node.pipe, dot)
            if not node.pipe.declare:
                self.out.append(text_of(value))
        elif node.kind == "break":
            raise _Break
        elif node.kind == "continue":
            raise _Continue
        elif node.kind == "range":
            self.range(node, dot)
        else:
            assert node.pipe is not None
            self.scopes.append({})
            try:
                value = self.pipeline(node.pipe, dot)
                if node.pipe.declare:
                    value = self.scopes[-1][node.pipe.declare[-1]]
                chosen = node.body if truth(value) else node.orelse
                self.scoped(chosen, value if node.kind == "with" and truth(value) else dot)
            finally:
                self.scopes.pop()

    def range(self, node: Node, dot: Any) -> None:
        assert node.pipe is not None
        pipe = Pipeline(node.pipe.commands)
        value = self.pipeline(pipe, dot)
        if isinstance(value, Mapping):
            items = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, list | tuple):
            items = list(enumerate(value))
        elif value is None:
            items = []
        else:
            raise TemplateError(f"range can't iterate over {text_of(value)}")
        if not items:
            self.scoped(node.orelse, dot)
            return
        names = node.pipe.declare
        for key, item in items:
            bound = {names[0]: key, names[1]: item} if len(names) == 2 else ({names[0]: item} if names else {})
            try:
                self.scoped(node.body, item, bound)
            except _Continue:
                continue
            except _Break:
                break


def execute(template: Template, root: Any, source: str = "", known_sources: Sequence[str] = ()) -> str:
    """The template's output for `root`; TemplateError when it fails on this data."""
    run = _Run(root, source, tuple(s.lower() for s in known_sources))
    try:
        run.run(template.nodes, root)
    except (_Break, _Continue) as exc:
        raise TemplateError("break or continue outside range") from exc
    except RecursionError as exc:
        raise TemplateError("template nests too deeply") from exc
    return "".join(run.out)

"""Kubernetes objects from YAML files: `--from-file PATH` (a file with one or many documents, a
`List`, or a directory of such files).

Files are hostile until proven otherwise. Each file, each document and each object is judged on its
own: a bad one becomes a Problem naming the path, the document (1-based, with its first line) and,
when it has one, the object, and everything else still loads. Parsing is bounded (see the limits
below, which every refusal names), so an alias bomb, a 100,000-deep nesting or a 5,000-digit number
costs milliseconds, never gigabytes, and never a traceback.

Documents are split at `---` lines as kubectl does, then read with libyaml (`yaml.CSafeLoader`):
its parser is iterative, and zonekeeper builds the Python objects from its events itself, checking
depth and alias expansion as it goes (PyYAML's own composer recurses, which ends in a segfault for
deep input, and it expands nothing, so an alias bomb only explodes later, in whoever walks it). The
scalars are resolved and constructed by PyYAML's SafeLoader rules, so values are what
`yaml.safe_load` gives.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from zonekeeper.endpoint import Problem
from zonekeeper.kube import resources
from zonekeeper.sources.objects import ObjectStore, resource_of

_SUFFIXES = (".yaml", ".yml", ".json")

# Limits. A kubectl dump of 10,000 Services with managed fields is about 40 MB in one `List` document.
MAX_FILE_BYTES = 128 * 2**20
MAX_DOCUMENT_BYTES = 64 * 2**20
# Nesting of mappings and sequences; Kubernetes objects need about a dozen levels.
MAX_DEPTH = 100
# Nodes reached through aliases (`*name`), counting every node of what each alias stands for.
MAX_ALIAS_NODES = 100_000

# Problem reasons. For UNREADABLE the objects it held are unknown, so nothing may be deleted on its
# account (see `deletions_unsafe`).
UNREADABLE = "UnreadableInput"
INVALID_OBJECT = "InvalidObject"


class ManifestError(Exception):
    """A --from-file path that does not exist: a mistake in the flags, not in a file."""


class _Refused(Exception):
    """A document that cannot be read; the message says why (and where)."""


def require_libyaml() -> None:
    if not getattr(yaml, "__with_libyaml__", False) or not hasattr(yaml, "CSafeLoader"):
        raise ManifestError(
            "--from-file needs PyYAML built with libyaml (yaml.CSafeLoader), for bounded and fast parsing; "
            "this PyYAML has none: install a PyYAML wheel (they bundle libyaml) or build it with libyaml-dev")


def deletions_unsafe(problems: Iterable[Problem]) -> bool:
    """True when some input could not be read at all: its records must not be deleted as unwanted."""
    return any(p.reason == UNREADABLE for p in problems)


def _files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and child.suffix in _SUFFIXES:
                yield child
    elif path.exists():
        yield path
    else:
        raise ManifestError(f"{path}: no such file or directory")


# --- text ---------------------------------------------------------------------------------------

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _text(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise _Refused(f"not valid {encoding} text: {exc.reason} at byte {exc.start}") from None
    nul = data.find(b"\0")
    if nul >= 0:
        raise _Refused(f"a binary file, not YAML (NUL byte at offset {nul})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _Refused(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}, line {line}); "
                       "Kubernetes manifests are UTF-8 (re-encode it, e.g. iconv -f latin1 -t utf-8)") from None


# kubectl (apimachinery's YAMLReader) splits a stream at lines starting with `---`.
_SEPARATOR = re.compile(r"^---(?=[ \t\r]|$)", re.MULTILINE)


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """(0-based first line, text) of each document's text."""
    starts = [m.start() for m in _SEPARATOR.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    line = 0
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        chunk = text[start:end]
        yield line, chunk
        line += chunk.count("\n")


# --- building objects from libyaml's events -----------------------------------------------------

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_STARTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


@dataclass(slots=True)
class _Open:
    """A mapping or sequence being built."""

    value: Any  # dict, or list
    anchor: str | None
    line: int
    nodes: int = 1  # nodes in it so far, aliases expanded
    height: int = 1  # levels in it, aliases expanded
    key: Any = None
    has_key: bool = False
    merges: list[Any] | None = None


class _Builder:
    """Python values from one chunk's events, checking the limits as they come."""

    def __init__(self, loader: Any, first_line: int) -> None:
        self.loader = loader
        self.first_line = first_line
        self.anchors: dict[str, tuple[Any, int, int]] = {}  # name -> (value, nodes, height)
        self.open_anchors: set[str] = set()
        self.stack: list[_Open] = []
        self.alias_nodes = 0
        self.cache: dict[tuple[str, bool], Any] = {}

    def where(self, event: Any) -> str:
        mark = event.start_mark
        return f"line {self.first_line + mark.line + 1}, column {mark.column + 1}"

    def scalar(self, event: Any) -> Any:
        tag = event.tag
        plain = event.implicit[0]
        if tag is None or tag == "!":
            if not plain:
                return event.value
            key = (event.value, True)
            if key in self.cache:
                return self.cache[key]
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        else:
            key = None
        if tag == _STR:
            value: Any = event.value
        elif tag == _MERGE:
            value = _MERGE_KEY
        else:
            construct = self.loader.yaml_constructors.get(tag)
            if construct is None or tag.startswith("tag:yaml.org,2002:python/"):
                raise _Refused(f"{self.where(event)}: the tag {tag} is not allowed in a Kubernetes object")
            node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
            try:
                value = construct(self.loader, node)
            except ValueError as exc:  # e.g. an integer beyond Python's 4,300-digit conversion limit
                why = str(exc).split(";")[0]  # not Python's advice to raise its limit
                raise _Refused(f"{self.where(event)}: the value {_short(event.value)} ({len(event.value):,} "
                               f"characters) cannot be read as {tag.rsplit(':', 1)[-1]}: {why}") from None
            if isinstance(value, list | dict | set):
                raise _Refused(f"{self.where(event)}: the tag {tag} is not allowed on a scalar")
        if key is not None:
            self.cache[key] = value
        return value

    def add(self, value: Any, nodes: int, height: int, event: Any) -> Any:
        """Put a finished value into the open collection; returns the document's root when done."""
        if not self.stack:
            return value
        parent = self.stack[-1]
        parent.nodes += nodes
        parent.height = max(parent.height, height + 1)
        if len(self.stack) + height > MAX_DEPTH:
            raise _Refused(f"{self.where(event)}: nested deeper than {MAX_DEPTH} levels (the limit, aliases expanded)")
        if isinstance(parent.value, list):
            parent.value.append(value)
        elif not parent.has_key:
            if value is _MERGE_KEY:
                parent.key, parent.has_key = value, True
                return None
            try:
                hash(value)
            except TypeError:
                raise _Refused(f"{self.where(event)}: a mapping key must be a scalar, got {_short(value)}") from None
            parent.key, parent.has_key = value, True
        else:
            if parent.key is _MERGE_KEY:
                parent.merges = (parent.merges or []) + (value if isinstance(value, list) else [value])
            else:
                parent.value[parent.key] = value
            parent.key, parent.has_key = None, False
        return None

    def start(self, event: Any) -> None:
        tag = event.tag
        mapping = isinstance(event, yaml.MappingStartEvent)
        if tag not in (None, "!", _MAP if mapping else _SEQ):
            raise _Refused(f"{self.where(event)}: the tag {tag} is not allowed in a Kubernetes object")
        if len(self.stack) + 1 > MAX_DEPTH:
            raise _Refused(f"{self.where(event)}: nested deeper than {MAX_DEPTH} levels (the limit)")
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Open({} if mapping else [], event.anchor, event.start_mark.line))

    def end(self, event: Any) -> Any:
        done = self.stack.pop()
        value = done.value
        if done.merges:
            for source in done.merges:
                if not isinstance(source, dict):
                    raise _Refused(f"{self.where(event)}: a merge key (<<) takes a mapping or a list of mappings")
                for k, v in source.items():
                    value.setdefault(k, v)
        if done.anchor is not None:
            self.open_anchors.discard(done.anchor)
            self.anchors[done.anchor] = (value, done.nodes, done.height)
        return self.add(value, done.nodes, done.height, event)

    def alias(self, event: Any) -> Any:
        name = event.anchor
        if name in self.open_anchors:
            raise _Refused(f"{self.where(event)}: the alias *{name} refers to a node that contains it")
        found = self.anchors.get(name)
        if found is None:
            raise _Refused(f"{self.where(event)}: the alias *{name} has no anchor &{name} before it")
        value, nodes, height = found
        self.alias_nodes += nodes
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise _Refused(f"{self.where(event)}: aliases expand to more than {MAX_ALIAS_NODES:,} nodes "
                           "(the limit; an alias bomb?)")
        return self.add(value, nodes, height, event)


_MERGE_KEY = object()


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return repr(text[:40] + "...") if len(text) > 40 else repr(text)


def _documents(chunk: str, first_line: int) -> Iterator[tuple[int, Any]]:
    """(0-based first line, value) of each document in one chunk; _Refused for a bad one."""
    loader = yaml.CSafeLoader(chunk)
    builder: _Builder | None = None
    doc_line = first_line
    root: Any = None
    try:
        while True:
            event: Any = loader.get_event()
            if event is None:
                return
            if isinstance(event, yaml.DocumentStartEvent):
                builder = _Builder(loader, first_line)
                mark = event.start_mark
                doc_line, root = first_line + (mark.line if mark is not None else 0), None
            elif builder is None:
                continue  # stream start and end
            elif isinstance(event, yaml.DocumentEndEvent):
                yield doc_line, root
                builder = None
            elif isinstance(event, yaml.ScalarEvent):
                value = builder.scalar(event)
                if event.anchor is not None:
                    builder.anchors[event.anchor] = (value, 1, 0)
                root = builder.add(value, 1, 0, event) if builder.stack else value
            elif isinstance(event, _STARTS):
                builder.start(event)
            elif isinstance(event, _ENDS):
                finished = builder.end(event)
                if not builder.stack:
                    root = finished
            elif isinstance(event, yaml.AliasEvent):
                value = builder.alias(event)
                if not builder.stack:
                    root = value
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"line {first_line + mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise _Refused(f"not valid YAML: {at}{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise _Refused(f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()


# --- objects ------------------------------------------------------------------------------------


def _describe(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    name, namespace = meta.get("name"), meta.get("namespace")
    what = str(obj.get("kind") or "object")
    if isinstance(name, str) and name:
        what += f" {namespace}/{name}" if isinstance(namespace, str) and namespace else f" {name}"
    return what


@dataclass(slots=True)
class _File:
    path: Path
    store: ObjectStore
    problems: list[Problem]

    def refuse(self, where: str, why: str) -> None:
        self.problems.append(Problem(str(self.path), UNREADABLE, f"{where}{why}" if where else why))

    def objects(self, doc: Any, where: str, add: Callable[[dict[str, Any], str], None]) -> None:
        if doc is None:
            return  # an empty document (a trailing `---`, say)
        if not isinstance(doc, dict):
            what = "a list" if isinstance(doc, list) else f"a {type(doc).__name__} value"
            self.refuse(where, f"{what}, not a Kubernetes object (a mapping with apiVersion and kind; "
                               "several objects go in a `kind: List` or in separate documents)")
            return
        kind = doc.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and "items" in doc:
            items = doc["items"]
            if not isinstance(items, list):
                self.refuse(where, f"{kind}: items is not a list")
                return
            for i, item in enumerate(items):
                self.objects(item, f"{where}items[{i}]: ", add)
            return
        add(doc, where)

    def add(self, obj: dict[str, Any], where: str) -> None:
        kind = obj.get("kind")
        if not isinstance(kind, str) or not kind or not isinstance(obj.get("apiVersion"), str):
            self.refuse(where, "an object without apiVersion and kind")
            return
        resource = resource_of(obj)
        if resource is None:
            return  # a Deployment or ConfigMap in the same file is fine
        what = _describe(obj)
        decoded, errors = resources.decode(resource, obj, prune=False)
        subject = str(self.path)
        for error in errors:
            self.problems.append(Problem(subject, INVALID_OBJECT, f"{where}{what}: {error}; the field is left out"))
        meta = decoded.get("metadata")
        if not isinstance(meta, dict) or not meta.get("name"):
            self.problems.append(Problem(subject, INVALID_OBJECT, f"{where}{what} without metadata.name skipped"))
            return
        if not meta.get("namespace") and kind != "Node":
            decoded["metadata"] = {**meta, "namespace": "default"}
        self.store.add(decoded, resource)


def _load_file(path: Path, store: ObjectStore, problems: list[Problem]) -> None:
    file = _File(path, store, problems)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            file.refuse("", f"{size:,} bytes, over the limit of {MAX_FILE_BYTES:,} bytes per file")
            return
        text = _text(path.read_bytes())
    except OSError as exc:
        file.refuse("", f"cannot be read: {exc.strerror or exc}")
        return
    except _Refused as exc:
        file.refuse("", str(exc))
        return
    index = 0
    for first_line, chunk in _chunks(text):
        if len(chunk) > MAX_DOCUMENT_BYTES or (4 * len(chunk) > MAX_DOCUMENT_BYTES
                                              and len(chunk.encode()) > MAX_DOCUMENT_BYTES):
            index += 1
            file.refuse(f"document {index} (line {first_line + 1}): ",
                        f"over the limit of {MAX_DOCUMENT_BYTES:,} bytes per document")
            continue
        documents = _documents(chunk, first_line)
        while True:
            try:
                found = next(documents, None)
            except _Refused as exc:
                index += 1
                file.refuse(f"document {index} (line {first_line + 1}): ", str(exc))
                break
            if found is None:
                break
            index += 1
            doc_line, doc = found
            file.objects(doc, f"document {index} (line {doc_line + 1}): ", file.add)


def load(paths: Iterable[str | Path]) -> tuple[ObjectStore, list[Problem]]:
    """Every object zonekeeper reads from the given paths, and a Problem for each file, document or
    object that could not be used (see the module docstring). Raises ManifestError only for a path
    that does not exist, or without libyaml."""
    require_libyaml()
    store = ObjectStore()
    problems: list[Problem] = []
    for raw in paths:
        for file in _files(Path(raw)):
            _load_file(file, store, problems)
    return store, problems

"""Kubernetes objects from YAML files: `--from-file PATH` (a file with one or many documents, a
`List`, or a directory of such files).

Files are hostile until proven otherwise. Each file, each document and each object is judged on its
own: a bad one becomes a Problem naming the path, the document (1-based, with its first line) and,
when it has one, the object, and everything else still loads. Parsing is bounded (see the limits
below, which every refusal names), so an alias bomb, a 100,000-deep nesting or a 5,000-digit number
costs milliseconds, never gigabytes, and never a traceback.

A file is read with libyaml (`yaml.CSafeLoader`) in one pass; when anything in it is wrong, it is
read again document by document, split at `---` lines as kubectl does, so that the bad documents can
be told from the good. libyaml's parser is iterative, and zonekeeper builds the Python objects from
its events itself, checking depth and alias expansion as it goes (PyYAML's own composer recurses,
which ends in a segfault for deep input, and it expands nothing, so an alias bomb only explodes
later, in whoever walks it). The
scalars are resolved and constructed by PyYAML's SafeLoader rules, so values are what
`yaml.safe_load` gives.
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from zonekeeper.endpoint import Problem
from zonekeeper.kube import resources
from zonekeeper.sources.objects import INVALID_OBJECT, ObjectStore, resource_of

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


_NO_KEY = object()  # a mapping waiting for its next key
_MERGE_KEY = object()  # the `<<` key
_MISSING = object()


class _Builder:
    """Python values from libyaml's events, checking the limits as they come (one per file or chunk).

    Kept lean on purpose: it runs once per event, about 65 times per Service.
    """

    def __init__(self, loader: Any, first_line: int) -> None:
        self.loader = loader
        self.first_line = first_line
        self.resolvers: dict[Any, list[tuple[str, Any]]] = loader.yaml_implicit_resolvers
        self.constructors: dict[Any, Any] = loader.yaml_constructors
        self.cache: dict[str, Any] = {}  # plain scalar -> value, for those that may not be strings
        # The document being read: whether one is open, its first line, its root value so far.
        self.in_document = False
        self.doc_line = first_line
        self.root: Any = None
        self.document()

    def document(self) -> None:
        """Anchors and counts are per document."""
        self.stack: list[list[Any]] = []  # [container, pending key] per open mapping or sequence
        self.anchors: dict[str, tuple[Any, int, int]] = {}  # name -> (value, nodes, height)
        self.opened: dict[int, tuple[str, int, int]] = {}  # depth -> (anchor, count before, deepest before)
        self.open_names: set[str] = set()
        self.merges: dict[int, list[Any]] = {}  # depth -> values of its `<<` keys
        self.count = 0  # nodes so far, aliases expanded
        self.alias_nodes = 0
        self.deepest = 0

    def structure(self, event: Any) -> None:
        """Every event but a scalar or a document's end: containers opened and closed, aliases,
        a document's start (stream events need nothing)."""
        cls = event.__class__
        if cls is yaml.MappingStartEvent:
            self.start(event, True)
        elif cls is yaml.SequenceStartEvent:
            self.start(event, False)
        elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
            finished = self.end(event)
            if not self.stack:
                self.root = finished
        elif cls is yaml.AliasEvent:
            value = self.alias(event)
            if not self.stack:
                self.root = value
        elif cls is yaml.DocumentStartEvent:
            self.document()
            self.in_document, self.root = True, None
            mark = event.start_mark
            self.doc_line = self.first_line + (mark.line if mark is not None else 0)

    def where(self, event: Any) -> str:
        mark = event.start_mark
        return f"line {self.first_line + mark.line + 1}, column {mark.column + 1}"

    def scalar(self, event: Any) -> Any:
        value = event.value
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return value  # quoted, literal or folded: a string
            resolvers = self.resolvers.get(value[0] if value else "")
            if not resolvers:
                return value  # most names and words: nothing else starts with their first character
            cached = self.cache.get(value, _MISSING)
            if cached is not _MISSING:
                return cached
            tag = _STR
            for candidate, regexp in resolvers:
                if regexp.match(value):
                    tag = candidate
                    break
            found = self.construct(event, tag)
            self.cache[value] = found
            return found
        return self.construct(event, tag)

    def construct(self, event: Any, tag: str) -> Any:
        if tag == _STR:
            return event.value
        if tag == _MERGE:
            return _MERGE_KEY
        construct = self.constructors.get(tag)
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
        return value

    def put(self, value: Any, event: Any) -> None:
        """Add a finished value to the innermost open mapping or sequence."""
        frame = self.stack[-1]
        container, key = frame
        if key is _NO_KEY:
            if container.__class__ is list:
                container.append(value)
                return
            if value.__class__ is not str and value is not _MERGE_KEY:
                try:
                    hash(value)
                except TypeError:
                    raise _Refused(f"{self.where(event)}: a mapping key must be a scalar, got {_short(value)}") \
                        from None
            frame[1] = value
            return
        frame[1] = _NO_KEY
        if key is _MERGE_KEY:
            self.merges.setdefault(len(self.stack), []).extend(value if isinstance(value, list) else [value])
        else:
            container[key] = value

    def start(self, event: Any, mapping: bool) -> None:
        tag = event.tag
        if tag is not None and tag != "!" and tag != (_MAP if mapping else _SEQ):
            raise _Refused(f"{self.where(event)}: the tag {tag} is not allowed in a Kubernetes object")
        depth = len(self.stack) + 1
        if depth > MAX_DEPTH:
            raise _Refused(f"{self.where(event)}: nested deeper than {MAX_DEPTH} levels (the limit)")
        if event.anchor is not None:
            self.opened[depth] = (event.anchor, self.count, self.deepest)
            self.open_names.add(event.anchor)
            self.deepest = depth  # from here on: the deepest level inside this node
        elif depth > self.deepest:
            self.deepest = depth
        self.count += 1
        self.stack.append([{} if mapping else [], _NO_KEY])

    def end(self, event: Any) -> Any:
        """Close the innermost mapping or sequence; returns it when it is the document's root."""
        depth = len(self.stack)
        container = self.stack.pop()[0]
        merges = self.merges.pop(depth, None) if self.merges else None
        if merges:
            for source in merges:
                if not isinstance(source, dict):
                    raise _Refused(f"{self.where(event)}: a merge key (<<) takes a mapping or a list of mappings")
                for k, v in source.items():
                    container.setdefault(k, v)  # the mapping's own keys win, as in PyYAML
        opened = self.opened.pop(depth, None) if self.opened else None
        if opened is not None:
            name, before, deepest = opened
            self.anchors[name] = (container, self.count - before, self.deepest - depth + 1)
            self.open_names.discard(name)
            self.deepest = max(deepest, self.deepest)
        if not self.stack:
            return container
        self.put(container, event)
        return None

    def alias(self, event: Any) -> Any:
        name = event.anchor
        if name in self.open_names:
            raise _Refused(f"{self.where(event)}: the alias *{name} refers to a node that contains it")
        found = self.anchors.get(name)
        if found is None:
            raise _Refused(f"{self.where(event)}: the alias *{name} has no anchor &{name} before it")
        value, nodes, height = found
        self.alias_nodes += nodes
        self.count += nodes
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise _Refused(f"{self.where(event)}: aliases expand to more than {MAX_ALIAS_NODES:,} nodes "
                           "(the limit; an alias bomb?)")
        depth = len(self.stack) + height
        if depth > MAX_DEPTH:
            raise _Refused(f"{self.where(event)}: nested deeper than {MAX_DEPTH} levels (the limit, aliases "
                           "expanded)")
        self.deepest = max(self.deepest, depth)
        if not self.stack:
            return value
        self.put(value, event)
        return None


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return repr(text[:40] + "...") if len(text) > 40 else repr(text)


def _documents(text: str, first_line: int) -> Iterator[tuple[int, Any]]:
    """(0-based first line, value) of each document in `text`; _Refused for the first bad one."""
    loader = yaml.CSafeLoader(text)
    try:
        yield from _read_events(loader, _Builder(loader, first_line))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"line {first_line + mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise _Refused(f"not valid YAML: {at}{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise _Refused(f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()


def _read_events(loader: Any, builder: _Builder) -> Iterator[tuple[int, Any]]:
    """The loop over libyaml's events. Scalars, most of the events, are handled here, inline;
    everything else goes to `_Builder.structure`."""
    get = loader.get_event
    while True:
        event: Any = get()
        if event is None:
            return
        cls = event.__class__
        if cls is yaml.ScalarEvent:
            value = builder.scalar(event)
            builder.count += 1
            if event.anchor is not None:
                builder.anchors[event.anchor] = (value, 1, 0)
            stack = builder.stack
            if not stack:
                builder.root = value
                continue
            # `put`, inline for the two commonest cases: a string key, and a value for a key.
            frame = stack[-1]
            key = frame[1]
            if key is _NO_KEY and value.__class__ is str and frame[0].__class__ is dict:
                frame[1] = value
            elif key is not _NO_KEY and key is not _MERGE_KEY:
                frame[0][key] = value
                frame[1] = _NO_KEY
            else:
                builder.put(value, event)
        elif cls is yaml.DocumentEndEvent:
            if builder.in_document:
                builder.in_document = False
                yield builder.doc_line, builder.root
        else:
            builder.structure(event)


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
        self.problems.append(Problem(str(self.path), UNREADABLE, f"{where}{why}; no record is deleted while it "
                                     "cannot be read"))

    def objects(self, doc: Any, where: str) -> None:
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
                self.objects(item, f"{where}items[{i}]: ")
            return
        self.add(doc, where)

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
            self.refuse(where, f"{what} without metadata.name skipped")  # which records it had is unknown
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
    chunks = list(_chunks(text))
    if all(not _oversized(chunk) for _, chunk in chunks):
        # Usually every document is fine: one parser over the whole file. Otherwise the file is read
        # again document by document, so that the bad ones can be told from the good.
        try:
            documents = list(_documents(text, 0))
        except _Refused:
            pass
        else:
            for index, (doc_line, doc) in enumerate(documents, 1):
                file.objects(doc, f"document {index} (line {doc_line + 1}): ")
            return
    index = 0
    for first_line, chunk in chunks:
        if _oversized(chunk):
            index += 1
            file.refuse(f"document {index} (line {first_line + 1}): ",
                        f"over the limit of {MAX_DOCUMENT_BYTES:,} bytes per document")
            continue
        parsed = _documents(chunk, first_line)
        while True:
            try:
                found = next(parsed, None)
            except _Refused as exc:
                index += 1
                file.refuse(f"document {index} (line {first_line + 1}): ", str(exc))
                break
            if found is None:
                break
            index += 1
            doc_line, doc = found
            file.objects(doc, f"document {index} (line {doc_line + 1}): ")


def _oversized(chunk: str) -> bool:
    # A character is 1 to 4 bytes: encode only when the length alone does not tell.
    return len(chunk) > MAX_DOCUMENT_BYTES or (4 * len(chunk) > MAX_DOCUMENT_BYTES
                                              and len(chunk.encode()) > MAX_DOCUMENT_BYTES)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: building 10,000 objects would run it hundreds of times
    over objects that all stay alive (a fifth of the load time), and none of them forms a cycle."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def load(paths: Iterable[str | Path]) -> tuple[ObjectStore, list[Problem]]:
    """Every object zonekeeper reads from the given paths, and a Problem for each file, document or
    object that could not be used (see the module docstring). Raises ManifestError only for a path
    that does not exist, or without libyaml."""
    require_libyaml()
    store = ObjectStore()
    problems: list[Problem] = []
    with gc_paused():
        for raw in paths:
            for file in _files(Path(raw)):
                _load_file(file, store, problems)
    return store, problems

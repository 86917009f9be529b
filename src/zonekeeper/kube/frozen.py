"""Compact, immutable objects for the informer caches.

A slim Service as nested dicts still costs about 4 KB: a dict is 184 bytes before it holds anything,
and a Service has eleven of them, plus its own copy of every repeated string ("TCP", "Cluster",
label keys and values, the namespace). `freeze()` turns the fixed-shape levels of a slim object
(those `resources.SHAPES` describes key by key) into msgspec Structs of the same keys — 16 bytes plus
8 per field, no GC header — and shares repeated strings through one table, which roughly halves the
cost (see tests/unit/test_informer_unit.py::test_memory_of_10k_slim_services).

The result is a read-only `Mapping` with the same keys and values as the slim dict, so the sources'
`.get()`/`dig()`/`as_map()` access and `==` against dicts work unchanged. What differs from a dict:
it cannot be modified (which the cache wants anyway), `isinstance(obj, dict)` is false, and the
standard `json` module cannot serialise it; use `to_builtins()` (or `msgspec.json.encode`).
Free-form levels (labels, annotations, selectors, `True` entries of a shape) stay dicts and lists.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import Any

import msgspec

from zonekeeper.kube import resources
from zonekeeper.sources.objects import SHAPE_ERRORS


class Record(msgspec.Struct, frozen=True, gc=False, eq=False, omit_defaults=True):
    """A read-only mapping over a Struct's fields; fields left UNSET are absent keys.

    gc=False is safe: records are built bottom-up from freshly decoded data and never form cycles.
    """

    def __getitem__(self, key: str) -> Any:
        if key in self.__struct_fields__:
            value = getattr(self, key)
            if value is not msgspec.UNSET:
                return value
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.__struct_fields__:
            value = getattr(self, key)
            if value is not msgspec.UNSET:
                return value
        return default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self.__struct_fields__ and \
            getattr(self, key) is not msgspec.UNSET

    def __iter__(self) -> Iterator[str]:
        for name in self.__struct_fields__:
            if getattr(self, name) is not msgspec.UNSET:
                yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def keys(self) -> Any:
        return Mapping.keys(self)  # type: ignore[arg-type]

    def items(self) -> Any:
        return Mapping.items(self)  # type: ignore[arg-type]

    def values(self) -> Any:
        return Mapping.values(self)  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]  # like a dict: equal to dicts, so not hashable


Mapping.register(Record)


class Interner:
    """Shares equal strings: the first copy seen is handed out for every later equal one.

    Entries nothing else refers to any more (the objects holding them were deleted) are purged
    whenever the table has doubled since the last purge, so churn (pod-template-hash labels, say)
    cannot grow it without bound.
    """

    def __init__(self, max_length: int = 32, min_purge: int = 4096) -> None:
        self.max_length = max_length
        self._table: dict[str, str] = {}
        self._min_purge = min_purge
        self._purge_at = min_purge

    def __call__(self, text: str, *, any_length: bool = False) -> str:
        """The shared copy of `text`; long strings are left alone (unless `any_length`: for keys of
        labels and annotations, which repeat across objects however long they are) because long
        values are rarely repeated (hostnames, targets) and would only add table entries."""
        if len(text) > self.max_length and not any_length:
            return text
        held = self._table.get(text)
        if held is not None:
            return held
        self._table[text] = text
        if len(self._table) >= self._purge_at:
            self.purge()
        return text

    def __len__(self) -> int:
        return len(self._table)

    def purge(self) -> None:
        # Reference counts are compared with a fresh probe string's, measured the same way, rather
        # than with a constant: what getrefcount reports for the same situation varies across
        # CPython versions.
        probe = "".join(("\0interner-probe-", str(id(self))))
        self._table[probe] = probe
        keys = list(self._table)
        at = keys.index(probe)
        del probe  # so that the probe is referenced exactly like an unused entry
        counts = [sys.getrefcount(key) for key in keys]
        unused = counts[at]
        self._table = {key: key for i, (key, count) in enumerate(zip(keys, counts, strict=True))
                       if count > unused and i != at}
        self._purge_at = max(self._min_purge, 2 * len(self._table))


INTERN = Interner()

# Values (by key) that are unique per object: interning them would only add table entries.
_UNIQUE = frozenset({"uid", "resourceVersion", "generation", "deletionTimestamp", "clusterIP", "clusterIPs",
                     "ip", "hostname", "podIP", "podIPs", "hostIP", "externalIPs", "addresses", "address", "nodePort"})

_TOP_LEVEL = ("apiVersion", "kind", SHAPE_ERRORS)
_types: dict[tuple[str, str], type[Record]] = {}


def _record_type(kind: str, path: str, fields: tuple[str, ...]) -> type[Record]:
    found = _types.get((kind, path))
    if found is None:
        name = "".join(part[:1].upper() + part[1:] for part in (kind.split(".")[0], *path.split(".")) if part)
        made: type[Record] = msgspec.defstruct(  # type: ignore[assignment]
            name or "Object", [(field, Any, msgspec.UNSET) for field in fields], bases=(Record,),
            frozen=True, gc=False, eq=False, omit_defaults=True, module=__name__)
        found = _types[(kind, path)] = made
    return found


def _share(value: Any, unique: bool, local: dict[str, str]) -> Any:
    """Free-form data (a `True` entry of a shape), with its strings shared: repeated ones across
    objects through INTERN (unless `unique`: values no other object has), and any within this object
    (a Service's name in its own selector, its clusterIP in clusterIPs) through `local`."""
    if isinstance(value, str):
        held = local.get(value)
        if held is None:
            held = local[value] = value if unique else INTERN(value)
        return held
    if isinstance(value, dict):
        return {INTERN(k, any_length=True): _share(v, k in _UNIQUE, local) for k, v in value.items()}
    if isinstance(value, list):
        return [_share(v, unique, local) for v in value]
    return value


def _freeze(value: Any, shape: resources.Shape, kind: str, path: str, local: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [_freeze(v, shape, kind, path, local) for v in value]
    if not isinstance(value, dict):
        return value
    fields = tuple(shape) + (_TOP_LEVEL if not path else ())
    fields_of = {}
    for field in fields:
        if field not in value:
            continue
        sub = resources.element_shape(shape.get(field, True))
        item = value[field]
        if resources.is_leaf(sub):
            # The object's own name is unique (a port's or a condition's name is not).
            unique = field in _UNIQUE or (field == "name" and path == "metadata")
            fields_of[field] = _share(item, unique, local)
        else:
            fields_of[field] = _freeze(item, sub, kind, f"{path}.{field}" if path else field, local)
    return _record_type(kind, path, fields)(**fields_of)


def freeze(kind: str, obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The compact form of a slim object (`resources.slim(kind, ...)`): a `Record`, typed as the
    Mapping it is registered as (type checkers do not follow `Mapping.register`)."""
    frozen: Mapping[str, Any] = _freeze(obj, resources.SHAPES[kind], kind, "", {})
    return frozen


def to_builtins(obj: Any) -> Any:
    """Plain dicts and lists again (for `json.dumps`, YAML, debugging output)."""
    return msgspec.to_builtins(obj)

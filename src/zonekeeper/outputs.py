"""Each watched object's endpoints and problems, as the controller last computed them.

An event pass plans a few DNS names; it must find every object with an endpoint at those names
(several Services may ask for one name) without reading all 100,000 objects' outputs, and it must know
whether any object has a problem that makes deletes unsafe. Both are kept as indexes here, updated with
every change, so that an event pass costs what it touches.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, MutableMapping

from zonekeeper.endpoint import Endpoint, Problem
from zonekeeper.sources.base import SourceResult

__all__ = ["ObjectKey", "Outputs"]

ObjectKey = tuple[str, str, str]  # (source part's SourceSpec.id, namespace, name)


class Outputs(MutableMapping[ObjectKey, SourceResult]):
    """ObjectKey → SourceResult, with the objects at each DNS name and those with problems indexed."""

    __slots__ = ("_by_key", "_by_name", "_with_problems")

    def __init__(self) -> None:
        self._by_key: dict[ObjectKey, SourceResult] = {}
        # name → the one object with an endpoint there, or the set of them when several are: most names
        # have one, and a set for each cost 21 MB at 100,000 Services.
        self._by_name: dict[str, ObjectKey | set[ObjectKey]] = {}
        self._with_problems: set[ObjectKey] = set()

    def __getitem__(self, key: ObjectKey) -> SourceResult:
        return self._by_key[key]

    def __setitem__(self, key: ObjectKey, result: SourceResult) -> None:
        if key in self._by_key:
            del self[key]
        self._by_key[key] = result
        for ep in result.endpoints:
            self._index(ep.name, key)
        if result.problems:
            self._with_problems.add(key)

    def __delitem__(self, key: ObjectKey) -> None:
        result = self._by_key.pop(key)
        for ep in result.endpoints:
            self._unindex(ep.name, key)
        self._with_problems.discard(key)

    def _index(self, name: str, key: ObjectKey) -> None:
        held = self._by_name.get(name)
        if held is None:
            self._by_name[name] = key
        elif isinstance(held, set):
            held.add(key)
        elif held != key:
            self._by_name[name] = {held, key}

    def _unindex(self, name: str, key: ObjectKey) -> None:
        held = self._by_name.get(name)
        if isinstance(held, set):
            held.discard(key)
            if len(held) == 1:
                self._by_name[name] = next(iter(held))
        elif held == key:
            del self._by_name[name]

    def _at(self, name: str) -> Collection[ObjectKey]:
        held = self._by_name.get(name)
        if held is None:
            return ()
        return held if isinstance(held, set) else (held,)

    def __iter__(self) -> Iterator[ObjectKey]:
        return iter(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def endpoints_at(self, names: Collection[str]) -> list[Endpoint]:
        """Every object's endpoints at these names (in no particular order)."""
        keys: set[ObjectKey] = set()
        for name in names:
            keys.update(self._at(name))
        return [ep for key in keys for ep in self._by_key[key].endpoints if ep.name in names]

    def problems(self) -> list[Problem]:
        """Every object's problems, by object."""
        return [p for key in sorted(self._with_problems) for p in self._by_key[key].problems]

"""Kubernetes objects from YAML files: `--from-file PATH` (a file with one or many documents, a
`List`, or a directory of such files)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from zonekeeper.endpoint import Problem
from zonekeeper.sources.objects import ObjectStore, name_of, namespace_of, resource_of

_SUFFIXES = (".yaml", ".yml", ".json")


class ManifestError(Exception):
    """A path that cannot be read at all (missing, unreadable, not YAML)."""


def _files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and child.suffix in _SUFFIXES:
                yield child
    elif path.is_file():
        yield path
    else:
        raise ManifestError(f"{path}: no such file or directory")


def _expand(doc: Any) -> Iterator[dict[str, Any]]:
    if isinstance(doc, dict):
        if str(doc.get("kind", "")).endswith("List") and isinstance(doc.get("items"), list):
            for item in doc["items"]:
                yield from _expand(item)
        else:
            yield doc


def load(paths: Iterable[str | Path]) -> tuple[ObjectStore, list[Problem]]:
    """Every object zonekeeper reads from the given paths, and a Problem for each skipped one."""
    store = ObjectStore()
    problems: list[Problem] = []
    for raw in paths:
        for file in _files(Path(raw)):
            try:
                docs = list(yaml.safe_load_all(file.read_text()))
            except (OSError, yaml.YAMLError) as exc:
                raise ManifestError(f"{file}: {exc}") from exc
            for doc in docs:
                for obj in _expand(doc):
                    if resource_of(obj) is None:
                        continue  # a Deployment or ConfigMap in the same file is fine
                    if not name_of(obj):
                        problems.append(Problem(f"{file}", "InvalidObject",
                                                f"{obj.get('kind')} without metadata.name skipped"))
                        continue
                    if not namespace_of(obj) and obj.get("kind") != "Node":
                        obj.setdefault("metadata", {})["namespace"] = "default"
                    store.add(obj)
    return store, problems

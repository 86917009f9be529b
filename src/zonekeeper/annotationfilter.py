"""--annotation-filter: the predicate over an object's annotations, and an ObjectView that hides the
primary objects it rejects. Shared by the live controller and `plan --from-file`, which must not
import the live machinery (aiohttp and the Kubernetes client: half a second of start-up)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zonekeeper import selectors, sources
from zonekeeper.config import Settings
from zonekeeper.sources.base import SourceConfig
from zonekeeper.sources.objects import Obj, meta


def annotation_filter(settings: Settings) -> Callable[[Obj], bool] | None:
    if not settings.source.annotation_filter:
        return None
    predicate = selectors.parse(settings.source.annotation_filter)
    return lambda obj: predicate(meta(obj).get("annotations") or {})


def annotation_filtered(view: Any, settings: Settings, config: SourceConfig) -> Any:
    """`view`, with the primary objects --annotation-filter rejects hidden (unchanged without one)."""
    accept = annotation_filter(settings)
    if accept is None:
        return view
    return _Filtered(view, accept, set(sources.primary_kinds(settings.source.sources, config)))


class _Filtered:
    """An ObjectView hiding primary objects that --annotation-filter rejects."""

    def __init__(self, view: Any, accept: Callable[[Obj], bool], kinds: set[str]) -> None:
        self._view, self._accept, self._kinds = view, accept, kinds

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        obj: Obj | None = self._view.get(kind, namespace, name)
        return obj if obj is None or kind not in self._kinds or self._accept(obj) else None

    def list(self, kind: str, namespace: str | None = None) -> Any:
        return (o for o in self._view.list(kind, namespace) if kind not in self._kinds or self._accept(o))

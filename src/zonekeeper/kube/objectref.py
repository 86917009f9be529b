"""The object a Kubernetes Event is about: a core/v1 ObjectReference, from an object or from the
`resource` label (`service/ns/name`) an endpoint or Problem carries."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from zonekeeper.kube.resources import RESOURCES
from zonekeeper.sources import LABEL_KINDS
from zonekeeper.sources.objects import parse_resource_label

log = logging.getLogger(__name__)

CacheLookup = Callable[[str, str, str], Mapping[str, Any] | None]


@dataclass(slots=True, frozen=True)
class ObjectRef:
    """The object an Event is about (core/v1 ObjectReference, the fields Events use)."""

    api_version: str
    kind: str
    namespace: str
    name: str
    uid: str = ""
    # Informative only: two refs to the same object at different versions are the same object.
    resource_version: str = field(default="", compare=False)

    @classmethod
    def from_object(cls, obj: Mapping[str, Any]) -> ObjectRef:
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        return cls(
            api_version=str(obj.get("apiVersion") or ""),
            kind=str(obj.get("kind") or ""),
            namespace=str(meta.get("namespace") or ""),
            name=str(meta.get("name") or ""),
            uid=str(meta.get("uid") or ""),
            resource_version=str(meta.get("resourceVersion") or ""),
        )

    @classmethod
    def from_resource_label(cls, label: str, cache_lookup: CacheLookup | None = None) -> ObjectRef | None:
        """The object a `resource` label (`service/ns/name`, `crd/ns/name`, ...) names, or None when
        the label names no object (a record's `name TYPE` subject, a file, an unknown kind).

        The informer cache supplies uid and the served apiVersion; an object missing from the cache
        (deleted since) still gets a ref, from the resource table, so "record deleted" can be told.
        """
        parsed = parse_resource_label(label)
        if parsed is None:
            return None
        label_kind, namespace, name = parsed
        # `<kind>/<name>` names only cluster-scoped objects, and those only that way.
        candidates = [k for k in LABEL_KINDS.get(label_kind, ()) if (namespace == "") == (not RESOURCES[k].namespaced)]
        if not candidates:
            return None
        for kind in candidates:  # one label kind may name one resource in two API groups (Traefik's)
            cached = cls._cached(cache_lookup, kind, namespace, name, label)
            if cached:
                ref = cls.from_object(cached)
                resource = RESOURCES[kind]
                # Slimmed cache objects always carry apiVersion/kind, but fill them in case.
                return cls(ref.api_version or resource.api_version, ref.kind or resource.kind,
                           ref.namespace or namespace, ref.name or name, ref.uid, ref.resource_version)
        resource = RESOURCES[candidates[0]]
        return cls(resource.api_version, resource.kind, namespace, name)

    @staticmethod
    def _cached(cache_lookup: CacheLookup | None, kind: str, namespace: str, name: str,
                label: str) -> Mapping[str, Any] | None:
        if cache_lookup is None:
            return None
        try:
            return cache_lookup(kind, namespace, name)
        except Exception:  # a cache is no reason to lose the event
            log.debug("cache lookup for %s failed", label, exc_info=True)
            return None

    def involved_object(self) -> dict[str, str]:
        out = {"apiVersion": self.api_version, "kind": self.kind, "name": self.name}
        if self.namespace:
            out["namespace"] = self.namespace
        if self.uid:
            out["uid"] = self.uid
        if self.resource_version:
            out["resourceVersion"] = self.resource_version
        return out

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"

"""The kinds `--unstructured-resource` names, from the API server's discovery documents, at start-up.

external-dns v0.23.0 refuses to start when a named resource is not served; so does zonekeeper, naming
it. Each kind found is declared (`kube.resources.declare`) so that the informers can list, watch and
slim it, and the sources' configuration gets its `unstructured_kinds`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from zonekeeper.kube import resources
from zonekeeper.kube.client import KubeClient, KubeError
from zonekeeper.sources.base import SourceConfig
from zonekeeper.sources.objects import KindInfo
from zonekeeper.sources.unstructured import FLAG, ResourceArg


class DiscoveryError(ValueError):
    """A named resource the API server does not serve (or could not be asked about)."""


def kind_from(document: Mapping[str, Any], arg: ResourceArg) -> KindInfo:
    """The kind `arg` names in one APIResourceList; DiscoveryError when it lists no such resource."""
    for entry in document.get("resources") or ():
        if isinstance(entry, Mapping) and entry.get("name") == arg.plural:
            return KindInfo(arg.group, arg.version, arg.plural, str(entry.get("kind") or ""),
                            namespaced=bool(entry.get("namespaced", True)))
    where = f"{arg.group}/{arg.version}" if arg.group else arg.version
    raise DiscoveryError(f"{FLAG} {arg}: resource {arg.plural!r} not found in {where!r}")


async def discover(client: KubeClient, args: Sequence[ResourceArg]) -> tuple[KindInfo, ...]:
    found: list[KindInfo] = []
    for arg in args:
        try:
            document = await client.discover(arg.group, arg.version)
        except KubeError as exc:
            raise DiscoveryError(f"{FLAG} {arg}: cannot discover {arg.group or 'core'}/{arg.version}: {exc}") from exc
        found.append(kind_from(document, arg))
    return tuple(found)


def with_kinds(config: SourceConfig, infos: Sequence[KindInfo]) -> SourceConfig:
    """`config` with `infos` as its unstructured kinds, each declared for the informers."""
    for info in infos:
        resources.declare(info)
    return dataclasses.replace(config, unstructured_kinds=tuple(infos))

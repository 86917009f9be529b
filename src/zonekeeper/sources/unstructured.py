"""The `unstructured` source: any resource named by `--unstructured-resource` (`<plural>.<version>.<group>`,
`<plural>.<version>` for the core group), as external-dns v0.23.0's unstructured source reads it.

The kinds are only known at start-up: `kube.discovery` asks the API server for each resource's kind
(refusing one it does not serve, as external-dns does) and `expand` builds one part per resource from
`SourceConfig.unstructured_kinds`. Each object's names are its `hostname` annotation (read even with
--ignore-hostname-annotation, as external-dns), its targets the `target` annotation, its TTL the `ttl`
annotation; no provider-specific annotations, no set identifier, no Events (external-dns emits none for
this source). The `resource` label is `<kind, lower case>/<namespace>/<name>`; external-dns writes
`<kind>//<name>` for a cluster-scoped object where zonekeeper writes `<kind>/<name>`, as for Nodes.
--fqdn-template adds nothing: external-dns gives template names targets from --target-template only,
which zonekeeper does not take.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from zonekeeper import annotations as ann
from zonekeeper.sources.base import Parts, Source, SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import endpoints_for_hostname, finish, only_itself, resource
from zonekeeper.sources.objects import KindInfo, Obj, ObjectView

SOURCE_NAME = "unstructured"
FLAG = "--unstructured-resource"


@dataclass(frozen=True, slots=True)
class ResourceArg:
    """One --unstructured-resource value."""

    plural: str
    version: str
    group: str  # "" for the core group

    def __str__(self) -> str:
        return ".".join(p for p in (self.plural, self.version, self.group) if p)


def parse_resource(text: str) -> ResourceArg:
    """`<plural>.<version>.<group>` or `<plural>.<version>` (the core group), as external-dns parses it;
    ValueError names the value and the format."""
    plural, _, rest = text.strip().partition(".")
    version, _, group = rest.partition(".")
    if not plural or not version:
        raise ValueError(f"{FLAG} {text!r}: expected resource.version.group (e.g. certificates.v1.cert-manager.io), "
                         "or resource.version for the core group (configmaps.v1)")
    return ResourceArg(plural, version, group)


def parse_resources(values: Iterable[str]) -> tuple[ResourceArg, ...]:
    return tuple(dict.fromkeys(parse_resource(v) for v in values))


def _endpoints(label_kind: str) -> Callable[[Obj, ObjectView, SourceConfig], SourceResult]:
    def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
        subject = resource(label_kind, obj)
        prefixes = config.annotation_prefixes
        if not ann.controller_matches(obj, config.controller_name, prefixes=prefixes):
            return SourceResult()
        result = SourceResult()
        hosts, problems = ann.hostnames(obj, ann.HOSTNAME, subject, prefixes=prefixes)
        result.problems += problems
        if not hosts:
            return finish(result)
        targets, problems = ann.targets(obj, subject, prefixes=prefixes)
        ttl, ttl_problems = ann.ttl(obj, subject, prefixes=prefixes)
        result.problems += problems + ttl_problems
        for host in sorted(set(hosts)):  # external-dns's EndpointsForHostsAndTargets: no provider-specific
            result.extend(endpoints_for_hostname(host, targets, ttl, "", {}, subject))
        return finish(result)

    return endpoints


def part(info: KindInfo) -> SourceSpec:
    label_kind = info.kind.lower()
    return SourceSpec(SOURCE_NAME, info.name, _endpoints(label_kind), (info.name,), only_itself(info.name),
                      label_kind, part=info.name)


def expand(config: SourceConfig) -> Parts:
    """One part per resource discovered at start-up (`kube.discovery`)."""
    return tuple(part(info) for info in config.unstructured_kinds)


SOURCE = Source(SOURCE_NAME, (), expand)

"""The `node` source: each Node's name points at its addresses, as external-dns v0.23.0's node source.

Addresses: the `target` annotation, else the ExternalIPs (plus the internal IPv6 ones with
--expose-internal-ipv6), else the InternalIPs; A for IPv4, AAAA for IPv6. Unschedulable Nodes are
skipped unless --no-exclude-unschedulable. The TTL annotation is read; like external-dns, neither
the hostname annotation nor provider-specific ones (set identifier, aws-*) are. With --fqdn-template
the template's names point at those addresses instead of the Node's name (beside it with
--combine-fqdn-annotation), as external-dns does. The `resource` label is `node/<name>`: a Node has
no namespace.
"""

from __future__ import annotations

from collections.abc import Iterator

from zonekeeper import annotations as ann
from zonekeeper.endpoint import Problem, suitable_type
from zonekeeper.sources import fqdn
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import as_list, as_map, as_str, dedupe, dig, endpoints_for_hostname, finish, resource
from zonekeeper.sources.objects import NODES, Obj, ObjectView, name_of

KIND = "node"
SOURCE = "node"
NO_NODE_ADDRESS = "NoNodeAddress"


def addresses(node: Obj, *, expose_internal_ipv6: bool = False) -> list[str]:
    """The addresses external-dns prefers for a Node (k8s.io's GetPreferredNodeAddress, IPv6 aside)."""
    by_type: dict[str, list[str]] = {"ExternalIP": [], "InternalIP": []}
    for raw in as_list(dig(node, "status", "addresses")):
        entry = as_map(raw)
        address = as_str(entry.get("address")).strip()
        if address:
            by_type.setdefault(as_str(entry.get("type")), []).append(address)
    external, internal = dedupe(by_type["ExternalIP"]), dedupe(by_type["InternalIP"])
    if external:
        # An internal IPv6 address is often reachable from outside too (external-dns PR 5192).
        internal_v6 = [a for a in internal if suitable_type(a) == "AAAA"] if expose_internal_ipv6 else []
        return external + internal_v6
    return internal


def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    subject = resource(KIND, obj)
    if not ann.controller_matches(obj, config.controller_name, prefixes=config.annotation_prefixes):
        return SourceResult()
    if config.exclude_unschedulable and dig(obj, "spec", "unschedulable") is True:
        return SourceResult()
    result = SourceResult()
    names: list[str] = []
    template = config.fqdn_template
    if template is None or config.combine_fqdn_annotation:
        name, problem = ann.check_hostname(name_of(obj), subject, "metadata.name")
        if problem is not None or name is None:
            result.problems += [problem] if problem else []
            return result
        names.append(name)
    if template is not None:
        found, problems = fqdn.hostnames(template, obj, SOURCE, subject)
        result.problems += problems
        names += [n for n in found if n not in names]
    if not names:
        return result
    ttl, problems = ann.ttl(obj, subject, prefixes=config.annotation_prefixes)
    result.problems += problems
    if ann.has_targets(obj, prefixes=config.annotation_prefixes):
        targets, problems = ann.targets(obj, subject, prefixes=config.annotation_prefixes)
        result.problems += problems
    else:
        targets = addresses(obj, expose_internal_ipv6=config.expose_internal_ipv6)
        if not targets:
            result.problems.append(Problem(subject, NO_NODE_ADDRESS, "no ExternalIP or InternalIP address"))
    for name in names:
        result.extend(endpoints_for_hostname(name, targets, ttl, "", {}, subject))
    return finish(result)


def dependents(kind: str, obj: Obj, view: ObjectView) -> Iterator[tuple[str, str]]:
    if kind == NODES:
        yield "", name_of(obj)


SPEC = SourceSpec(SOURCE, NODES, endpoints, (NODES,), dependents, KIND)

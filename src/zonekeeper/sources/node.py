"""The `node` source: each Node's name points at its addresses, as external-dns v0.23.0's node source.

Addresses: the `target` annotation, else the ExternalIPs (plus the internal IPv6 ones with
--expose-internal-ipv6), else the InternalIPs; A for IPv4, AAAA for IPv6. Unschedulable Nodes are
skipped unless --no-exclude-unschedulable. The TTL annotation is read; like external-dns, neither
the hostname annotation nor provider-specific ones (set identifier, aws-*) are. With --fqdn-template
or --fqdn-target-template the Node's own name is not published (unless --combine-fqdn-annotation):
--fqdn-target-template's pairs are, and --fqdn-template's names point at the Node's addresses when
nothing else named it (beside the rest when combining), as external-dns does. The `resource` label is
`node/<name>`: a Node has no namespace.
"""

from __future__ import annotations

from zonekeeper import annotations as ann
from zonekeeper.endpoint import Problem, suitable_type
from zonekeeper.sources import fqdn
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import (
    add_target_template_records,
    as_list,
    as_map,
    as_str,
    dedupe,
    dig,
    endpoints_for_hostname,
    finish,
    only_itself,
    resource,
)
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
    templated = config.fqdn_template is not None or config.fqdn_target_template is not None
    # external-dns names a Node after itself only without a name template (or when combining).
    if not templated or config.combine_fqdn_annotation:
        name, problem = ann.check_hostname(name_of(obj), subject, "metadata.name")
        if problem is not None or name is None:
            result.problems += [problem] if problem else []
            return finish(result)
        result.extend(_named(obj, config, subject, [name]))
    add_target_template_records(obj, result, config, KIND, subject)
    # --fqdn-template's names come in when nothing named the Node yet, or beside the rest when combining.
    if config.fqdn_template is not None and (config.combine_fqdn_annotation or not result.endpoints):
        names, problems = fqdn.hostnames(config.fqdn_template, obj, SOURCE, subject)
        result.problems += problems
        if names:
            result.extend(_named(obj, config, subject, names))
    return finish(result)


def _named(obj: Obj, config: SourceConfig, subject: str, names: list[str]) -> SourceResult:
    """`names` pointing at the Node's addresses (or its `target` annotation), with its TTL."""
    result = SourceResult()
    ttl, problems = ann.ttl(obj, subject, prefixes=config.annotation_prefixes)
    result.problems += problems
    if ann.has_targets(obj, prefixes=config.annotation_prefixes):
        targets, problems = ann.targets(obj, subject, prefixes=config.annotation_prefixes)
        result.problems += problems
    else:
        targets = addresses(obj, expose_internal_ipv6=config.expose_internal_ipv6)
        if not targets:
            result.problems.append(Problem(subject, NO_NODE_ADDRESS, "no ExternalIP or InternalIP address"))
    for name in dict.fromkeys(names):
        result.extend(endpoints_for_hostname(name, targets, ttl, "", {}, subject))
    return result


SPEC = SourceSpec(SOURCE, NODES, endpoints, (NODES,), only_itself(NODES), KIND)

"""The `pod` source: names from a Pod's annotations, as external-dns v0.23.0's pod source.

  - `internal-hostname`: each name points at the Pod's IP (status.podIP);
  - `hostname`: each name points at its Node's ExternalIPs and internal IPv6 addresses (those are
    usually reachable from outside; external-dns treats them the same) — for hostNetwork Pods;
  - --pod-source-domain: `<pod name>.<domain>` points at the Pod's IP;
  - the `target` annotation, when set, replaces every one of those addresses.
With --compatibility=kops-dns-controller, `dns.alpha.kubernetes.io/internal` names point at the Pod IP
and `dns.alpha.kubernetes.io/external` names at its Node's addresses (the target annotation aside).
--ignore-non-host-network-pods skips Pods without spec.hostNetwork. The TTL annotation is read;
set identifiers and provider-specific annotations are not (as in external-dns).
--fqdn-template: a Pod whose annotations (and --pod-source-domain) give it no name gets the
template's names, pointing at its status.podIPs (neither the `target` annotation nor
--ignore-non-host-network-pods applies to them, as in external-dns); with --combine-fqdn-annotation
every Pod gets them beside its own. --fqdn-target-template's pairs are added too (sources.fqdn).

external-dns puts no `resource` label on pod records, so its TXT records name no object; neither do
ours, so that either tool takes over the other's records without rewriting them. Problems still name
the Pod (`pod/<namespace>/<name>`).
"""

from __future__ import annotations

from collections.abc import Iterator

from zonekeeper import annotations as ann
from zonekeeper.endpoint import RESOURCE_LABEL, suitable_type
from zonekeeper.sources import compatibility, fqdn
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
    resource,
)
from zonekeeper.sources.objects import NODES, PODS, Obj, ObjectView, name_of, namespace_of

KIND = "pod"


def node_addresses(node: Obj) -> list[str]:
    """A Node's ExternalIPs and its InternalIP IPv6 addresses."""
    found: list[str] = []
    for raw in as_list(dig(node, "status", "addresses")):
        entry = as_map(raw)
        address, kind = as_str(entry.get("address")).strip(), as_str(entry.get("type"))
        if address and (kind == "ExternalIP" or (kind == "InternalIP" and suitable_type(address) == "AAAA")):
            found.append(address)
    return dedupe(found)


def _pod_ip(pod: Obj) -> list[str]:
    ip = as_str(dig(pod, "status", "podIP")).strip()
    return [ip] if ip else []


def _pod_ips(pod: Obj) -> list[str]:
    """Every address in status.podIPs (a template's names point at all of them)."""
    return dedupe([ip for ip in (as_str(as_map(e).get("ip")).strip() for e in as_list(dig(pod, "status", "podIPs")))
                   if ip])


def _names_and_targets(pod: Obj, view: ObjectView, config: SourceConfig, subject: str,
                       result: SourceResult) -> dict[str, list[str]]:
    """name -> targets, in external-dns's order: internal-hostname, hostname, --pod-source-domain."""
    override: list[str] | None = None
    if ann.has_targets(pod, prefixes=config.annotation_prefixes):
        override, problems = ann.targets(pod, subject, prefixes=config.annotation_prefixes)
        result.problems += problems
    wanted: dict[str, list[str]] = {}

    def add(names: list[str], targets: list[str]) -> None:
        for name in names:
            wanted.setdefault(name, [])
            wanted[name] += targets if override is None else override

    internal, problems = ann.hostnames(pod, ann.INTERNAL_HOSTNAME, subject, prefixes=config.annotation_prefixes)
    result.problems += problems
    add(internal, _pod_ip(pod))
    public, problems = ann.hostnames(pod, ann.HOSTNAME, subject, prefixes=config.annotation_prefixes)
    result.problems += problems
    if public:
        node = view.get(NODES, "", as_str(dig(pod, "spec", "nodeName")))
        add(public, node_addresses(node) if node is not None else [])
    if config.compatibility == "kops-dns-controller":  # its names ignore the target annotation
        kops_internal, kops_external = compatibility.pod_names(pod)
        node = view.get(NODES, "", as_str(dig(pod, "spec", "nodeName"))) if kops_external else None
        for names, targets in ((kops_internal, _pod_ip(pod)),
                               (kops_external, node_addresses(node) if node is not None else [])):
            for name in _checked(names, subject, result):
                wanted.setdefault(name, []).extend(targets)
    if config.pod_source_domain:
        add([f"{name_of(pod)}.{config.pod_source_domain}"], _pod_ip(pod))
    return wanted


def _checked(names: list[str], subject: str, result: SourceResult) -> list[str]:
    kept: list[str] = []
    for raw in names:
        name, problem = ann.check_hostname(raw, subject, "a kops-dns-controller annotation (--compatibility)")
        if problem is not None:
            result.problems.append(problem)
        elif name is not None:
            kept.append(name)
    return kept


def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    subject = resource(KIND, obj)
    if not ann.controller_matches(obj, config.controller_name, prefixes=config.annotation_prefixes):
        return SourceResult()
    result = SourceResult()
    ttl, problems = ann.ttl(obj, subject, prefixes=config.annotation_prefixes)
    result.problems += problems
    wanted: dict[str, list[str]] = {}
    if not config.ignore_non_host_network_pods or dig(obj, "spec", "hostNetwork") is True:
        wanted = _names_and_targets(obj, view, config, subject, result)
    template = config.fqdn_template
    if template is not None and fqdn.use_template(template, config.combine_fqdn_annotation, bool(wanted)):
        names, problems = fqdn.hostnames(template, obj, KIND, subject)
        result.problems += problems
        for name in names:
            wanted.setdefault(name, [])
            wanted[name] += _pod_ips(obj)
    for name, targets in wanted.items():
        found = endpoints_for_hostname(name, dedupe(targets), ttl, "", {}, subject)
        result.problems += found.problems
        result.endpoints += [e.with_labels(**{RESOURCE_LABEL: None}) for e in found.endpoints]
    add_target_template_records(obj, result, config, KIND, subject)
    return finish(result)


def dependents(kind: str, obj: Obj, view: ObjectView) -> Iterator[tuple[str, str]]:
    """The Pod itself; for a Node, every Pod on it (its `hostname` names point at the Node's addresses)."""
    if kind == PODS:
        yield namespace_of(obj), name_of(obj)
    elif kind == NODES:
        node = name_of(obj)
        for pod in view.list(PODS):
            # Every Pod on the Node: which annotation prefixes count is configuration this
            # contract does not see, and re-planning a Pod that does not read its Node changes nothing.
            if as_str(dig(pod, "spec", "nodeName")) == node:
                yield namespace_of(pod), name_of(pod)


SPEC = SourceSpec("pod", PODS, endpoints, (PODS, NODES), dependents, KIND)

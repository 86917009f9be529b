"""--compatibility: the legacy annotations external-dns v0.23 still reads (source/compatibility.go) — pure.

Only for a Service that gave no records of its own (the pod source reads kops's annotations beside its
own), each mode as external-dns implements it:

  mate                 `zalando.org/dnsname: <one name>` -> the load-balancer status targets;
  molecule             `domainName: <names>` on a Service labelled `dns=route53` -> the same;
  kops-dns-controller  `dns.alpha.kubernetes.io/external` / `.../internal: <names>`: a LoadBalancer
                       Service's names (both annotations) -> its load-balancer status targets; a
                       NodePort Service's (exactly one of the two) -> the ExternalIP (external; internal
                       IPv6 too with --expose-internal-ipv6) or InternalIP (internal) addresses of every
                       Node labelled `node-role.kubernetes.io/node`.

Names are comma-separated, spaces removed (mate's is one name). The records carry no TTL, set identifier,
properties or `resource` label, as external-dns makes them. external-dns types every IP target A, IPv6 ones included
(Route 53 then refuses the batch); zonekeeper gives those an AAAA.
"""

from __future__ import annotations

from zonekeeper import annotations as ann
from zonekeeper.endpoint import suitable_type
from zonekeeper.sources.base import SourceResult
from zonekeeper.sources.common import (
    as_list,
    as_map,
    as_str,
    dig,
    endpoints_for_hostname,
    load_balancer_targets,
    unlabelled,
)
from zonekeeper.sources.objects import NODES, Obj, ObjectView

MATE = "zalando.org/dnsname"
MOLECULE = "domainName"
KOPS_EXTERNAL = "dns.alpha.kubernetes.io/external"
KOPS_INTERNAL = "dns.alpha.kubernetes.io/internal"
KOPS_NODE_ROLE = "node-role.kubernetes.io/node"
ANNOTATIONS = (MATE, MOLECULE, KOPS_EXTERNAL, KOPS_INTERNAL)  # the informers keep these (kube.resources)


def _annotations(obj: Obj) -> dict[str, str]:
    return {str(k): as_str(v) for k, v in as_map(dig(obj, "metadata", "annotations")).items()}


def split_names(value: str) -> list[str]:
    return [n for n in value.replace(" ", "").split(",") if n]


def _records(names: list[str], targets: list[str], subject: str) -> SourceResult:
    result = SourceResult()
    for raw in names:
        name, problem = ann.check_hostname(raw, subject, "a legacy (--compatibility) annotation")
        if problem is not None:
            result.problems.append(problem)
        elif name is not None:
            made = endpoints_for_hostname(name, targets, 0, "", {}, subject)
            result.problems += made.problems
            result.endpoints += unlabelled(made.endpoints)
    return result


def service_names(svc: Obj, mode: str) -> list[str]:
    """The names `mode` reads on a LoadBalancer-style Service (mate, molecule, kops on a LoadBalancer)."""
    notes = _annotations(svc)
    if mode == "mate":
        return [notes[MATE]] if MATE in notes else []
    if mode == "molecule":
        labels = as_map(dig(svc, "metadata", "labels"))
        return split_names(notes.get(MOLECULE, "")) if as_str(labels.get("dns")) == "route53" else []
    return split_names(notes.get(KOPS_EXTERNAL, "")) + split_names(notes.get(KOPS_INTERNAL, ""))


def _kops_node_port(svc: Obj, view: ObjectView, expose_internal_ipv6: bool, subject: str) -> SourceResult:
    notes = _annotations(svc)
    external, internal = KOPS_EXTERNAL in notes, KOPS_INTERNAL in notes
    if external == internal:  # neither, or both: dns-controller publishes nothing
        return SourceResult()
    names = split_names(notes[KOPS_EXTERNAL if external else KOPS_INTERNAL])
    targets: list[str] = []
    for node in view.list(NODES):
        if KOPS_NODE_ROLE not in as_map(dig(node, "metadata", "labels")):
            continue
        for raw in as_list(dig(node, "status", "addresses")):
            entry = as_map(raw)
            address, kind = as_str(entry.get("address")).strip(), as_str(entry.get("type"))
            wanted = (kind == "ExternalIP" or (expose_internal_ipv6 and kind == "InternalIP"
                                               and suitable_type(address) == "AAAA")) if external \
                else kind == "InternalIP"
            if address and wanted:
                targets.append(address)
    return _records(names, targets, subject)


def service_endpoints(svc: Obj, view: ObjectView, mode: str, expose_internal_ipv6: bool,
                      subject: str) -> SourceResult:
    """What `mode` (settings.source.COMPATIBILITY_MODES) publishes for a Service that gave no records
    of its own."""
    svc_type = as_str(dig(svc, "spec", "type")) or "ClusterIP"
    if mode == "kops-dns-controller":
        if svc_type == "NodePort":
            return _kops_node_port(svc, view, expose_internal_ipv6, subject)
        if svc_type != "LoadBalancer":
            return SourceResult()
    names = service_names(svc, mode)
    return _records(names, load_balancer_targets(svc), subject) if names else SourceResult()


def pod_names(pod: Obj) -> tuple[list[str], list[str]]:
    """kops-dns-controller on a Pod: (internal names -> the Pod IP, external names -> its Node's addresses)."""
    notes = _annotations(pod)
    return split_names(notes.get(KOPS_INTERNAL, "")), split_names(notes.get(KOPS_EXTERNAL, ""))

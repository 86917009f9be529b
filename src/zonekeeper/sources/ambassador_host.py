"""The `ambassador-host` source: Emissary (Ambassador) Hosts (getambassador.io/v3alpha1), as external-dns v0.23.0.

A Host takes part only when it carries the unprefixed annotation `external-dns.ambassador-service`,
which names the Service in front of Emissary: `namespace/name`, `name.namespace` (Emissary's own
cross-namespace spelling; `svc.foo.bar` is Service `svc` in namespace `foo.bar`) or a bare `name`
in namespace `default`. Hostname: spec.hostname. Targets: the `target` annotation, else that
Service's spec.externalIPs, else every IP and hostname of its status.loadBalancer.ingress[].

As in external-dns: the `hostname` annotation, the `controller` annotation and --fqdn-template do
not apply to this source; the TTL, set identifier and provider-specific annotations do. A Host whose
Service is missing publishes nothing (a Problem says why; external-dns logs a warning).
The `resource` label is `host/<namespace>/<name>`.
"""

from __future__ import annotations

from collections.abc import Iterator

from zonekeeper import annotations as ann
from zonekeeper.endpoint import Problem
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import (
    REFERENCE_NOT_FOUND,
    as_list,
    as_str,
    dedupe,
    dig,
    endpoints_for_hostnames,
    finish,
    load_balancer_targets,
    resource,
    spec_hostnames,
)
from zonekeeper.sources.objects import AMBASSADOR_HOSTS, SERVICES, Obj, ObjectView, name_of, namespace_of

SOURCE_NAME = "ambassador-host"
KIND = "host"
DEFAULT_NAMESPACE = "default"


def parse_service(value: str) -> tuple[str, str] | None:
    """(namespace, name) of the Service an `external-dns.ambassador-service` value names, or None
    when it has more than one "/" (external-dns's parseAmbLoadBalancerService)."""
    parts = value.split("/")
    if len(parts) == 2:
        return parts[0], parts[1]
    if len(parts) > 2:
        return None
    name, dot, namespace = value.partition(".")
    return (namespace, name) if dot else (DEFAULT_NAMESPACE, value)


def service_ref(host: Obj) -> tuple[str, str] | None:
    """The Service a Host's annotation names, or None without one (or a malformed one)."""
    value = ann.annotations_of(host).get(ann.AMBASSADOR_SERVICE_ANNOTATION)
    return None if value is None else parse_service(value)


def service_targets(svc: Obj) -> list[str]:
    """external-dns's extractLoadBalancerTargets: spec.externalIPs, else the load balancer's IPs and hostnames."""
    external = dedupe(as_str(ip).strip() for ip in as_list(dig(svc, "spec", "externalIPs")))
    return external or load_balancer_targets(svc)


def _targets(obj: Obj, view: ObjectView, config: SourceConfig, subject: str,
             value: str) -> tuple[list[str], list[Problem]]:
    if ann.has_targets(obj, prefixes=config.annotation_prefixes):
        return ann.targets(obj, subject, prefixes=config.annotation_prefixes)
    ref = parse_service(value)
    annotation = ann.AMBASSADOR_SERVICE_ANNOTATION
    if ref is None:
        return [], [ann.invalid(subject, annotation, value, "want namespace/name, name.namespace or name")]
    svc = view.get(SERVICES, *ref)
    if svc is None:
        message = f"annotation {annotation}: Service {ref[0]}/{ref[1]} not found"
        return [], [Problem(subject, REFERENCE_NOT_FOUND, message)]
    return service_targets(svc), []


def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    value = ann.annotations_of(obj).get(ann.AMBASSADOR_SERVICE_ANNOTATION)
    if value is None:
        return SourceResult()  # the Host has not opted in
    subject = resource(KIND, obj)
    result = SourceResult()
    targets, problems = _targets(obj, view, config, subject, value)
    result.problems += problems
    if problems and not targets:
        return finish(result)
    hosts, problems = spec_hostnames([dig(obj, "spec", "hostname")], subject, "spec.hostname")
    result.problems += problems
    common = ann.read_common(obj, subject, prefixes=config.annotation_prefixes,
                             alias_true_only=config.alias_true_only)
    result.problems += common.problems
    result.extend(endpoints_for_hostnames(hosts, targets, common, subject))
    return finish(result)


def dependents(kind: str, obj: Obj, view: ObjectView) -> Iterator[tuple[str, str]]:
    """The Host itself; for a Service, every Host whose annotation names it."""
    if kind == AMBASSADOR_HOSTS:
        yield namespace_of(obj), name_of(obj)
    elif kind == SERVICES:
        key = (namespace_of(obj), name_of(obj))
        for host in view.list(AMBASSADOR_HOSTS):
            if service_ref(host) == key:
                yield namespace_of(host), name_of(host)


SPEC = SourceSpec(SOURCE_NAME, AMBASSADOR_HOSTS, endpoints, (AMBASSADOR_HOSTS, SERVICES), dependents, KIND)

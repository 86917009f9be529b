"""The `ingress` source: networking.k8s.io/v1 Ingresses.

Hostnames: spec.rules[].host and spec.tls[].hosts (each can be switched off by flag) plus the
`hostname` annotation; `ingress-hostname-source` narrows that to `defined-hosts-only` or
`annotation-only`. Targets: the `target` annotation, else every IP and hostname in
status.loadBalancer.ingress[].
"""

from __future__ import annotations

from zonekeeper import annotations as ann
from zonekeeper.endpoint import Problem
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import (
    add_annotation_hostnames,
    add_template_records,
    as_list,
    as_map,
    as_str,
    dig,
    finish,
    load_balancer_records,
    only_itself,
    resource,
    spec_hostnames,
)
from zonekeeper.sources.objects import INGRESSES, Obj, ObjectView

KIND = "ingress"
SOURCE_NAME = "ingress"


def ingress_class_matches(obj: Obj, classes: tuple[str, ...]) -> bool:
    """--ingress-class: spec.ingressClassName or the kubernetes.io/ingress.class annotation is listed."""
    if not classes:
        return True
    class_name = as_str(dig(obj, "spec", "ingressClassName"))
    legacy = ann.annotations_of(obj).get(ann.INGRESS_CLASS_ANNOTATION)
    return class_name in classes or (legacy is not None and legacy in classes)


def defined_hosts(obj: Obj, config: SourceConfig, subject: str) -> tuple[list[str], list[Problem]]:
    raw: list[tuple[str, str]] = []  # (host, field path for messages)
    spec = as_map(obj.get("spec"))
    if not config.ignore_ingress_rules_spec:
        for i, rule in enumerate(as_list(spec.get("rules"))):
            raw.append((as_str(as_map(rule).get("host")), f"spec.rules[{i}].host"))
    if not config.ignore_ingress_tls_spec:
        for i, tls in enumerate(as_list(spec.get("tls"))):
            for j, host in enumerate(as_list(as_map(tls).get("hosts"))):
                raw.append((as_str(host), f"spec.tls[{i}].hosts[{j}]"))
    names: list[str] = []
    problems: list[Problem] = []
    for host, where in raw:
        found, bad = spec_hostnames([host], subject, where)
        problems += bad
        names += [n for n in found if n not in names]
    return names, problems


def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    subject = resource(KIND, obj)
    if not ann.controller_matches(obj, config.controller_name, prefixes=config.annotation_prefixes):
        return SourceResult()
    if not ingress_class_matches(obj, config.ingress_classes):
        return SourceResult()

    result = SourceResult()
    source, problems = ann.choice(
        obj,
        ann.INGRESS_HOSTNAME_SOURCE,
        (ann.HOSTNAME_SOURCE_DEFINED_HOSTS_ONLY, ann.HOSTNAME_SOURCE_ANNOTATION_ONLY),
        subject,
        prefixes=config.annotation_prefixes,
    )
    result.problems += problems

    hosts: list[str] = []
    if source != ann.HOSTNAME_SOURCE_ANNOTATION_ONLY:
        found, problems = defined_hosts(obj, config, subject)
        hosts += found
        result.problems += problems
    if source != ann.HOSTNAME_SOURCE_DEFINED_HOSTS_ONLY and not config.ignore_hostname_annotation:
        add_annotation_hostnames(obj, hosts, subject, result, config.annotation_prefixes)
    if hosts:
        result.extend(load_balancer_records(obj, hosts, config, subject))
    add_template_records(obj, result, config, SOURCE_NAME, subject,
                         lambda names: load_balancer_records(obj, names, config, subject))
    return finish(result)


SPEC = SourceSpec(SOURCE_NAME, INGRESSES, endpoints, (INGRESSES,), only_itself(INGRESSES), KIND)

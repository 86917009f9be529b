"""The `kong-tcpingress` source: Kong TCPIngresses (configuration.konghq.com/v1beta1), as external-dns v0.23.0.

Hostnames: the `hostname` annotation (unless --ignore-hostname-annotation), then spec.rules[].host
(spec.tls[].hosts are not read, as in external-dns). Targets: the `target` annotation, else every
IP and hostname in the TCPIngress's own status.loadBalancer.ingress[] (Kong's proxy Service's),
so no other object is read. external-dns gives this source no --fqdn-template; neither does
zonekeeper. Objects naming another `controller` are left alone. The `resource` label is
`tcpingress/<namespace>/<name>`.
"""

from __future__ import annotations

from zonekeeper import annotations as ann
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import (
    add_annotation_hostnames,
    as_list,
    as_map,
    dig,
    finish,
    load_balancer_records,
    only_itself,
    resource,
    spec_hostnames,
)
from zonekeeper.sources.objects import TCPINGRESSES, Obj, ObjectView

SOURCE_NAME = "kong-tcpingress"
KIND = "tcpingress"


def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    subject = resource(KIND, obj)
    if not ann.controller_matches(obj, config.controller_name, prefixes=config.annotation_prefixes):
        return SourceResult()
    result = SourceResult()
    hosts: list[str] = []
    if not config.ignore_hostname_annotation:
        add_annotation_hostnames(obj, hosts, subject, result, config.annotation_prefixes)
    for i, rule in enumerate(as_list(dig(obj, "spec", "rules"))):
        found, problems = spec_hostnames([as_map(rule).get("host")], subject, f"spec.rules[{i}].host")
        result.problems += problems
        hosts += [h for h in found if h not in hosts]
    if hosts:
        result.extend(load_balancer_records(obj, hosts, config, subject))
    return finish(result)


SPEC = SourceSpec(SOURCE_NAME, TCPINGRESSES, endpoints, (TCPINGRESSES,), only_itself(TCPINGRESSES), KIND)

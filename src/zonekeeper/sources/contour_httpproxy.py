"""The `contour-httpproxy` source: Contour HTTPProxies (projectcontour.io/v1), as external-dns v0.23.0.

Hostnames: spec.virtualhost.fqdn, then the `hostname` annotation (unless --ignore-hostname-annotation),
then --fqdn-template's names (instead, or in addition with --combine-fqdn-annotation). Targets: the
`target` annotation, else every IP and hostname in the HTTPProxy's own status.loadBalancer.ingress[]
(Contour copies its Envoy Service's there), so no other object is read. Objects naming another
`controller` are left alone. The `resource` label is `HTTPProxy/<namespace>/<name>`, as external-dns
writes it.
"""

from __future__ import annotations

from zonekeeper import annotations as ann
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import (
    as_str,
    dig,
    load_balancer_records,
    only_itself,
    publish_hosts,
    resource,
    spec_hostnames,
)
from zonekeeper.sources.objects import HTTPPROXIES, Obj, ObjectView

SOURCE_NAME = "contour-httpproxy"
KIND = "HTTPProxy"


def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    subject = resource(KIND, obj)
    if not ann.controller_matches(obj, config.controller_name, prefixes=config.annotation_prefixes):
        return SourceResult()
    result = SourceResult()
    hosts, problems = spec_hostnames([as_str(dig(obj, "spec", "virtualhost", "fqdn"))], subject,
                                     "spec.virtualhost.fqdn")
    result.problems += problems
    return publish_hosts(obj, hosts, result, config, SOURCE_NAME, subject,
                         lambda names: load_balancer_records(obj, names, config, subject))


SPEC = SourceSpec(SOURCE_NAME, HTTPPROXIES, endpoints, (HTTPPROXIES,), only_itself(HTTPPROXIES), KIND)

"""The `openshift-route` source: OpenShift Routes (route.openshift.io/v1; ROSA runs on AWS), as
external-dns v0.23.0's source/openshift_route.go.

A Route's name and target come from its status, not its spec: of the status.ingress[] entries of the
routers that admitted it (condition `Admitted` True) and gave a routerCanonicalHostname, the one of
--openshift-router-name (default: the first) gives the hostname (its `host`) and the target (its
routerCanonicalHostname). The `hostname` annotation adds names (unless --ignore-hostname-annotation),
the `target` annotation replaces the target, then --fqdn-template's names. TTL, set identifier and
provider-specific annotations are read. The `resource` label is `route/<namespace>/<name>`.
"""

from __future__ import annotations

from zonekeeper import annotations as ann
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import (
    as_list,
    as_map,
    as_str,
    dig,
    only_itself,
    publish_hosts,
    records_for,
    resource,
    spec_hostnames,
)
from zonekeeper.sources.objects import OPENSHIFT_ROUTES, Obj, ObjectView

KIND = "route"
SOURCE_NAME = "openshift-route"


def admitted(entry: Obj) -> bool:
    """The entry's `Admitted` condition is True (the first condition of that type decides, as in
    external-dns's ingressConditionStatus)."""
    for raw in as_list(entry.get("conditions")):
        condition = as_map(raw)
        if as_str(condition.get("type")) == "Admitted":
            return as_str(condition.get("status")) == "True"
    return False


def router_entry(route: Obj, router_name: str) -> tuple[str, str, int] | None:
    """(host, canonical hostname, index) of the status.ingress[] entry that names the Route, or None."""
    for i, raw in enumerate(as_list(dig(route, "status", "ingress"))):
        entry = as_map(raw)
        canonical = as_str(entry.get("routerCanonicalHostname")).strip()
        if not admitted(entry) or not canonical:
            continue
        if not router_name or as_str(entry.get("routerName")) == router_name:
            return as_str(entry.get("host")).strip(), canonical, i
    return None


def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    subject = resource(KIND, obj)
    if not ann.controller_matches(obj, config.controller_name, prefixes=config.annotation_prefixes):
        return SourceResult()
    result = SourceResult()
    hosts: list[str] = []
    entry = router_entry(obj, config.openshift_router_name)
    if entry is not None and entry[0]:
        hosts, problems = spec_hostnames([entry[0]], subject, f"status.ingress[{entry[2]}].host")
        result.problems += problems
    own_targets = [entry[1]] if entry is not None else []
    return publish_hosts(obj, hosts, result, config, SOURCE_NAME, subject,
                         lambda names: records_for(obj, names, config, subject, lambda: own_targets))


SPEC = SourceSpec(SOURCE_NAME, OPENSHIFT_ROUTES, endpoints, (OPENSHIFT_ROUTES,), only_itself(OPENSHIFT_ROUTES), KIND)

"""The `skipper-routegroup` source: Skipper RouteGroups (zalando.org/v1), as external-dns v0.23.0's
source/skipper_routegroup.go.

Hostnames: spec.hosts[] plus the `hostname` annotation (unless --ignore-hostname-annotation), then
--fqdn-template's. Targets: the `target` annotation, else every IP and hostname in
status.loadBalancer.routegroup[]. TTL, set identifier and provider-specific annotations are read.
The `resource` label is `routegroup/<namespace>/<name>`.

Skipper's CRD spells the status list `routegroup`; external-dns decodes it into a field tagged
`routeGroup` with Go's case-insensitive JSON matching, so either spelling counts (the last one in
the object, as Go's decoder leaves it, when both are there).
"""

from __future__ import annotations

from typing import Any

from zonekeeper import annotations as ann
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import (
    as_list,
    as_map,
    as_str,
    dedupe,
    dig,
    only_itself,
    publish_hosts,
    records_for,
    resource,
    spec_hostnames,
)
from zonekeeper.sources.objects import ROUTEGROUPS, Obj, ObjectView

KIND = "routegroup"
SOURCE_NAME = "skipper-routegroup"
# The only group/version external-dns v0.23.0's RouteGroup client and zonekeeper read.
GROUP_VERSION = "zalando.org/v1"


def status_entries(obj: Obj) -> list[Any]:
    """status.loadBalancer.routegroup[] under any spelling of `routegroup` (see the module docstring)."""
    found: list[Any] = []
    for key, value in as_map(dig(obj, "status", "loadBalancer")).items():
        if str(key).lower() == "routegroup":
            found = as_list(value)
    return found


def status_targets(obj: Obj) -> list[str]:
    targets: list[str] = []
    for raw in status_entries(obj):
        entry = as_map(raw)
        targets += [as_str(entry.get("ip")).strip(), as_str(entry.get("hostname")).strip()]
    return dedupe(targets)


def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    subject = resource(KIND, obj)
    if not ann.controller_matches(obj, config.controller_name, prefixes=config.annotation_prefixes):
        return SourceResult()
    result = SourceResult()
    hosts: list[str] = []
    for i, raw in enumerate(as_list(dig(obj, "spec", "hosts"))):
        found, problems = spec_hostnames([raw], subject, f"spec.hosts[{i}]")
        result.problems += problems
        hosts += [h for h in found if h not in hosts]
    return publish_hosts(obj, hosts, result, config, SOURCE_NAME, subject,
                         lambda names: records_for(obj, names, config, subject, lambda: status_targets(obj)))


SPEC = SourceSpec(SOURCE_NAME, ROUTEGROUPS, endpoints, (ROUTEGROUPS,), only_itself(ROUTEGROUPS), KIND)

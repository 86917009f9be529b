"""The `f5-virtualserver` source: F5 BIG-IP Container Ingress Services VirtualServers (cis.f5.com/v1),
as external-dns v0.23.0's source/f5_virtualserver.go.

Only a VirtualServer whose status.vsAddress is set (and not `none`, any case) is published: CIS writes
it once BIG-IP has the virtual address, so before that nothing is, whatever the annotations say.
Hostnames: spec.host and spec.hostAliases[] (the `hostname` annotation is not read, as in
external-dns). Targets, first that applies: the `target` annotation, spec.virtualServerAddress,
status.vsAddress. The `ttl` annotation is read; provider-specific ones (set identifier, aws-*) are
not. external-dns's --fqdn-template gives these objects records only together with --target-template
(the template supplies the targets), which zonekeeper does not take, so templates give none here
either. The `resource` label is `f5-virtualserver/<namespace>/<name>`.
"""

from __future__ import annotations

from zonekeeper import annotations as ann
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import (
    as_list,
    as_str,
    dig,
    endpoints_for_hostname,
    finish,
    only_itself,
    resource,
    spec_hostnames,
)
from zonekeeper.sources.objects import F5_VIRTUALSERVERS, Obj, ObjectView

KIND = "f5-virtualserver"


def has_virtual_address(obj: Obj) -> bool:
    """external-dns's hasValidVirtualServerIP: status.vsAddress set and not `none`."""
    return as_str(dig(obj, "status", "vsAddress")).lower() not in ("", "none")


def f5_endpoints(obj: Obj, config: SourceConfig, label_kind: str, *, with_aliases: bool) -> SourceResult:
    """The records of a VirtualServer (`with_aliases`: spec.hostAliases too) or a TransportServer."""
    subject = resource(label_kind, obj)
    prefixes = config.annotation_prefixes
    if not ann.controller_matches(obj, config.controller_name, prefixes=prefixes) or not has_virtual_address(obj):
        return SourceResult()
    result = SourceResult()
    raw = [(dig(obj, "spec", "host"), "spec.host")]
    if with_aliases:
        raw += [(alias, f"spec.hostAliases[{i}]") for i, alias in enumerate(as_list(dig(obj, "spec", "hostAliases")))]
    hosts: list[str] = []
    for value, where in raw:
        found, problems = spec_hostnames([value], subject, where)
        result.problems += problems
        hosts += [h for h in found if h not in hosts]
    ttl, problems = ann.ttl(obj, subject, prefixes=prefixes)
    result.problems += problems
    if ann.has_targets(obj, prefixes=prefixes):
        targets, problems = ann.targets(obj, subject, prefixes=prefixes)
        result.problems += problems
    else:
        address = as_str(dig(obj, "spec", "virtualServerAddress")).strip()
        targets = [address or as_str(dig(obj, "status", "vsAddress")).strip()]
    for host in hosts:
        result.extend(endpoints_for_hostname(host, targets, ttl, "", {}, subject))
    return finish(result)


def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    return f5_endpoints(obj, config, KIND, with_aliases=True)


SPEC = SourceSpec("f5-virtualserver", F5_VIRTUALSERVERS, endpoints, (F5_VIRTUALSERVERS,),
                  only_itself(F5_VIRTUALSERVERS), KIND)

"""The source contract: what every source declares, its configuration and the shape of its answer.

A source is one module that ends with one `SPEC = SourceSpec(...)`, registered by one line in
`zonekeeper.sources`. Everything the rest of zonekeeper knows about a source comes from that spec:
the `--source` flag, which resources the controller lists and watches (and the RBAC rules the chart
grants), which objects a change re-plans, and the `resource` label's kind that metrics, logs and
Kubernetes Events use to name the object.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from zonekeeper.annotations.keys import PREFIXES, Prefixes
from zonekeeper.endpoint import Endpoint, Problem
from zonekeeper.sources.fqdn import FqdnTemplate
from zonekeeper.sources.objects import Obj, ObjectView

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(slots=True, frozen=True)
class SourceConfig:
    """Source-side flags, named after their external-dns counterparts."""

    publish_internal_services: bool = False
    publish_host_ip: bool = False
    always_publish_not_ready_addresses: bool = False
    ignore_hostname_annotation: bool = False
    ignore_ingress_tls_spec: bool = False
    ignore_ingress_rules_spec: bool = False
    ingress_classes: tuple[str, ...] = ()
    service_type_filter: tuple[str, ...] = ()  # empty: every type
    # Objects whose `controller` annotation names anything else are left alone.
    controller_name: str = "dns-controller"
    exclude_unschedulable: bool = True
    # --compatibility: "" or one of settings.source.COMPATIBILITY_MODES (legacy annotations of mate, molecule, kops).
    compatibility: str = ""
    # --fqdn-template (parsed) and --combine-fqdn-annotation: sources.fqdn.
    fqdn_template: FqdnTemplate | None = None
    combine_fqdn_annotation: bool = False
    # --fqdn-target-template (parsed): `host:target` pairs (sources.fqdn; service, node and pod read it).
    fqdn_target_template: FqdnTemplate | None = None
    # What external-dns's source wrappers do to every endpoint (sources.postprocess).
    default_targets: tuple[str, ...] = ()
    force_default_targets: bool = False
    nat64_networks: tuple[ipaddress.IPv6Network, ...] = ()
    target_net_filter: tuple[IPNetwork, ...] = ()
    exclude_target_nets: tuple[IPNetwork, ...] = ()
    min_ttl: int = 0
    prefer_alias: bool = False
    create_ptr: bool = False  # --create-ptr (sources.postprocess)
    # --alias-annotation=external-dns: only `alias: "true"` counts (annotations.provider_specific).
    alias_true_only: bool = False
    # The annotation prefixes read, in precedence order (annotations.prefixes_for).
    annotation_prefixes: Prefixes = PREFIXES
    # node source: a node's internal IPv6 addresses beside its external ones (--expose-internal-ipv6).
    expose_internal_ipv6: bool = False
    # pod source: `<pod name>.<domain>` for every Pod (--pod-source-domain); hostNetwork Pods only
    # (--ignore-non-host-network-pods).
    pod_source_domain: str = ""
    ignore_non_host_network_pods: bool = False
    # The Gateways a route may attach to (--gateway-name, --gateway-namespace, --gateway-label-filter).
    gateway_name: str = ""
    gateway_namespace: str = ""
    gateway_label_filter: str = ""
    # gloo-proxy source: the namespaces whose Proxies are read (--gloo-namespace).
    gloo_namespaces: tuple[str, ...] = ("gloo-system",)
    # Routes may attach to Gateway API ListenerSets (--gateway-listener-sets).
    gateway_listener_sets: bool = False
    # --annotation-filter, for ListenerSets: external-dns filters them with it as it does routes. (The
    # primary objects are filtered before any source sees them: zonekeeper.live.annotation_filter.)
    annotation_filter: str = ""
    # --resolve-service-load-balancer-hostname: None when off; else each LoadBalancer Service status
    # hostname -> the addresses the edge (zonekeeper.lbresolve) resolved it to, () if it did not
    # resolve. Sources stay pure: they read this table and never look a name up themselves.
    resolved_hostnames: Mapping[str, tuple[str, ...]] | None = field(default=None, hash=False)
    # openshift-route source: the router whose status entry names a Route's host and target
    # (--openshift-router-name; "": the first router that admitted it).
    openshift_router_name: str = ""


@dataclass(slots=True)
class SourceResult:
    endpoints: list[Endpoint] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def extend(self, other: SourceResult) -> None:
        self.endpoints.extend(other.endpoints)
        self.problems.extend(other.problems)


# (primary object, view of every object, flags) -> endpoints and problems. Pure: it reads other
# objects only through the view, never raises on bad input (a Problem names the object instead), and
# returns the same answer for the same input.
SourceFunction = Callable[[Obj, ObjectView, SourceConfig], SourceResult]
# (kind of the changed object, one version of it, view) -> (namespace, name) of every primary object
# whose records may change with it. Called with the old and the new version of an update: a Service
# whose selector changed affects the Gateways matching either selector.
DependentsFunction = Callable[[str, Obj, ObjectView], Iterable[tuple[str, str]]]


@dataclass(slots=True, frozen=True)
class SourceSpec:
    """One source, completely.

    `name`          the `--source` name ("service", "istio-virtualservice", ...), as external-dns spells it;
    `kind`          the primary resource it turns into records (a constant of `sources.objects`);
    `function`      a `SourceFunction` over one primary object;
    `watched_kinds` every resource whose objects can change its output, `kind` included: the controller
                    watches these, the Helm chart grants read access to them;
    `dependents`    a `DependentsFunction`: for a change to any watched object, the primary objects to
                    re-plan (for the primary kind, the object itself);
    `label_kind`    the <kind> of the `resource` label `<kind>/<namespace>/<name>` on its endpoints,
                    used to name the object in metrics, logs and Events (external-dns's word).
    """

    name: str
    kind: str
    function: SourceFunction
    watched_kinds: tuple[str, ...]
    dependents: DependentsFunction
    label_kind: str

    def __post_init__(self) -> None:
        if not self.name or not self.label_kind or "/" in self.label_kind:
            raise ValueError(f"source {self.name!r}: a name and a label kind without '/' are required")
        if self.kind not in self.watched_kinds:
            raise ValueError(f"source {self.name!r}: its primary kind {self.kind} must be watched")



def register(*specs: SourceSpec) -> dict[str, SourceSpec]:
    """The registry of `specs`, by `--source` name, in the given order (help text and passes use it).

    A label kind names one resource everywhere (an Event's object is found from it), so two sources
    may share one only when they read the same primary kind.
    """
    registry: dict[str, SourceSpec] = {}
    kinds: dict[str, str] = {}
    for spec in specs:
        if spec.name in registry:
            raise ValueError(f"source {spec.name!r} is registered twice")
        if kinds.setdefault(spec.label_kind, spec.kind) != spec.kind:
            raise ValueError(f"label kind {spec.label_kind!r} names both {kinds[spec.label_kind]} and {spec.kind}")
        registry[spec.name] = spec
    return registry

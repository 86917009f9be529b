"""The source contract: what every source declares, its configuration and the shape of its answer.

A source is one module that ends with one `SPEC = SourceSpec(...)`, registered by one line in
`zonekeeper.sources`. Everything the rest of zonekeeper knows about a source comes from that spec:
the `--source` flag, which resources the controller lists and watches (and the RBAC rules the chart
grants), which objects a change re-plans, and the `resource` label's kind that metrics, logs and
Kubernetes Events use to name the object.

One `--source` name may stand for several primary kinds (`traefik-proxy`: IngressRoute,
IngressRouteTCP and IngressRouteUDP, each in two API groups). Such a source is a `Source`: its name
and a tuple of parts, one `SourceSpec` per primary kind, each with its own `part` name and an
`enabled` predicate over the `SourceConfig` (the legacy traefik.containo.us parts only with
--traefik-enable-legacy). A source whose kinds flags name at run time (`unstructured
--unstructured-resource`) builds its parts from the configuration (`Source.expand`). A single
`SourceSpec` registers as the one-part `Source` of its name, so single-kind sources keep their shape.
Callers never look at a `Source` themselves: `sources.specs_for(names, config)` is every enabled
part, in order, and `watched_kinds`/`primary_kinds` are derived from it; a part is known to the
controller by its `SourceSpec.id`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from zonekeeper.annotations.keys import PREFIXES, Prefixes
from zonekeeper.endpoint import Endpoint, Problem
from zonekeeper.sources.fqdn import FqdnTemplate
from zonekeeper.sources.objects import KindInfo, Obj, ObjectView

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
    # primary objects are filtered before any source sees them: zonekeeper.annotationfilter.)
    annotation_filter: str = ""
    # traefik-proxy: the legacy traefik.containo.us group too (--traefik-enable-legacy), the traefik.io
    # group not (--traefik-disable-new).
    traefik_enable_legacy: bool = False
    traefik_disable_new: bool = False
    # unstructured: the resources --unstructured-resource names, as the API server described them at
    # start-up (kube.discovery); empty until then.
    unstructured_kinds: tuple[KindInfo, ...] = ()
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


def always(config: SourceConfig) -> bool:
    """The `enabled` of a part that runs whenever its source does."""
    return True


@dataclass(slots=True, frozen=True)
class SourceSpec:
    """One source, or one part of a source of several primary kinds, completely.

    `name`          the `--source` name ("service", "istio-virtualservice", ...), as external-dns spells it;
    `kind`          the primary resource it turns into records (a constant of `sources.objects`);
    `function`      a `SourceFunction` over one primary object;
    `watched_kinds` every resource whose objects can change its output, `kind` included: the controller
                    watches these, the Helm chart grants read access to them;
    `dependents`    a `DependentsFunction`: for a change to any watched object, the primary objects to
                    re-plan (for the primary kind, the object itself);
    `label_kind`    the <kind> of the `resource` label `<kind>/<namespace>/<name>` on its endpoints,
                    used to name the object in metrics, logs and Events (external-dns's word);
    `part`          "" for a source of one kind; else this part's name within its source
                    ("ingressroute-legacy"), unique there;
    `enabled`       whether the part runs under the given flags (`always` for most).
    """

    name: str
    kind: str
    function: SourceFunction
    watched_kinds: tuple[str, ...]
    dependents: DependentsFunction
    label_kind: str
    part: str = ""
    enabled: Callable[[SourceConfig], bool] = always

    def __post_init__(self) -> None:
        if not self.name or not self.label_kind or "/" in self.label_kind:
            raise ValueError(f"source {self.name!r}: a name and a label kind without '/' are required")
        if self.kind not in self.watched_kinds:
            raise ValueError(f"source {self.name!r}: its primary kind {self.kind} must be watched")
        if ":" in self.part:
            raise ValueError(f"source {self.name!r}: part {self.part!r} must not contain ':'")

    @property
    def id(self) -> str:
        """The part among every enabled part: `<name>`, or `<name>:<part>` for a part of a source of
        several kinds. The controller files each object's output under (id, namespace, name)."""
        return f"{self.name}:{self.part}" if self.part else self.name


Parts = tuple[SourceSpec, ...]
# The parts a source builds from flags at start-up (their kinds are not known before).
ExpandFunction = Callable[[SourceConfig], Parts]


def no_parts(config: SourceConfig) -> Parts:
    return ()


@dataclass(slots=True, frozen=True)
class Source:
    """One `--source` name and what it reads: `parts`, each run when its `enabled` says so, then the
    parts `expand` builds from the flags (for kinds only flags name)."""

    name: str
    parts: Parts
    expand: ExpandFunction = no_parts

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for spec in self.parts:
            if spec.name != self.name:
                raise ValueError(f"source {self.name!r}: part {spec.id!r} belongs to another source")
            if spec.id in seen:
                raise ValueError(f"source {self.name!r}: part {spec.id!r} is declared twice")
            if len(self.parts) > 1 and not spec.part:
                raise ValueError(f"source {self.name!r}: a part of a source of several kinds needs a part name")
            seen.add(spec.id)

    @property
    def only(self) -> SourceSpec:
        """The spec of a source of one kind (tests and tools running one source by hand)."""
        if len(self.parts) != 1:
            raise ValueError(f"source {self.name!r} has {len(self.parts)} parts, not one")
        return self.parts[0]

    def specs(self, config: SourceConfig) -> Parts:
        """The parts that run under `config`, in declaration order."""
        built = self.expand(config)
        for spec in built:
            if spec.name != self.name or not spec.part:
                raise ValueError(f"source {self.name!r}: a built part needs its name and a part name")
        return tuple(spec for spec in self.parts if spec.enabled(config)) + built


def register(*entries: SourceSpec | Source) -> dict[str, Source]:
    """The registry of `entries`, by `--source` name, in the given order (help text and passes use it);
    a lone `SourceSpec` is the one-part `Source` of its name.

    A label kind names one resource everywhere (an Event's object is found from it), so two sources
    may share one only when they read the same primary kind; within one source, parts may share one
    for the same resource in two API groups (external-dns's `ingressroute/...` for both Traefik groups).
    """
    registry: dict[str, Source] = {}
    kinds: dict[str, tuple[str, str]] = {}  # label kind -> (source, primary kind) first seen
    for entry in entries:
        source = entry if isinstance(entry, Source) else Source(entry.name, (entry,))
        if source.name in registry:
            raise ValueError(f"source {source.name!r} is registered twice")
        for spec in source.parts:
            owner, kind = kinds.setdefault(spec.label_kind, (source.name, spec.kind))
            if kind != spec.kind and owner != source.name:
                raise ValueError(f"label kind {spec.label_kind!r} names both {kind} and {spec.kind}")
        registry[source.name] = source
    return registry

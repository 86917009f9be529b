"""What the Gateway API route sources share (gateway-httproute, -grpcroute, -tlsroute, -tcproute,
-udproute): a route's names intersected with the hostname of every listener it attaches to, the
targets of those listeners' Gateways. Each source module is one `RouteKind` and `spec(...)`.

A route's names: spec.hostnames (not read for TCPRoutes and UDPRoutes, which have none), plus the
`hostname` annotation; `gateway-hostname-source` narrows to `defined-hosts-only` or
`annotation-only`. A route without spec.hostnames also takes each listener's hostname.

Attachment is decided from the spec (unlike external-dns, route status is not consulted):
  - parentRefs of group gateway.networking.k8s.io and kind Gateway (the defaults); the namespace
    defaults to the route's; sectionName and port narrow the listeners;
  - listeners of a protocol the route kind attaches to (`RouteKind.protocols`, as external-dns's
    gwProtocolMatches: HTTP/GRPC routes on HTTP or HTTPS, TLS on TLS, TCP on TCP or TLS, UDP on UDP);
  - allowedRoutes.namespaces.from: Same (the default) needs the route in the Gateway's namespace,
    All admits every namespace, Selector the namespaces whose labels match its selector (Namespaces
    are watched for that; a label change re-plans the routes in the namespace);
  - allowedRoutes.kinds, when given, must list the route's kind;
  - the --gateway-name, --gateway-namespace and --gateway-label-filter filters admit the Gateway.
Targets: the Gateway's `target` annotation, else Gateway.status.addresses[].value. TTL,
set-identifier and provider-specific annotations come from the route.

ListenerSets (--gateway-listener-sets, as external-dns v0.23.0 reads them): a parentRef of kind
ListenerSet attaches the route to that ListenerSet's listeners. The ListenerSet's spec.parentRef
names its Gateway (namespace defaulting to the ListenerSet's), which must admit it through
spec.allowedListeners.namespaces.from (None, the default, admits nothing; Same, All, Selector as for
routes) and pass the --gateway-* filters; the ListenerSet itself must pass --annotation-filter and
name no other controller. allowedRoutes `Same` then means the ListenerSet's
namespace. Targets: the ListenerSet's `target` annotation, else its Gateway's, else the Gateway's
status addresses. As for routes, the decision is taken from the spec: external-dns also waits for
the ListenerSet's and each listener entry's Accepted status.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from zonekeeper import annotations as ann
from zonekeeper import selectors
from zonekeeper.endpoint import Problem
from zonekeeper.sources import fqdn
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import (
    as_list,
    as_map,
    as_str,
    dedupe,
    dig,
    endpoints_for_hostnames,
    finish,
    resource,
    spec_hostnames,
)
from zonekeeper.sources.objects import (
    GATEWAYS,
    KIND_INFO,
    LISTENERSETS,
    NAMESPACES,
    Obj,
    ObjectView,
    meta,
    name_of,
    namespace_of,
)

GATEWAY_GROUP = "gateway.networking.k8s.io"


@dataclass(slots=True, frozen=True)
class RouteKind:
    """One kind of route: its resource (a constant of `sources.objects`), the listener protocols it
    attaches to, and whether it has spec.hostnames."""

    resource: str
    protocols: frozenset[str]
    has_hostnames: bool = True

    @property
    def kind(self) -> str:
        return KIND_INFO[self.resource].kind

    @property
    def label_kind(self) -> str:
        """The `resource` label's kind: external-dns's lower-cased Kind ("httproute")."""
        return self.kind.lower()


GATEWAY_KIND = "Gateway"
LISTENER_SET_KIND = "ListenerSet"
_PARENT_KINDS = {GATEWAY_KIND: GATEWAYS, LISTENER_SET_KIND: LISTENERSETS}


@dataclass(slots=True, frozen=True)
class ParentRef:
    """One of a route's parentRefs this source follows: a Gateway or a ListenerSet."""

    resource: str  # GATEWAYS or LISTENERSETS
    namespace: str
    name: str
    section: str = ""
    port: int | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return self.resource, self.namespace, self.name


def parent_refs(route: Obj) -> list[ParentRef]:
    """Each parentRef of group gateway.networking.k8s.io and kind Gateway or ListenerSet."""
    refs: list[ParentRef] = []
    for raw in as_list(dig(route, "spec", "parentRefs")):
        ref = as_map(raw)
        group = as_str(ref.get("group")) or GATEWAY_GROUP
        resource_name = _PARENT_KINDS.get(as_str(ref.get("kind")) or GATEWAY_KIND)
        name = as_str(ref.get("name"))
        if group != GATEWAY_GROUP or resource_name is None or not name:
            continue
        port = ref.get("port")
        refs.append(ParentRef(
            resource_name,
            as_str(ref.get("namespace")) or namespace_of(route),
            name,
            as_str(ref.get("sectionName")),
            port if isinstance(port, int) and not isinstance(port, bool) else None,
        ))
    return refs


def admitted_parent_refs(route: Obj, view: ObjectView, config: SourceConfig) -> list[Mapping[str, Any]]:
    """The route's Gateway parentRefs, as written in its spec, whose Gateway exists and the --gateway-*
    filters admit: the parents whose status entry is ours to write (an unresolved parent gets none,
    as Gateway API asks of implementations)."""
    refs: list[Mapping[str, Any]] = []
    for raw in as_list(dig(route, "spec", "parentRefs")):
        ref = as_map(raw)
        if (as_str(ref.get("group")) or GATEWAY_GROUP) != GATEWAY_GROUP or (as_str(ref.get("kind")) or
                                                                             "Gateway") != "Gateway":
            continue
        gateway = view.get(GATEWAYS, as_str(ref.get("namespace")) or namespace_of(route), as_str(ref.get("name")))
        if gateway is not None and gateway_admitted(gateway, config) and ref not in refs:
            refs.append(ref)
    return refs


def gateways_for_route(route: Obj, view: ObjectView) -> list[tuple[str, str]]:
    """Every Gateway (namespace, name) the route names directly, whether it exists yet or not."""
    return list(dict.fromkeys((r.namespace, r.name) for r in parent_refs(route) if r.resource == GATEWAYS))


def listener_set_gateway(listener_set: Obj) -> tuple[str, str]:
    """(namespace, name) of the Gateway a ListenerSet's spec.parentRef names (as external-dns, its
    group and kind are not looked at: the API defaults them to the Gateway's and allows nothing else)."""
    ref = as_map(dig(listener_set, "spec", "parentRef"))
    return as_str(ref.get("namespace")) or namespace_of(listener_set), as_str(ref.get("name"))


def _canonical(host: str) -> str | None:
    """Lower-cased listener/route hostname; "" means any; None when it is not a valid DNS name."""
    host = ann.clean_hostname(host)
    if not host:
        return ""
    if ann.hostname_error(host) is not None:
        return None
    return host


def matching_host(a: str, b: str) -> str | None:
    """The more specific of two overlapping hostnames ("" matches anything), or None.

    A leading `*.` is a suffix match: `*.example.com` matches `a.example.com` and `a.b.example.com`
    but not `example.com` (Gateway API semantics, as in external-dns's gwMatchingHost).
    """
    ca, cb = _canonical(a), _canonical(b)
    if ca is None or cb is None:
        return None
    if not ca:
        return cb
    if not cb or ca == cb:
        return ca
    # Let `ca` be the wildcard candidate: the shorter one, or the wildcard when lengths are equal.
    if len(cb) < len(ca) or (len(ca) == len(cb) and cb.startswith("*.")):
        ca, cb = cb, ca
    if ca.startswith("*.") and cb.endswith(ca[1:]):
        return cb
    return None


def _expression_matches(expression: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    key, operator = as_str(expression.get("key")), as_str(expression.get("operator"))
    values = {as_str(v) for v in as_list(expression.get("values"))}
    if operator == "In":
        return key in labels and labels[key] in values
    if operator == "NotIn":
        return key not in labels or labels[key] not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    return False  # an unknown operator: an invalid selector selects nothing, as in external-dns


def label_selector_matches(selector: Any, labels: Mapping[str, Any]) -> bool:
    """A metav1.LabelSelector (matchLabels and matchExpressions, all must hold) against labels. No
    selector at all selects nothing; an empty one selects everything (LabelSelectorAsSelector)."""
    if not isinstance(selector, Mapping):
        return False
    match_labels = as_map(selector.get("matchLabels"))
    if any(labels.get(k) != as_str(v) for k, v in match_labels.items()):
        return False
    return all(_expression_matches(as_map(e), labels) for e in as_list(selector.get("matchExpressions")))


def _namespace_admitted(namespaces: Mapping[str, Any], default: str, owner_namespace: str, namespace: str,
                        view: ObjectView) -> bool:
    """`namespaces` ({from, selector}, of allowedRoutes or allowedListeners) admits objects of
    `namespace` to something in `owner_namespace`: Same, All, or Selector over the Namespace's labels."""
    origin = as_str(namespaces.get("from")) or default
    if origin == "Same":
        return owner_namespace == namespace
    if origin == "All":
        return True
    if origin == "Selector":
        found = view.get(NAMESPACES, "", namespace)
        return found is not None and label_selector_matches(namespaces.get("selector"),
                                                            as_map(meta(found).get("labels")))
    return False  # None (allowedListeners' default) or unknown


def _route_allowed(rk: RouteKind, owner_namespace: str, listener: Mapping[str, Any], route: Obj,
                   view: ObjectView) -> bool:
    if as_str(listener.get("protocol")).upper() not in rk.protocols:
        return False
    allowed = as_map(listener.get("allowedRoutes"))
    if not _namespace_admitted(as_map(allowed.get("namespaces")), "Same", owner_namespace, namespace_of(route), view):
        return False
    kinds = as_list(allowed.get("kinds"))
    if not kinds:
        return True
    return any(
        (as_str(as_map(k).get("group")) or GATEWAY_GROUP) == GATEWAY_GROUP
        and as_str(as_map(k).get("kind")) == rk.kind
        for k in kinds
    )


def listener_set_admitted(gateway: Obj, listener_set: Obj, view: ObjectView) -> bool:
    """Whether the Gateway's spec.allowedListeners admits the ListenerSet (by default it admits none)."""
    namespaces = as_map(dig(gateway, "spec", "allowedListeners", "namespaces"))
    return _namespace_admitted(namespaces, "None", namespace_of(gateway), namespace_of(listener_set), view)


def gateway_targets(gateway: Obj, subject: str, prefixes: ann.Prefixes) -> tuple[list[str], list[Problem]]:
    """The Gateway's `target` annotation, else its status addresses; Problems go to `subject`."""
    if ann.has_targets(gateway, prefixes=prefixes):
        targets, problems = ann.targets(gateway, subject, prefixes=prefixes)
        where = f"Gateway {namespace_of(gateway)}/{name_of(gateway)}"
        return targets, [Problem(p.subject, p.reason, f"{where}: {p.message}") for p in problems]
    addresses = [as_str(as_map(a).get("value")).strip() for a in as_list(dig(gateway, "status", "addresses"))]
    return dedupe(addresses), []


def route_hosts(rk: RouteKind, route: Obj, config: SourceConfig, subject: str,
                source_name: str) -> tuple[list[str], list[Problem]]:
    problems: list[Problem] = []
    spec_hosts = as_list(dig(route, "spec", "hostnames")) if rk.has_hostnames else []
    raw_spec = [as_str(h) for h in spec_hosts if as_str(h).strip()]
    spec_names: list[str] = []
    for i, host in enumerate(raw_spec):
        found, bad = spec_hostnames([host], subject, f"spec.hostnames[{i}]")
        problems += bad
        spec_names += [n for n in found if n not in spec_names]

    source, bad = ann.choice(
        route,
        ann.GATEWAY_HOSTNAME_SOURCE,
        (ann.HOSTNAME_SOURCE_DEFINED_HOSTS_ONLY, ann.HOSTNAME_SOURCE_ANNOTATION_ONLY),
        subject,
        prefixes=config.annotation_prefixes,
    )
    problems += bad
    if source == ann.HOSTNAME_SOURCE_DEFINED_HOSTS_ONLY:
        return _with_template(route, config, subject, source_name, spec_names, problems)
    annotated: list[str] = []
    if not config.ignore_hostname_annotation:
        annotated, bad = ann.hostnames(route, ann.HOSTNAME, subject, prefixes=config.annotation_prefixes)
        problems += bad
    if source == ann.HOSTNAME_SOURCE_ANNOTATION_ONLY:
        return annotated, problems
    named, problems = _with_template(route, config, subject, source_name, [*spec_names, *annotated], problems)
    # A route without hostnames of its own takes whatever its listeners name ("" = any).
    hosts = spec_names + ([""] if not raw_spec else [])
    return hosts + [h for h in named if h not in hosts], problems


def _with_template(
    route: Obj, config: SourceConfig, subject: str, source_name: str, hosts: list[str], problems: list[Problem]
) -> tuple[list[str], list[Problem]]:
    """--fqdn-template's names added when the route named none (or always, combining), as external-dns
    does: before the listeners' fallback, ahead of matching them against listener hostnames."""
    template = config.fqdn_template
    if template is None or not fqdn.use_template(template, config.combine_fqdn_annotation, bool(hosts)):
        return hosts, problems
    names, bad = fqdn.hostnames(template, route, source_name, subject)
    return hosts + [n for n in names if n not in hosts], problems + bad


@dataclass(slots=True, frozen=True)
class _Parent:
    """What a parentRef resolved to: the listeners it offers, the namespace that owns them (for
    allowedRoutes `Same`), its Gateway, and the object whose `target` annotation comes first."""

    listeners: tuple[Mapping[str, Any], ...]
    owner_namespace: str
    gateway: Obj
    listener_set: Obj | None = None


def _resolve(ref: ParentRef, view: ObjectView, config: SourceConfig) -> _Parent | None:
    """The parent a ref names, or None: not there (yet), filtered out, or a ListenerSet its Gateway
    does not admit (or ListenerSets are not read)."""
    if ref.resource == GATEWAYS:
        gateway = view.get(GATEWAYS, ref.namespace, ref.name)
        if gateway is None or not gateway_admitted(gateway, config):
            return None
        return _Parent(_listener_list(gateway), namespace_of(gateway), gateway)
    if not config.gateway_listener_sets:
        return None
    listener_set = view.get(LISTENERSETS, ref.namespace, ref.name)
    if listener_set is None or not _listener_set_admitted(listener_set, config):
        return None
    gateway = view.get(GATEWAYS, *listener_set_gateway(listener_set))
    if gateway is None or not gateway_admitted(gateway, config) or not listener_set_admitted(
            gateway, listener_set, view):
        return None
    return _Parent(_listener_list(listener_set), namespace_of(listener_set), gateway, listener_set)


def _listener_set_admitted(listener_set: Obj, config: SourceConfig) -> bool:
    """external-dns reads only the ListenerSets of its controller that --annotation-filter admits."""
    if not ann.controller_matches(listener_set, config.controller_name, prefixes=config.annotation_prefixes):
        return False
    return not config.annotation_filter or _label_selector(config.annotation_filter)(
        as_map(meta(listener_set).get("annotations")))


def _listener_list(owner: Obj) -> tuple[Mapping[str, Any], ...]:
    return tuple(as_map(listener) for listener in as_list(dig(owner, "spec", "listeners")))


def _listeners(rk: RouteKind, parent: _Parent, ref: ParentRef, route: Obj,
               view: ObjectView) -> list[Mapping[str, Any]]:
    """The parent's listeners a parentRef (its sectionName and port, when given) attaches `route` to."""
    listeners = list(parent.listeners)
    if ref.section:
        listeners = [lis for lis in listeners if as_str(lis.get("name")) == ref.section]
    if ref.port is not None:
        listeners = [lis for lis in listeners if lis.get("port") == ref.port]
    return [lis for lis in listeners if _route_allowed(rk, parent.owner_namespace, lis, route, view)]


def _parent_targets(parent: _Parent, subject: str, prefixes: ann.Prefixes) -> tuple[list[str], list[Problem]]:
    """A ListenerSet's own `target` annotation, else its Gateway's targets (`gateway_targets`)."""
    owner = parent.listener_set
    if owner is not None and ann.has_targets(owner, prefixes=prefixes):
        targets, problems = ann.targets(owner, subject, prefixes=prefixes)
        where = f"ListenerSet {namespace_of(owner)}/{name_of(owner)}"
        return targets, [Problem(p.subject, p.reason, f"{where}: {p.message}") for p in problems]
    return gateway_targets(parent.gateway, subject, prefixes)


def _bound_hosts(listeners: list[Mapping[str, Any]], hosts: list[str]) -> list[str]:
    """Each host the route gets from these listeners, once per listener that grants it."""
    bound: list[str] = []
    for listener in listeners:
        listener_host = as_str(listener.get("hostname"))
        for route_host in hosts:
            if not listener_host.strip() and not route_host:
                continue  # neither names a host: nothing to publish
            host = matching_host(listener_host, route_host)
            if host:
                bound.append(host)
    return bound


@cache
def _label_selector(selector: str) -> selectors.Predicate:
    return selectors.parse(selector)


def gateway_admitted(gateway: Obj, config: SourceConfig) -> bool:
    """Whether the --gateway-name, --gateway-namespace and --gateway-label-filter filters admit it."""
    if config.gateway_name and name_of(gateway) != config.gateway_name:
        return False
    if config.gateway_namespace and namespace_of(gateway) != config.gateway_namespace:
        return False
    if not config.gateway_label_filter:
        return True
    return _label_selector(config.gateway_label_filter)(as_map(meta(gateway).get("labels")))


def route_endpoints(rk: RouteKind, obj: Obj, view: ObjectView, config: SourceConfig,
                    source_name: str) -> SourceResult:
    subject = resource(rk.label_kind, obj)
    if not ann.controller_matches(obj, config.controller_name, prefixes=config.annotation_prefixes):
        return SourceResult()
    result = SourceResult()
    hosts, problems = route_hosts(rk, obj, config, subject, source_name)
    result.problems += problems
    if not hosts:
        return result
    common = ann.read_common(obj, subject, prefixes=config.annotation_prefixes,
                             alias_true_only=config.alias_true_only)
    result.problems += common.problems

    host_targets: dict[str, list[str]] = {}
    for ref in parent_refs(obj):
        parent = _resolve(ref, view, config)
        if parent is None:
            continue  # not there yet (the route's status says why, not us), or filtered out
        listeners = _listeners(rk, parent, ref, obj, view)
        if not listeners:
            continue
        targets, problems = _parent_targets(parent, subject, config.annotation_prefixes)
        result.problems += problems
        for host in _bound_hosts(listeners, hosts):
            host_targets.setdefault(host, [])
            host_targets[host] += targets

    for host, targets in host_targets.items():
        result.extend(endpoints_for_hostnames([host], dedupe(targets), common, subject))
    return finish(result)


def _routes_naming(rk: RouteKind, parents: set[tuple[str, str, str]], view: ObjectView,
                   namespace: str | None = None) -> Iterator[tuple[str, str]]:
    for route in view.list(rk.resource, namespace):
        if any(ref.key in parents for ref in parent_refs(route)):
            yield namespace_of(route), name_of(route)


def _listener_sets_of(gateway: Obj, view: ObjectView) -> set[tuple[str, str, str]]:
    key = (namespace_of(gateway), name_of(gateway))
    return {(LISTENERSETS, namespace_of(ls), name_of(ls)) for ls in view.list(LISTENERSETS)
            if listener_set_gateway(ls) == key}


def route_dependents(rk: RouteKind, kind: str, obj: Obj, view: ObjectView) -> Iterator[tuple[str, str]]:
    """Routes of this kind whose records can change when `obj` changes (call with old and new versions)."""
    if kind == rk.resource:
        yield namespace_of(obj), name_of(obj)
    elif kind == GATEWAYS:  # the routes on it, and on the ListenerSets it holds
        parents = {(GATEWAYS, namespace_of(obj), name_of(obj))} | _listener_sets_of(obj, view)
        yield from _routes_naming(rk, parents, view)
    elif kind == LISTENERSETS:
        yield from _routes_naming(rk, {(LISTENERSETS, namespace_of(obj), name_of(obj))}, view)
    elif kind == NAMESPACES:
        # Its labels may now match (or no longer) a listener's allowedRoutes selector, for the routes
        # in it, or a Gateway's allowedListeners selector, for the routes on its ListenerSets.
        for route in view.list(rk.resource, name_of(obj)):
            yield namespace_of(route), name_of(route)
        sets = {(LISTENERSETS, namespace_of(ls), name_of(ls)) for ls in view.list(LISTENERSETS, name_of(obj))}
        if sets:
            yield from _routes_naming(rk, sets, view)


def spec(name: str, rk: RouteKind) -> SourceSpec:
    """The source `name` for routes of kind `rk`."""

    def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
        return route_endpoints(rk, obj, view, config, name)

    def dependents(kind: str, obj: Obj, view: ObjectView) -> Iterator[tuple[str, str]]:
        return route_dependents(rk, kind, obj, view)

    # ListenerSets are watched only with --gateway-listener-sets (zonekeeper.live.watched_kinds).
    watched = (rk.resource, GATEWAYS, NAMESPACES, LISTENERSETS)
    return SourceSpec(name, rk.resource, endpoints, watched, dependents, rk.label_kind)

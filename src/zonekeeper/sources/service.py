"""The `service` source: Services with a `hostname` or `internal-hostname` annotation.

Targets per type follow external-dns's `source/service.go`:
  LoadBalancer  spec.externalIPs, else status.loadBalancer.ingress[] IP and hostname
  ClusterIP     spec.clusterIPs, only with --publish-internal-services (or via internal-hostname)
  headless      one record per ready EndpointSlice endpoint, plus `<pod-hostname>.<hostname>`
  NodePort      node addresses (+ an SRV record per node port)
  ExternalName  spec.externalIPs, else a CNAME to spec.externalName
The `target` annotation overrides all of these; `internal-hostname` publishes the cluster IPs.
`--fqdn-template` names a Service whose annotations gave no records (or every Service, with
`--combine-fqdn-annotation`); those names are published as `hostname` annotation names are.
`--fqdn-target-template`'s `host:target` pairs come first, under the same rule (sources.fqdn).
`--compatibility`'s legacy annotations name a Service whose own annotations gave no records, before
either template (sources.compatibility).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from zonekeeper import annotations as ann
from zonekeeper.endpoint import ALIAS, EVALUATE_TARGET_HEALTH, RESOURCE_LABEL, Endpoint, Problem
from zonekeeper.sources import compatibility
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import (
    add_target_template_records,
    add_template_records,
    as_list,
    as_map,
    as_str,
    dedupe,
    dig,
    endpoints_for_hostnames,
    finish,
    labels_of,
    load_balancer_targets,
    resource,
    selector_matches,
    str_map,
)
from zonekeeper.sources.objects import (
    ENDPOINTSLICES,
    NODES,
    PODS,
    SERVICES,
    Obj,
    ObjectView,
    name_of,
    namespace_of,
)

KIND = "service"
SOURCE_NAME = "service"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
UNRESOLVABLE_HOSTNAME = "UnresolvableHostname"


def service_type(svc: Obj) -> str:
    return as_str(dig(svc, "spec", "type")) or "ClusterIP"


def is_headless(svc: Obj) -> bool:
    return service_type(svc) == "ClusterIP" and as_str(dig(svc, "spec", "clusterIP")) == "None"


def cluster_ips(svc: Obj) -> list[str]:
    spec = as_map(svc.get("spec"))
    ips = [as_str(ip) for ip in as_list(spec.get("clusterIPs"))] or [as_str(spec.get("clusterIP"))]
    return dedupe(ip for ip in ips if ip != "None")


def external_ips(svc: Obj) -> list[str]:
    return dedupe(as_str(ip).strip() for ip in as_list(dig(svc, "spec", "externalIPs")))


def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    subject = resource(KIND, obj)
    prefixes = config.annotation_prefixes
    if not ann.controller_matches(obj, config.controller_name, prefixes=prefixes):
        return SourceResult()
    svc_type = service_type(obj)
    if config.service_type_filter and svc_type not in config.service_type_filter:
        return SourceResult()

    result = SourceResult()
    if not config.ignore_hostname_annotation:
        public, problems = ann.hostnames(obj, ann.HOSTNAME, subject, prefixes=prefixes)
        result.problems += problems
        internal, problems = ann.hostnames(obj, ann.INTERNAL_HOSTNAME, subject, prefixes=prefixes)
        result.problems += problems
        if public or internal:
            result.extend(_records(obj, public, internal, view, config, subject))
    if not result.endpoints and config.compatibility:
        result.extend(compatibility.service_endpoints(obj, view, config.compatibility, config.expose_internal_ipv6,
                                                      subject))
    add_target_template_records(obj, result, config, SOURCE_NAME, subject)
    # Names from the template are published as the hostname annotation's are.
    add_template_records(obj, result, config, SOURCE_NAME, subject,
                         lambda names: _records(obj, names, [], view, config, subject))
    return finish(result)


def _records(
    obj: Obj, public: list[str], internal: list[str], view: ObjectView, config: SourceConfig, subject: str
) -> SourceResult:
    result = SourceResult()
    common = ann.read_common(obj, subject, prefixes=config.annotation_prefixes,
                             alias_true_only=config.alias_true_only)
    result.problems += common.problems
    if ann.has_targets(obj, prefixes=config.annotation_prefixes):
        override, problems = ann.targets(obj, subject, prefixes=config.annotation_prefixes)
        result.problems += problems
        result.extend(endpoints_for_hostnames(dedupe([*public, *internal]), override, common, subject))
        return result
    for hostname in public:
        result.extend(_public(obj, hostname, view, config, common, subject))
    for hostname in internal:
        result.extend(_internal(obj, hostname, view, config, common, subject))
    return result


def _public(
    svc: Obj, hostname: str, view: ObjectView, config: SourceConfig, common: ann.Common, subject: str
) -> SourceResult:
    svc_type = service_type(svc)
    targets: list[str] = []
    result = SourceResult()
    if svc_type == "LoadBalancer":
        targets = external_ips(svc) or _load_balancer_targets(svc, config, subject, result)
    elif svc_type == "ClusterIP":
        if is_headless(svc):
            return _headless(svc, hostname, view, config, common, subject)
        if config.publish_internal_services:
            targets = cluster_ips(svc)
    elif svc_type == "NodePort":
        access, problems = ann.choice(svc, ann.ACCESS, (ann.ACCESS_PUBLIC, ann.ACCESS_PRIVATE), subject,
                                      prefixes=config.annotation_prefixes)
        result.problems += problems
        targets = node_targets(svc, view, config, access)
        if targets:
            result.endpoints += _srv_records(svc, hostname, common, subject)
    elif svc_type == "ExternalName":
        targets = _external_name_targets(svc)
    result.extend(endpoints_for_hostnames([hostname], targets, common, subject))
    return result


def _load_balancer_targets(svc: Obj, config: SourceConfig, subject: str, result: SourceResult) -> list[str]:
    """status.loadBalancer.ingress[] targets; with --resolve-service-load-balancer-hostname each
    hostname is replaced by its resolved addresses, or skipped (with a Problem) if it has none."""
    table = config.resolved_hostnames
    if table is None:
        return load_balancer_targets(svc)
    targets: list[str] = []
    for entry in as_list(dig(svc, "status", "loadBalancer", "ingress")):
        ip = as_str(as_map(entry).get("ip")).strip()
        hostname = as_str(as_map(entry).get("hostname")).strip()
        targets += [ip] if ip else []
        if not hostname:
            continue
        addresses = table.get(hostname, ())  # not in the table yet: unresolvable for now
        if not addresses:
            result.problems.append(Problem(subject, UNRESOLVABLE_HOSTNAME,
                                           f"load balancer hostname {hostname} did not resolve; skipped"))
        targets += addresses
    return dedupe(targets)


def _internal(
    svc: Obj, hostname: str, view: ObjectView, config: SourceConfig, common: ann.Common, subject: str
) -> SourceResult:
    # external-dns only honours internal-hostname on LoadBalancer and ClusterIP Services; for a
    # NodePort it publishes node addresses, which is surely not what "internal" asked for.
    if is_headless(svc):
        return _headless(svc, hostname, view, config, common, subject)
    external_name = service_type(svc) == "ExternalName"
    targets = _external_name_targets(svc) if external_name else cluster_ips(svc)
    return endpoints_for_hostnames([hostname], targets, common, subject)


def _external_name_targets(svc: Obj) -> list[str]:
    return external_ips(svc) or dedupe([as_str(dig(svc, "spec", "externalName")).strip()])


# --- NodePort -----------------------------------------------------------------------------------


def _node_addresses(node: Obj, address_type: str) -> list[str]:
    found = []
    for address in as_list(dig(node, "status", "addresses")):
        entry = as_map(address)
        if as_str(entry.get("type")) == address_type:
            found.append(as_str(entry.get("address")).strip())
    return dedupe(found)


def _is_ready(pod: Obj) -> bool:
    for condition in as_list(dig(pod, "status", "conditions")):
        entry = as_map(condition)
        if as_str(entry.get("type")) == "Ready":
            return as_str(entry.get("status")) == "True"
    return False


def selected_pods(svc: Obj, view: ObjectView) -> list[Obj]:
    """Pods in the Service's namespace matched by its (non-empty) spec.selector."""
    selector = str_map(dig(svc, "spec", "selector"))
    if not selector:
        return []
    return [pod for pod in view.list(PODS, namespace_of(svc)) if selector_matches(selector, labels_of(pod))]


def local_nodes(svc: Obj, view: ObjectView) -> set[str]:
    """Nodes running the Service's pods, at the best readiness tier present.

    Tiers as in external-dns: ready and not terminating, else ready and terminating, else running.
    """
    tiers: list[set[str]] = [set(), set(), set()]
    for pod in selected_pods(svc, view):
        node = as_str(dig(pod, "spec", "nodeName"))
        if not node:
            continue
        terminating = dig(pod, "metadata", "deletionTimestamp") is not None
        if _is_ready(pod):
            tiers[1 if terminating else 0].add(node)
        elif as_str(dig(pod, "status", "phase")) == "Running":
            tiers[2].add(node)
    for tier in tiers:
        if tier:
            return tier
    return set()


def node_targets(svc: Obj, view: ObjectView, config: SourceConfig, access: str | None) -> list[str]:
    nodes = sorted(view.list(NODES), key=name_of)
    if config.exclude_unschedulable:
        nodes = [n for n in nodes if dig(n, "spec", "unschedulable") is not True]
    if as_str(dig(svc, "spec", "externalTrafficPolicy")) == "Local":
        hosting = local_nodes(svc, view)
        nodes = [n for n in nodes if name_of(n) in hosting]
    external = dedupe(ip for n in nodes for ip in _node_addresses(n, "ExternalIP"))
    internal = dedupe(ip for n in nodes for ip in _node_addresses(n, "InternalIP"))
    if access == ann.ACCESS_PUBLIC:
        return external
    if access == ann.ACCESS_PRIVATE:
        return internal
    return external or internal


def _srv_records(svc: Obj, hostname: str, common: ann.Common, subject: str) -> list[Endpoint]:
    """`_<service>._<proto>.<hostname> SRV 0 50 <nodePort> <hostname>.`, as external-dns emits.

    They only reach the zone when SRV is a managed record type.
    """
    if hostname.startswith("*"):
        return []
    # Alias properties make no sense on an SRV record.
    props = {k: v for k, v in common.provider_specific.items() if k not in (ALIAS, EVALUATE_TARGET_HEALTH)}
    records = []
    for port in as_list(dig(svc, "spec", "ports")):
        entry = as_map(port)
        node_port = entry.get("nodePort")
        if not isinstance(node_port, int) or isinstance(node_port, bool) or node_port <= 0:
            continue
        protocol = (as_str(entry.get("protocol")) or "TCP").lower()
        records.append(
            Endpoint.new(
                f"_{name_of(svc)}._{protocol}.{hostname}",
                "SRV",
                [f"0 50 {node_port} {hostname}."],
                ttl=common.ttl,
                set_identifier=common.set_identifier,
                provider_specific=props,
                labels={RESOURCE_LABEL: subject},
            )
        )
    return records


# --- headless -----------------------------------------------------------------------------------


def slices_for(svc: Obj, view: ObjectView) -> list[Obj]:
    name = name_of(svc)
    slices = [
        s
        for s in view.list(ENDPOINTSLICES, namespace_of(svc))
        if labels_of(s).get(SERVICE_NAME_LABEL) == name
    ]
    return sorted(slices, key=name_of)


def _pod_of(ep: Obj, view: ObjectView, namespace: str) -> Obj | None:
    """The Pod behind one EndpointSlice endpoint, when its targetRef names one that exists."""
    ref = as_map(ep.get("targetRef"))
    if as_str(ref.get("kind")) != "Pod":
        return None
    return view.get(PODS, as_str(ref.get("namespace")) or namespace, as_str(ref.get("name")))


def _endpoint_targets(
    ep: Obj, pod: Obj | None, endpoints_type: str | None, view: ObjectView, config: SourceConfig
) -> tuple[list[str], list[Problem]]:
    """The targets one EndpointSlice endpoint contributes: the Pod's `target` annotation, else its
    Node's external IPs, its host IP or its own addresses, as `endpoints-type` and the flags say."""
    if pod is not None and ann.has_targets(pod, prefixes=config.annotation_prefixes):
        return ann.targets(pod, resource("pod", pod), prefixes=config.annotation_prefixes)
    if endpoints_type == ann.ENDPOINTS_TYPE_NODE_EXTERNAL_IP:
        node_name = as_str(ep.get("nodeName")) or as_str(dig(pod, "spec", "nodeName"))
        node = view.get(NODES, "", node_name) if node_name else None
        return (_node_addresses(node, "ExternalIP") if node is not None else []), []
    if endpoints_type == ann.ENDPOINTS_TYPE_HOST_IP or config.publish_host_ip:
        host_ip = as_str(dig(pod, "status", "hostIP")).strip()
        return ([host_ip] if host_ip else []), []
    return dedupe(as_str(a).strip() for a in as_list(ep.get("addresses"))), []


def _headless_targets(
    svc: Obj, view: ObjectView, config: SourceConfig, subject: str
) -> tuple[list[tuple[str, list[str]]], list[Problem]]:
    """(pod hostname or "", targets) for every endpoint that should be published."""
    problems: list[Problem] = []
    endpoints_type, found = ann.choice(
        svc,
        ann.ENDPOINTS_TYPE,
        (ann.ENDPOINTS_TYPE_NODE_EXTERNAL_IP, ann.ENDPOINTS_TYPE_HOST_IP),
        subject,
        prefixes=config.annotation_prefixes,
    )
    problems += found
    publish_not_ready = (
        dig(svc, "spec", "publishNotReadyAddresses") is True or config.always_publish_not_ready_addresses
    )
    namespace = namespace_of(svc)
    entries: list[tuple[str, list[str]]] = []
    for endpoint_slice in slices_for(svc, view):
        if as_str(endpoint_slice.get("addressType")) not in ("", "IPv4", "IPv6"):
            continue  # FQDN slices carry names, not pod addresses
        for item in as_list(endpoint_slice.get("endpoints")):
            ep = as_map(item)
            # A missing ready condition means ready (EndpointSlice API contract).
            if as_map(ep.get("conditions")).get("ready") is False and not publish_not_ready:
                continue
            pod = _pod_of(ep, view, namespace)
            targets, found = _endpoint_targets(ep, pod, endpoints_type, view, config)
            problems += found
            pod_hostname = as_str(ep.get("hostname")) or as_str(dig(pod, "spec", "hostname"))
            entries.append((pod_hostname, targets))
    return entries, problems


def _headless(
    svc: Obj, hostname: str, view: ObjectView, config: SourceConfig, common: ann.Common, subject: str
) -> SourceResult:
    result = SourceResult()
    entries, problems = _headless_targets(svc, view, config, subject)
    result.problems += problems
    by_name: dict[str, list[str]] = {hostname: []}
    for pod_hostname, targets in entries:
        by_name[hostname] += targets
        if pod_hostname:
            name, problem = ann.check_hostname(f"{pod_hostname}.{hostname}", subject, "headless pod hostname")
            if problem is not None:
                result.problems.append(problem)
            elif name is not None:
                by_name.setdefault(name, [])
                by_name[name] += targets
    for name in sorted(by_name):
        result.extend(endpoints_for_hostnames([name], dedupe(by_name[name]), common, subject))
    return result


# --- dependencies -------------------------------------------------------------------------------


def dependents(kind: str, obj: Obj, view: ObjectView) -> Iterator[tuple[str, str]]:
    """Services whose records can change when `obj` (of resource `kind`) changes.

    Call it with both the old and the new version of an updated object.
    """
    if kind == SERVICES:
        yield namespace_of(obj), name_of(obj)
    elif kind == ENDPOINTSLICES:
        service = labels_of(obj).get(SERVICE_NAME_LABEL)
        if service:
            yield namespace_of(obj), service
    elif kind == NODES:
        for svc in view.list(SERVICES):
            if service_type(svc) == "NodePort" or is_headless(svc):
                yield namespace_of(svc), name_of(svc)
    elif kind == PODS:
        yield from _pod_dependents(obj, view)


def _pod_dependents(pod: Obj, view: ObjectView) -> Iterable[tuple[str, str]]:
    namespace, name, labels = namespace_of(pod), name_of(pod), labels_of(pod)
    keys: set[tuple[str, str]] = set()
    for svc in view.list(SERVICES, namespace):
        selector = str_map(dig(svc, "spec", "selector"))
        if (
            (service_type(svc) == "NodePort" or is_headless(svc))
            and selector
            and selector_matches(selector, labels)
        ):
            keys.add((namespace, name_of(svc)))
    # Headless records read pod annotations, hostnames and host IPs through EndpointSlice targetRefs.
    for endpoint_slice in view.list(ENDPOINTSLICES, namespace):
        service = labels_of(endpoint_slice).get(SERVICE_NAME_LABEL)
        if not service:
            continue
        for item in as_list(endpoint_slice.get("endpoints")):
            ref = as_map(as_map(item).get("targetRef"))
            if as_str(ref.get("kind")) == "Pod" and as_str(ref.get("name")) == name:
                keys.add((namespace, service))
    return sorted(keys)


SPEC = SourceSpec(SOURCE_NAME, SERVICES, endpoints, (SERVICES, NODES, PODS, ENDPOINTSLICES), dependents, KIND)

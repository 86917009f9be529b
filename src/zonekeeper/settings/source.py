"""Settings of the sources stage: which sources run, what they publish, and how the cluster (or
--from-file) is read. Read by zonekeeper.sources (through wiring.source_config) and zonekeeper.live."""

from __future__ import annotations

from dataclasses import dataclass

from zonekeeper.settings.flag import ConfigError, Flag


def source_names() -> tuple[str, ...]:
    """The names --source accepts: the registry of sources is the one list."""
    from zonekeeper.sources import SOURCES

    return tuple(SOURCES)


# external-dns v0.23.0 declares --crd-source-apiversion/--crd-source-kind but its crd source never
# reads them (it is built on the typed DNSEndpoint v1alpha1 client): only these values mean what it does.
CRD_API_VERSION = "externaldns.k8s.io/v1alpha1"
CRD_KIND = "DNSEndpoint"


@dataclass(slots=True, frozen=True)
class SourceSettings:
    sources: tuple[str, ...] = ("service", "ingress")
    from_files: tuple[str, ...] = ()
    publish_internal_services: bool = False
    publish_host_ip: bool = False
    always_publish_not_ready_addresses: bool = False
    ignore_hostname_annotation: bool = False
    ignore_ingress_tls_spec: bool = False
    ignore_ingress_rules_spec: bool = False
    ingress_class: tuple[str, ...] = ()
    service_type_filter: tuple[str, ...] = ()
    # the cluster
    kubeconfig: str = ""
    namespace: str = ""
    label_filter: str = ""
    annotation_filter: str = ""
    kube_api_qps: float = 5.0
    kube_api_burst: int = 10
    # sources added with issue 11 (the Gateway API routes, node, pod)
    gateway_name: str = ""
    gateway_namespace: str = ""
    gateway_label_filter: str = ""
    exclude_unschedulable: bool = True
    expose_internal_ipv6: bool = False
    pod_source_domain: str = ""
    ignore_non_host_network_pods: bool = False
    crd_source_apiversion: str = CRD_API_VERSION
    crd_source_kind: str = CRD_KIND

    def validate(self) -> None:
        names = source_names()
        for s in self.sources:
            if s not in names:
                raise ConfigError(f"--source {s!r} is not supported (one of: {', '.join(names)})")
        if self.annotation_filter:
            from zonekeeper import selectors

            try:
                selectors.parse(self.annotation_filter)
            except ValueError as exc:
                raise ConfigError(f"--annotation-filter: {exc}") from exc
        if self.gateway_label_filter:
            from zonekeeper import selectors

            try:
                selectors.parse(self.gateway_label_filter)
            except ValueError as exc:
                raise ConfigError(f"--gateway-label-filter: {exc}") from exc
        for flag, value, only in (("crd-source-apiversion", self.crd_source_apiversion, CRD_API_VERSION),
                                  ("crd-source-kind", self.crd_source_kind, CRD_KIND)):
            if value != only:
                raise ConfigError(
                    f"--{flag} {value!r}: the crd source reads {CRD_KIND} {CRD_API_VERSION} only (external-dns "
                    f"v0.23.0 ignores the flag and reads those too); drop the flag or set it to {only!r}")
        if self.kube_api_qps < 0:
            raise ConfigError("--kube-api-qps must not be negative")


FLAGS: tuple[Flag, ...] = (
    Flag("source", "sources", f"Source of endpoints, repeatable: {', '.join(source_names())}.", repeatable=True),
    Flag("from-file", "from_files",
         "Read objects from YAML files or directories instead of a cluster (repeatable).",
         kind="path", repeatable=True),
    Flag("publish-internal-services", "publish_internal_services", "Publish ClusterIP Services' cluster IPs.",
         kind="bool"),
    Flag("publish-host-ip", "publish_host_ip", "Headless Services: use the pods' host IPs.", kind="bool"),
    Flag("always-publish-not-ready-addresses", "always_publish_not_ready_addresses",
         "Headless Services: publish not-ready addresses too.", kind="bool"),
    Flag("ignore-hostname-annotation", "ignore_hostname_annotation", "Ignore the hostname annotation.",
         kind="bool"),
    Flag("ignore-ingress-tls-spec", "ignore_ingress_tls_spec", "Ignore Ingress spec.tls hosts.", kind="bool"),
    Flag("ignore-ingress-rules-spec", "ignore_ingress_rules_spec", "Ignore Ingress spec.rules hosts.",
         kind="bool"),
    Flag("ingress-class", "ingress_class", "Only Ingresses of these classes (repeatable).", repeatable=True),
    Flag("service-type-filter", "service_type_filter", "Only Services of these types (repeatable).",
         repeatable=True),
    Flag("kubeconfig", "kubeconfig", "Kubeconfig file (default: in-cluster, then ~/.kube/config)."),
    Flag("namespace", "namespace", "Only objects in this namespace (default: all)."),
    Flag("label-filter", "label_filter", "Only source objects matching this label selector."),
    Flag("annotation-filter", "annotation_filter", "Only source objects whose annotations match this selector."),
    Flag("kube-api-qps", "kube_api_qps", "Kubernetes API requests per second.", kind="float"),
    Flag("kube-api-burst", "kube_api_burst", "Kubernetes API request burst.", kind="int"),
    # sources added with issue 11 (the Gateway API routes, node, pod): one block, to merge easily
    Flag("gateway-name", "gateway_name", "Gateway API routes: only Gateways of this name (default: all)."),
    Flag("gateway-namespace", "gateway_namespace",
         "Gateway API routes: only Gateways in this namespace (default: all)."),
    Flag("gateway-label-filter", "gateway_label_filter",
         "Gateway API routes: only Gateways matching this label selector (default: all)."),
    Flag("exclude-unschedulable", "exclude_unschedulable",
         "Leave out unschedulable Nodes (node source, NodePort Services).", kind="bool", negatable=True),
    Flag("expose-internal-ipv6", "expose_internal_ipv6",
         "node source: publish a Node's internal IPv6 addresses beside its external ones.", kind="bool"),
    Flag("pod-source-domain", "pod_source_domain", "pod source: publish <pod name>.<domain> for every Pod."),
    Flag("ignore-non-host-network-pods", "ignore_non_host_network_pods",
         "pod source: only Pods with spec.hostNetwork.", kind="bool"),
    Flag("crd-source-apiversion", "crd_source_apiversion",
         f"crd source: the API version of its resource; only {CRD_API_VERSION} (as external-dns v0.23.0 reads)."),
    Flag("crd-source-kind", "crd_source_kind", f"crd source: the kind of its resource; only {CRD_KIND}."),
)


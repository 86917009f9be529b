"""Settings of the sources stage: which sources run, what they publish, and how the cluster (or
--from-file) is read. Read by zonekeeper.sources (through wiring.source_config) and zonekeeper.live."""

from __future__ import annotations

from dataclasses import dataclass

from zonekeeper.settings.flag import ConfigError, Flag


def source_names() -> tuple[str, ...]:
    """The names --source accepts: the registry of sources is the one list."""
    from zonekeeper.sources import NAMES

    return NAMES


# external-dns v0.23.0 declares --crd-source-apiversion/--crd-source-kind but its crd source never
# reads them (it is built on the typed DNSEndpoint v1alpha1 client): only these values mean what it does.
CRD_API_VERSION = "externaldns.k8s.io/v1alpha1"
CRD_KIND = "DNSEndpoint"
# The one RouteGroup API version Skipper serves, and so the only one the skipper-routegroup source reads.
SKIPPER_GROUP_VERSION = "zalando.org/v1"


@dataclass(slots=True, frozen=True)
class SourceSettings:
    sources: tuple[str, ...] = ("service", "ingress")
    from_files: tuple[str, ...] = ()
    publish_internal_services: bool = False
    publish_host_ip: bool = False
    always_publish_not_ready_addresses: bool = False
    ignore_hostname_annotation: bool = False
    compatibility: str = ""
    fqdn_template: tuple[str, ...] = ()
    combine_fqdn_annotation: bool = False
    target_template: tuple[str, ...] = ()
    fqdn_target_template: tuple[str, ...] = ()
    default_targets: tuple[str, ...] = ()
    force_default_targets: bool = False
    nat64_networks: tuple[str, ...] = ()
    target_net_filter: tuple[str, ...] = ()
    exclude_target_net: tuple[str, ...] = ()
    min_ttl: float = 0.0
    prefer_alias: bool = False
    create_ptr: bool = False
    alias_annotation: str = "zonekeeper"
    # "" and None: not given (zonekeeper reads both prefixes); see annotations.keys.prefixes_for.
    annotation_prefix: str = ""
    enable_legacy_annotation_prefix: bool | None = None
    ignore_ingress_tls_spec: bool = False
    ignore_ingress_rules_spec: bool = False
    ingress_class: tuple[str, ...] = ()
    service_type_filter: tuple[str, ...] = ()
    # the cluster
    kubeconfig: str = ""
    server: str = ""
    namespace: str = ""
    label_filter: str = ""
    annotation_filter: str = ""
    kube_api_qps: float = 5.0
    kube_api_burst: int = 10
    kube_api_request_timeout: float = 30.0
    # sources added with issue 11 (the Gateway API routes, node, pod)
    gateway_name: str = ""
    gateway_namespace: str = ""
    gateway_label_filter: str = ""
    # Ingress controllers' sources (issue 11, srcB1): gloo-proxy
    gloo_namespace: tuple[str, ...] = ("gloo-system",)
    connector_source_server: str = "localhost:8080"
    gateway_listener_sets: bool = False
    exclude_unschedulable: bool = True
    expose_internal_ipv6: bool = False
    resolve_service_load_balancer_hostname: bool = False
    pod_source_domain: str = ""
    traefik_enable_legacy: bool = False
    traefik_disable_new: bool = False
    unstructured_resource: tuple[str, ...] = ()
    ignore_non_host_network_pods: bool = False
    crd_source_apiversion: str = CRD_API_VERSION
    crd_source_kind: str = CRD_KIND
    # F5, Skipper and OpenShift sources (issue 11)
    openshift_router_name: str = ""
    skipper_routegroup_groupversion: str = SKIPPER_GROUP_VERSION

    def validate(self) -> None:
        names = source_names()
        from zonekeeper.sources import REFUSED

        for s in self.sources:
            if s in REFUSED:
                raise ConfigError(f"--source {s!r} is refused: {REFUSED[s]}")
            if s not in names:
                raise ConfigError(f"--source {s!r} is not supported (one of: {', '.join(names)})")
        _validate_unstructured(self)
        if self.annotation_filter:
            from zonekeeper import selectors

            try:
                selectors.parse(self.annotation_filter)
            except ValueError as exc:
                raise ConfigError(f"--annotation-filter: {exc}") from exc
        from zonekeeper.annotations import prefix_error
        from zonekeeper.sources.fqdn import TARGET_FLAG, compile_templates

        try:
            compile_templates(self.fqdn_template)
            compile_templates(self.target_template, "--target-template")
            compile_templates(self.fqdn_target_template, TARGET_FLAG)
            if "fake" in self.sources:  # its names come from the template over its Pod, at start-up
                from zonekeeper.sources.fake import dns_names

                dns_names(compile_templates(self.fqdn_template))
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc

        _validate_targets(self)
        if self.alias_annotation not in ALIAS_ANNOTATION_MODES:
            raise ConfigError(f"--alias-annotation {self.alias_annotation!r}: want one of "
                              + ", ".join(ALIAS_ANNOTATION_MODES))
        if self.compatibility not in COMPATIBILITY_MODES:
            raise ConfigError(f"--compatibility {self.compatibility!r}: want one of "
                              + ", ".join(m for m in COMPATIBILITY_MODES if m))
        why = prefix_error(self.annotation_prefix, self.enable_legacy_annotation_prefix)
        if why is not None:
            raise ConfigError(why)
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
        if self.skipper_routegroup_groupversion != SKIPPER_GROUP_VERSION:
            raise ConfigError(
                f"--skipper-routegroup-groupversion {self.skipper_routegroup_groupversion!r}: Skipper serves "
                f"RouteGroups as {SKIPPER_GROUP_VERSION} only, and the skipper-routegroup source reads that; drop "
                f"the flag or set it to {SKIPPER_GROUP_VERSION!r}")
        if self.kube_api_qps < 0:
            raise ConfigError("--kube-api-qps must not be negative")
        if self.kube_api_request_timeout < 0:
            raise ConfigError("--kube-api-request-timeout must not be negative")


ALIAS_ANNOTATION_MODES = ("zonekeeper", "external-dns")
# --compatibility's values, as external-dns's enum ("": none); sources.compatibility reads each.
COMPATIBILITY_MODES = ("", "mate", "molecule", "kops-dns-controller")


def _validate_unstructured(settings: SourceSettings) -> None:
    from zonekeeper.sources.unstructured import parse_resources

    try:
        parse_resources(settings.unstructured_resource)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if "unstructured" in settings.sources and settings.from_files:
        raise ConfigError("--source unstructured reads the kinds the API server serves for --unstructured-resource; "
                          "it cannot run on --from-file objects")


def _validate_targets(settings: SourceSettings) -> None:
    from zonekeeper.annotations import target_error
    from zonekeeper.sources.postprocess import parse_nat64, parse_networks

    for target in settings.default_targets:
        why = target_error(target.rstrip("."))
        if why is not None:
            raise ConfigError(f"--default-targets {target!r}: {why}")
    if settings.force_default_targets and not settings.default_targets:
        raise ConfigError("--force-default-targets needs --default-targets")
    try:
        parse_nat64(settings.nat64_networks)
        parse_networks(settings.target_net_filter, "--target-net-filter")
        parse_networks(settings.exclude_target_net, "--exclude-target-net")
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if settings.min_ttl < 0:
        raise ConfigError("--min-ttl must not be negative")


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
    Flag("ignore-hostname-annotation", "ignore_hostname_annotation",
         "Ignore the hostname annotation (names then come from --fqdn-template only).", kind="bool"),
    Flag("compatibility", "compatibility",
         "Also read legacy annotations on Services (and kops's on Pods) that name nothing themselves: mate "
         "(zalando.org/dnsname), molecule (domainName, label dns=route53), kops-dns-controller "
         "(dns.alpha.kubernetes.io/external and /internal).", choices=COMPATIBILITY_MODES),
    Flag("fqdn-template", "fqdn_template",
         "Go template naming objects that name nothing themselves, e.g. '{{.Name}}.{{.Namespace}}.example.com' "
         "(repeatable; outputs are comma-separated names). Service, Ingress, Istio Gateway/VirtualService, HTTPRoute, "
         "Contour HTTPProxy.",
         repeatable=True, split=False),
    Flag("combine-fqdn-annotation", "combine_fqdn_annotation",
         "Publish the --fqdn-template names in addition to the object's own names, not only instead of them.",
         kind="bool"),
    Flag("target-template", "target_template",
         "Go template of targets for the --fqdn-template names (repeatable). external-dns reads it only in "
         "its gloo, traefik, f5 and unstructured sources, none of which zonekeeper has: validated, then unused, "
         "as with external-dns on these sources.", repeatable=True, split=False),
    Flag("fqdn-target-template", "fqdn_target_template",
         "Go template giving 'host:target' pairs, comma-separated (repeatable): Service, Node and Pod, for "
         "objects without records of their own (or all, with --combine-fqdn-annotation), before --fqdn-template.",
         repeatable=True, split=False),
    Flag("annotation-prefix", "annotation_prefix",
         "Read annotations under this prefix only (must end with '/'); instances sharding a cluster give each "
         "their own. Default: external-dns.kubernetes.io/, then the legacy external-dns.alpha.kubernetes.io/.",
         show_default=False),
    Flag("enable-legacy-annotation-prefix", "enable_legacy_annotation_prefix",
         "Also read the legacy prefix external-dns.alpha.kubernetes.io/ (the --annotation-prefix one wins). "
         "Default: on unless --annotation-prefix is given; --no-... reads as external-dns v0.23 does.",
         kind="bool", negatable=True, show_default=False),
    Flag("default-targets", "default_targets",
         "Targets for records whose source gave none (a DNSEndpoint entry without targets), repeatable.",
         repeatable=True),
    Flag("force-default-targets", "force_default_targets",
         "Replace every record's targets with --default-targets (external-dns's legacy behaviour).", kind="bool"),
    Flag("nat64-networks", "nat64_networks",
         "NAT64 prefixes (IPv6 /96, repeatable): an AAAA record with targets inside one also gets an A record "
         "of the IPv4 addresses they embed.", repeatable=True),
    Flag("target-net-filter", "target_net_filter",
         "Publish only targets inside these networks (CIDR, repeatable); hostname targets are then dropped.",
         repeatable=True),
    Flag("exclude-target-net", "exclude_target_net", "Never publish targets inside these networks (CIDR, repeatable).",
         repeatable=True),
    Flag("min-ttl", "min_ttl", "TTL for records whose TTL is not set (a default, as in external-dns; 0: none).",
         kind="duration"),
    Flag("prefer-alias", "prefer_alias",
         "CNAME records without an alias annotation become Route 53 aliases (to an AWS service, or to a "
         "record of the same zone).", kind="bool"),
    Flag("create-ptr", "create_ptr",
         "A PTR record in the reverse zone (in-addr.arpa, ip6.arpa) for each address of an A/AAAA record; needs "
         "PTR in --managed-record-types and the reverse zones in --domain-filter, as in external-dns.", kind="bool"),
    Flag("alias-annotation", "alias_annotation",
         "How the alias annotation is read: zonekeeper (true, false = a plain CNAME, A, AAAA) or external-dns "
         "(only true; other values ignored, so a load-balancer hostname stays an alias A/AAAA, as external-dns "
         "v0.23 writes it). zonekeeper's own flag.",
         choices=ALIAS_ANNOTATION_MODES),
    Flag("ignore-ingress-tls-spec", "ignore_ingress_tls_spec", "Ignore Ingress spec.tls hosts.", kind="bool"),
    Flag("ignore-ingress-rules-spec", "ignore_ingress_rules_spec", "Ignore Ingress spec.rules hosts.",
         kind="bool"),
    Flag("ingress-class", "ingress_class", "Only Ingresses of these classes (repeatable).", repeatable=True),
    Flag("service-type-filter", "service_type_filter", "Only Services of these types (repeatable).",
         repeatable=True),
    Flag("kubeconfig", "kubeconfig", "Kubeconfig file (default: in-cluster, then ~/.kube/config)."),
    Flag("server", "server",
         "Kubernetes API server URL, replacing the kubeconfig's (its credentials are kept); ignored in-cluster, "
         "as in external-dns. Default: the kubeconfig's."),
    Flag("namespace", "namespace", "Only objects in this namespace (default: all)."),
    Flag("label-filter", "label_filter", "Only source objects matching this label selector."),
    Flag("annotation-filter", "annotation_filter", "Only source objects whose annotations match this selector."),
    Flag("kube-api-qps", "kube_api_qps", "Kubernetes API requests per second.", kind="float"),
    Flag("kube-api-burst", "kube_api_burst", "Kubernetes API request burst.", kind="int"),
    Flag("kube-api-request-timeout", "kube_api_request_timeout",
         "Timeout of a Kubernetes API request, watches excepted (0 = none; list pages get at least 2m).",
         kind="duration"),
    # sources added with issue 11 (the Gateway API routes, node, pod): one block, to merge easily
    Flag("gateway-name", "gateway_name", "Gateway API routes: only Gateways of this name (default: all)."),
    Flag("gateway-namespace", "gateway_namespace",
         "Gateway API routes: only Gateways in this namespace (default: all)."),
    Flag("gateway-label-filter", "gateway_label_filter",
         "Gateway API routes: only Gateways matching this label selector (default: all)."),
    # Ingress controllers' sources (issue 11, srcB1): gloo-proxy
    Flag("gloo-namespace", "gloo_namespace", "gloo-proxy source: the namespaces whose Gloo Proxies are read "
         "(repeatable).", repeatable=True),
    Flag("connector-source-server", "connector_source_server",
         "connector source: the host:port of the external-dns connector server polled at every full pass."),
    Flag("gateway-listener-sets", "gateway_listener_sets",
         "Gateway API routes: also attach to ListenerSets (gateway.networking.k8s.io/v1; Gateway API v1.5+ "
         "CRDs), through the Gateways that allow them.", kind="bool"),
    Flag("exclude-unschedulable", "exclude_unschedulable",
         "Leave out unschedulable Nodes (node source, NodePort Services).", kind="bool", negatable=True),
    Flag("expose-internal-ipv6", "expose_internal_ipv6",
         "node source: publish a Node's internal IPv6 addresses beside its external ones.", kind="bool"),
    Flag("resolve-service-load-balancer-hostname", "resolve_service_load_balancer_hostname",
         "LoadBalancer Services: publish A/AAAA records of the addresses their status hostnames resolve to "
         "(looked up before every pass) instead of CNAMEs/aliases.", kind="bool"),
    Flag("traefik-enable-legacy", "traefik_enable_legacy",
         "traefik-proxy source: read the legacy traefik.containo.us group's routes too.", kind="bool"),
    Flag("traefik-disable-new", "traefik_disable_new",
         "traefik-proxy source: do not read the traefik.io group's routes.", kind="bool"),
    Flag("unstructured-resource", "unstructured_resource",
         "unstructured source: a resource to read, as <plural>.<version>.<group> (<plural>.<version> for the "
         "core group); repeatable.", repeatable=True),
    Flag("pod-source-domain", "pod_source_domain", "pod source: publish <pod name>.<domain> for every Pod."),
    Flag("ignore-non-host-network-pods", "ignore_non_host_network_pods",
         "pod source: only Pods with spec.hostNetwork.", kind="bool"),
    Flag("crd-source-apiversion", "crd_source_apiversion",
         f"crd source: the API version of its resource; only {CRD_API_VERSION} (as external-dns v0.23.0 reads)."),
    Flag("crd-source-kind", "crd_source_kind", f"crd source: the kind of its resource; only {CRD_KIND}."),
    # F5, Skipper and OpenShift sources (issue 11)
    Flag("openshift-router-name", "openshift_router_name",
         "openshift-route source: the router (IngressController) whose status entry gives a Route's host and "
         "target (default: the first that admitted it)."),
    Flag("skipper-routegroup-groupversion", "skipper_routegroup_groupversion",
         f"skipper-routegroup source: the API version of RouteGroups; only {SKIPPER_GROUP_VERSION}."),
)


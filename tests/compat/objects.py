"""The Kubernetes objects both controllers read in the compatibility suite, and the arguments they share.

Each object exercises one thing external-dns users rely on: load balancer hostnames in several regions
(alias records with each region's canonical hosted zone), IPv4/IPv6/several IPs, TTLs, several hostnames,
the target annotation (an IP, a CloudFront alias), weighted records, a wildcard, both annotation
prefixes, and objects neither may publish (a ClusterIP Service, a name outside every zone, a Service
without a hostname).
"""

from __future__ import annotations

from typing import Any

from tests.support.project_objects import f5_transport_server, f5_virtual_server, route_group

GA = "external-dns.kubernetes.io/"
ALPHA = "external-dns.alpha.kubernetes.io/"
ZONE = "example.com"

NLB_US_EAST_1 = "k8s-web-nlb1-0123456789-abcdef0123456789.elb.us-east-1.amazonaws.com"
ALB_EU_WEST_1 = "k8s-shop-alb-1234567890.eu-west-1.elb.amazonaws.com"
NLB_AP_SOUTHEAST_2 = "k8s-api-nlb-0a1b2c3d4e5f6a7b.elb.ap-southeast-2.amazonaws.com"
ALB_DUALSTACK_US_WEST_2 = "dualstack.k8s-dual-alb-987654321.us-west-2.elb.amazonaws.com"
CLOUDFRONT = "d111111abcdef8.cloudfront.net"
OTHER_LB = "lb.hosting.example.net"


def _lb_status(*addresses: str) -> dict[str, Any]:
    return {"loadBalancer": {"ingress": [{"ip": a} if a[0].isdigit() or ":" in a else {"hostname": a}
                                         for a in addresses]}}


def service(name: str, namespace: str, annotations: dict[str, str], *addresses: str,
            service_type: str = "LoadBalancer") -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "annotations": annotations},
        "spec": {"type": service_type, "selector": {"app": name}, "ports": [{"port": 80}]},
    }
    if addresses:
        obj["status"] = _lb_status(*addresses)
    return obj


def ingress(name: str, namespace: str, annotations: dict[str, str], hosts: list[str], *addresses: str,
            tls_hosts: list[str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"rules": [{"host": h} for h in hosts]}
    if tls_hosts:
        spec["tls"] = [{"hosts": tls_hosts, "secretName": f"{name}-tls"}]
    obj: dict[str, Any] = {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": name, "namespace": namespace, "annotations": annotations},
        "spec": spec,
    }
    if addresses:
        obj["status"] = _lb_status(*addresses)
    return obj


def catalogue(ns: str) -> list[dict[str, Any]]:
    """The comparison fixture: 25 objects, 20 of which ask for records in the zone."""
    h = GA + "hostname"
    return [
        service("web-nlb", ns, {h: "web.example.com"}, NLB_US_EAST_1),
        service("shop-alb", ns, {h: "shop.example.com", GA + "ttl": "60"}, ALB_EU_WEST_1),
        service("api-nlb", ns, {h: "api.example.com,api-v2.example.com"}, NLB_AP_SOUTHEAST_2),
        service("dual-alb", ns, {h: "dual.example.com"}, ALB_DUALSTACK_US_WEST_2),
        service("ip4", ns, {h: "ip4.example.com", GA + "ttl": "300"}, "192.0.2.10"),
        service("ip6", ns, {h: "ip6.example.com."}, "2001:db8::10"),
        service("multi-ip", ns, {h: "multi.example.com"}, "192.0.2.21", "192.0.2.20"),
        service("other-lb", ns, {h: "other.example.com"}, OTHER_LB),
        service("target-ip", ns, {h: "target.example.com", GA + "target": "198.51.100.7"}, "192.0.2.30"),
        service("legacy", ns, {ALPHA + "hostname": "legacy.example.com", ALPHA + "ttl": "120"}, "192.0.2.40"),
        service("both-prefixes", ns, {h: "both.example.com", ALPHA + "hostname": "both-legacy.example.com"},
                "192.0.2.50"),
        service("wildcard", ns, {h: "*.wild.example.com"}, "192.0.2.70"),
        service("weighted-blue", ns, {h: "weighted.example.com", GA + "set-identifier": "blue",
                                      GA + "aws-weight": "90"}, "192.0.2.81"),
        service("weighted-green", ns, {h: "weighted.example.com", GA + "set-identifier": "green",
                                       GA + "aws-weight": "10"}, "192.0.2.82"),
        service("geo-de", ns, {h: "geo.example.com", GA + "set-identifier": "de",
                               GA + "aws-geolocation-country-code": "DE"}, "192.0.2.83"),
        service("internal", ns, {h: "internal.example.com"}, service_type="ClusterIP"),
        service("internal-hostname", ns, {GA + "internal-hostname": "int.example.com"}, service_type="ClusterIP"),
        service("other-controller", ns, {h: "elsewhere.example.com", GA + "controller": "someone-else"},
                "192.0.2.92"),
        service("outside", ns, {h: "www.example.org"}, "192.0.2.90"),
        service("no-hostname", ns, {}, "192.0.2.91"),
        ingress("shop", ns, {}, ["shop-ing.example.com", "www.example.com"], ALB_EU_WEST_1),
        ingress("cdn", ns, {GA + "target": CLOUDFRONT}, ["cdn.example.com"], "192.0.2.100"),
        ingress("annotation-only", ns, {h: "annotated.example.com", GA + "ingress-hostname-source": "annotation-only"},
                ["rule-ignored.example.com"], "192.0.2.102"),
        ingress("pending", ns, {}, ["pending.example.com"]),
        ingress("secure", ns, {GA + "ttl": "600"}, ["secure.example.com"], "192.0.2.101",
                tls_hosts=["secure.example.com", "secure-alt.example.com"]),
    ]


def differing(ns: str) -> list[dict[str, Any]]:
    """Objects on which the two tools differ on purpose (tests/compat/test_compat_differences.py)."""
    h = GA + "hostname"
    return [
        service("mixed-case", ns, {h: "Mixed.Example.com"}, "192.0.2.120"),
        service("legacy-only", ns, {ALPHA + "hostname": "legacy-only.example.com"}, "192.0.2.121"),
        service("alias-false", ns, {h: "noalias.example.com", GA + "alias": "false"}, NLB_US_EAST_1),
    ]


def merging(ns: str) -> list[dict[str, Any]]:
    """Two Services asking for one name with different targets (external-dns merges the targets)."""
    h = GA + "hostname"
    return [service("dup-a", ns, {h: "dup.example.com"}, "192.0.2.61"),
            service("dup-b", ns, {h: "dup.example.com"}, "192.0.2.62")]


def shared_args(kubeconfig: str, namespace: str, owner: str) -> list[str]:
    """The arguments both CLIs are given, spelled the way external-dns documents them."""
    return [
        "--provider=aws", "--registry=txt", f"--txt-owner-id={owner}", "--policy=sync",
        "--source=service", "--source=ingress", f"--kubeconfig={kubeconfig}", f"--namespace={namespace}",
        f"--domain-filter={ZONE}", "--log-level=debug",
    ]


# external-dns reads the alpha prefix only when told to; zonekeeper reads both prefixes (GA first) unless
# given --annotation-prefix or --enable-legacy-annotation-prefix=false, and takes the flag too.
EXTERNAL_DNS_ONLY_ARGS = ["--enable-legacy-annotation-prefix"]


# -- the sources added with issue 11 (Gateway API routes, node, pod): tests/compat/test_compat_sources.py ----

GATEWAY_ADDRESS = "192.0.2.150"
COMPAT_NODE = "compat-node-1.example.com"  # a Node is cluster-scoped: one name for the whole suite


def _accepted(section: str) -> dict[str, Any]:
    """Route status as a Gateway controller writes it: external-dns publishes only Accepted parents."""
    return {"parents": [{"parentRef": {"name": "edge", "sectionName": section}, "controllerName": "example.com/gw",
                         "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted", "message": "",
                                         "observedGeneration": 1, "lastTransitionTime": "2026-01-01T00:00:00Z"}]}]}


def _route(kind: str, version: str, name: str, ns: str, section: str, *, hostnames: list[str] | None = None,
           annotations: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"parentRefs": [{"name": "edge", "sectionName": section}],
                            "rules": [{"backendRefs": [{"name": "backend", "port": 8080}]}]}
    if hostnames:
        spec["hostnames"] = hostnames
    return {"apiVersion": f"gateway.networking.k8s.io/{version}", "kind": kind,
            "metadata": {"name": name, "namespace": ns, "annotations": annotations or {}},
            "spec": spec, "status": _accepted(section)}


def more_sources(ns: str) -> list[dict[str, Any]]:
    """A Gateway with HTTP, TLS, TCP and UDP listeners and a route of each kind on it; a Node; a
    hostNetwork Pod on it with both hostname annotations."""
    h = GA + "hostname"

    def selecting(name: str, port: int, value: str) -> dict[str, Any]:
        return {"name": name, "port": port, "protocol": "HTTP", "hostname": f"*.{name}.example.com",
                "allowedRoutes": {"namespaces": {"from": "Selector", "selector": {"matchLabels": {"compat": value}}}}}

    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"compat": "yes"}}},
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "edge", "namespace": ns},
         "spec": {"gatewayClassName": "example", "listeners": [
             {"name": "http", "port": 80, "protocol": "HTTP", "hostname": "*.gw.example.com"},
             {"name": "tls", "port": 443, "protocol": "TLS", "hostname": "*.gw.example.com",
              "tls": {"mode": "Passthrough"}},
             {"name": "tcp", "port": 5432, "protocol": "TCP"},
             {"name": "udp", "port": 53, "protocol": "UDP"},
             selecting("sel", 8080, "yes"), selecting("nosel", 8081, "no")]},
         "status": {"addresses": [{"type": "IPAddress", "value": GATEWAY_ADDRESS}]}},
        _route("HTTPRoute", "v1", "web", ns, "http", hostnames=["web.gw.example.com", "web.example.org"]),
        _route("GRPCRoute", "v1", "grpc", ns, "http", hostnames=["grpc.gw.example.com"]),
        _route("HTTPRoute", "v1", "picky", ns, "sel", hostnames=["picky.sel.example.com"]),
        _route("HTTPRoute", "v1", "unselected", ns, "nosel", hostnames=["unselected.nosel.example.com"]),
        _route("TLSRoute", "v1", "tls", ns, "tls", hostnames=["tls.gw.example.com"]),
        _route("TCPRoute", "v1alpha2", "db", ns, "tcp", annotations={h: "db.gw.example.com", GA + "ttl": "60"}),
        _route("UDPRoute", "v1alpha2", "dns", ns, "udp", annotations={h: "dns.gw.example.com"}),
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": COMPAT_NODE},
         "status": {"addresses": [{"type": "ExternalIP", "address": "192.0.2.160"},
                                  {"type": "InternalIP", "address": "2001:db8::160"}]}},
        {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": "agent", "namespace": ns,
                      "annotations": {h: "agent.example.com", GA + "internal-hostname": "agent-int.example.com"}},
         "spec": {"containers": [{"name": "agent", "image": "agent"}], "nodeName": COMPAT_NODE, "hostNetwork": True},
         "status": {"podIP": "10.0.0.160", "podIPs": [{"ip": "10.0.0.160"}]}},
    ]


MORE_SOURCES = ["--source=gateway-httproute", "--source=gateway-grpcroute", "--source=gateway-tlsroute",
                "--source=gateway-tcproute", "--source=gateway-udproute", "--source=node", "--source=pod"]


# -- the ingress controllers' CRD sources (issue 11): contour-httpproxy, kong-tcpingress, ambassador-host,
# -- gloo-proxy; tests/compat/test_compat_sources.py. Their CRDs: tests/support/crds (install_project_crds).

INGRESS_CONTROLLER_PROJECTS = ("contour", "kong", "emissary", "gloo")


def ingress_controllers(ns: str) -> list[dict[str, Any]]:
    """16 objects: 3 HTTPProxies (one of another controller), 2 TCPIngresses, 3 Hosts (one without the
    Service annotation) and the 2 Services they read, 2 Gloo Proxies with a VirtualService, a Gateway,
    the Ingress it names and the first Proxy's Service."""
    h, ttl, target = GA + "hostname", GA + "ttl", GA + "target"
    amb = "external-dns.ambassador-service"

    def httpproxy(name: str, fqdn: str, annotations: dict[str, str], *addresses: str) -> dict[str, Any]:
        return {"apiVersion": "projectcontour.io/v1", "kind": "HTTPProxy",
                "metadata": {"name": name, "namespace": ns, "annotations": annotations},
                "spec": {"virtualhost": {"fqdn": fqdn}, "routes": [{"services": [{"name": "web", "port": 80}]}]},
                "status": _lb_status(*addresses)}

    def tcpingress(name: str, hosts: list[str], *addresses: str) -> dict[str, Any]:
        return {"apiVersion": "configuration.konghq.com/v1beta1", "kind": "TCPIngress",
                "metadata": {"name": name, "namespace": ns},
                "spec": {"rules": [{"host": host, "port": 9000 + i, "backend": {"serviceName": "db", "servicePort": 5432}}
                                   for i, host in enumerate(hosts)]},
                "status": _lb_status(*addresses)}

    def host(name: str, hostname: str, annotations: dict[str, str]) -> dict[str, Any]:
        return {"apiVersion": "getambassador.io/v3alpha1", "kind": "Host",
                "metadata": {"name": name, "namespace": ns, "annotations": annotations},
                "spec": {"hostname": hostname, "acmeProvider": {"authority": "none"}}}

    def static(kind: str, namespace: str, name: str) -> dict[str, Any]:
        return {"sources": [{"resourceKind": kind, "resourceRef": {"name": name, "namespace": namespace}}]}

    def proxy(name: str, virtual_hosts: list[dict[str, Any]], gateway: str = "") -> dict[str, Any]:
        listener: dict[str, Any] = {"name": "http", "bindAddress": "::", "bindPort": 8080,
                                    "httpListener": {"virtualHosts": virtual_hosts}}
        if gateway:
            listener["metadataStatic"] = static("*v1.Gateway", ns, gateway)
        return {"apiVersion": "gloo.solo.io/v1", "kind": "Proxy", "metadata": {"name": name, "namespace": ns},
                "spec": {"listeners": [listener]}}

    extra_ips = service("emissary-ext", ns, {}, "192.0.2.199")
    extra_ips["spec"]["externalIPs"] = ["192.0.2.174"]
    edge = ingress("edge", ns, {}, [], "192.0.2.176")
    edge["spec"]["defaultBackend"] = {"service": {"name": "web", "port": {"number": 80}}}
    return [
        httpproxy("hp", "contour.ic.example.com", {h: "contour-alt.ic.example.com", ttl: "60"}, "192.0.2.170"),
        httpproxy("hp-target", "contour-target.ic.example.com", {target: "192.0.2.171"}, "192.0.2.199"),
        httpproxy("hp-other", "contour-other.ic.example.com", {GA + "controller": "someone-else"}, "192.0.2.199"),
        tcpingress("tcp", ["kong-a.ic.example.com", "kong-b.ic.example.com"], "192.0.2.172"),
        tcpingress("tcp-nlb", ["kong-nlb.ic.example.com"], NLB_US_EAST_1),
        service("emissary", ns, {}, "192.0.2.173"),
        extra_ips,
        host("site", "site.ic.example.com", {amb: f"{ns}/emissary", ttl: "120"}),
        host("site-dot", "site-dot.ic.example.com", {amb: f"emissary-ext.{ns}"}),
        host("no-opt-in", "no-opt-in.ic.example.com", {target: "192.0.2.199"}),
        service("gateway-proxy", ns, {}, "192.0.2.175"),
        {"apiVersion": "gateway.solo.io/v1", "kind": "VirtualService",
         "metadata": {"name": "shop", "namespace": ns, "annotations": {ttl: "300"}},
         "spec": {"virtualHost": {"domains": ["gloo-shop.ic.example.com"]}}},
        proxy("gateway-proxy", [
            {"name": "plain", "domains": ["gloo-a.ic.example.com", "gloo-b.ic.example.com."]},
            {"name": "shop", "domains": ["gloo-shop.ic.example.com"],
             "metadata": {"sources": [{"kind": "*v1.VirtualService", "name": "shop", "namespace": ns}]}}]),
        {"apiVersion": "gateway.solo.io/v1", "kind": "Gateway",
         "metadata": {"name": "gw-ing", "namespace": ns, "annotations": {GA + "ingress": f"{ns}/edge"}},
         "spec": {"bindAddress": "::", "bindPort": 8081, "httpGateway": {}}},
        edge,
        proxy("proxy-ingress", [{"name": "ing", "domains": ["gloo-ing.ic.example.com"]}], gateway="gw-ing"),
    ]


INGRESS_CONTROLLER_SOURCES = ["--source=contour-httpproxy", "--source=kong-tcpingress", "--source=ambassador-host",
                              "--source=gloo-proxy"]
# -- the F5 CIS and Skipper sources (issue 11): tests/compat/test_compat_sources.py ----------------------
# (openshift-route has no case: the external-dns binary is built without it, tests/external_dns/build.sh)

PROJECT_SOURCES = ["--source=f5-virtualserver", "--source=f5-transportserver", "--source=skipper-routegroup"]


def project_sources(ns: str) -> list[dict[str, Any]]:
    """F5 VirtualServers (host aliases, a TTL, a target annotation; one BIG-IP has no address for yet,
    one it reports as `None`), a TransportServer, and RouteGroups (a load balancer hostname, IPs, the
    hostname and target annotations, a weighted record, one without a load balancer)."""
    h = GA + "hostname"
    return [
        f5_virtual_server("shop", ns, "shop.f5.example.com", "192.0.2.170", aliases=["www.f5.example.com"],
                          annotations={GA + "ttl": "120"}),
        f5_virtual_server("cdn", ns, "cdn.f5.example.com", "192.0.2.172", annotations={GA + "target": CLOUDFRONT}),
        f5_virtual_server("pending", ns, "pending.f5.example.com", "192.0.2.171", vs_address=""),
        f5_virtual_server("none", ns, "none.f5.example.com", "192.0.2.174", vs_address="None"),
        f5_transport_server("db", ns, "db.f5.example.com", "192.0.2.173"),
        route_group("web", ns, ["web.rg.example.com"], NLB_US_EAST_1),
        route_group("ips", ns, ["ip.rg.example.com", "ip2.rg.example.com"], "192.0.2.180",
                    annotations={GA + "ttl": "60"}),
        route_group("annotated", ns, ["a.rg.example.com"], "192.0.2.181", annotations={h: "b.rg.example.com"}),
        route_group("weighted", ns, ["w.rg.example.com"], "192.0.2.182",
                    annotations={GA + "set-identifier": "blue", GA + "aws-weight": "100"}),
        route_group("targeted", ns, ["t.rg.example.com"], "192.0.2.183", annotations={GA + "target": "198.51.100.8"}),
        route_group("pending", ns, ["pending.rg.example.com"]),
    ]


# -- --gateway-listener-sets: tests/compat/test_compat_sources.py's ListenerSet case -------------------------

LISTENER_SET_GATEWAY_ADDRESS = "192.0.2.170"
_CONDITION = {"status": "True", "message": "", "observedGeneration": 1, "lastTransitionTime": "2026-01-01T00:00:00Z"}


def _condition(kind: str) -> dict[str, Any]:
    return {"type": kind, "reason": kind, **_CONDITION}


def _listener_set(name: str, ns: str, gateway_ns: str, gateway: str, listeners: list[dict[str, Any]],
                  annotations: dict[str, str] | None = None) -> dict[str, Any]:
    """A ListenerSet with the status a Gateway controller writes: external-dns v0.23.0 needs the set and
    each listener entry Accepted (zonekeeper decides from the spec)."""
    return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "ListenerSet",
            "metadata": {"name": name, "namespace": ns, "annotations": annotations or {}},
            "spec": {"parentRef": {"name": gateway, "namespace": gateway_ns}, "listeners": listeners},
            "status": {"conditions": [_condition("Accepted"), _condition("Programmed")],
                       "listeners": [{"name": lis["name"], "attachedRoutes": 1,
                                      "supportedKinds": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute"}],
                                      "conditions": [_condition("Accepted"), _condition("Programmed")]}
                                     for lis in listeners]}}


def _route_on_set(name: str, ns: str, listener_set: str, hostnames: list[str], section: str = "") -> dict[str, Any]:
    ref: dict[str, Any] = {"group": "gateway.networking.k8s.io", "kind": "ListenerSet", "name": listener_set}
    if section:
        ref["sectionName"] = section
    return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"parentRefs": [ref], "hostnames": hostnames,
                     "rules": [{"backendRefs": [{"name": "backend", "port": 8080}]}]},
            "status": {"parents": [{"parentRef": ref, "controllerName": "example.com/gw",
                                    "conditions": [_condition("Accepted")]}]}}


def listener_sets(ns: str, infra: str) -> list[dict[str, Any]]:
    """Gateway `open` in `infra` admitting ListenerSets from namespaces labelled compat-ls=yes (`ns` is),
    Gateway `closed` admitting none (allowedListeners' default); in `ns` three ListenerSets and a route
    on each, one naming a section."""
    def gateway(name: str, allowed: dict[str, Any] | None) -> dict[str, Any]:
        spec: dict[str, Any] = {"gatewayClassName": "example", "listeners": [
            {"name": "http", "port": 80, "protocol": "HTTP", "hostname": f"{name}.gw-ls.example.com"}]}
        if allowed is not None:
            spec["allowedListeners"] = {"namespaces": allowed}
        return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
                "metadata": {"name": name, "namespace": infra}, "spec": spec,
                "status": {"addresses": [{"type": "IPAddress", "value": LISTENER_SET_GATEWAY_ADDRESS}]}}

    web = [{"name": "web", "port": 80, "protocol": "HTTP", "hostname": "*.ls.example.com"},
           {"name": "admin", "port": 8080, "protocol": "HTTP", "hostname": "admin.ls.example.com"}]
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"compat-ls": "yes"}}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": infra}},
        gateway("open", {"from": "Selector", "selector": {"matchLabels": {"compat-ls": "yes"}}}),
        gateway("closed", None),
        _listener_set("extra", ns, infra, "open", web),
        _listener_set("pinned", ns, infra, "open",
                      [{"name": "web", "port": 80, "protocol": "HTTP", "hostname": "*.pin.example.com"}],
                      annotations={GA + "target": "198.51.100.170"}),
        _listener_set("shut", ns, infra, "closed",
                      [{"name": "web", "port": 80, "protocol": "HTTP", "hostname": "*.shut.example.com"}]),
        _route_on_set("app", ns, "extra", ["app.ls.example.com", "app.elsewhere.example.com"]),
        _route_on_set("admin", ns, "extra", ["admin.ls.example.com", "other.ls.example.com"], section="admin"),
        _route_on_set("pinned", ns, "pinned", ["pinned.pin.example.com"]),
        _route_on_set("shut", ns, "shut", ["shut.shut.example.com"]),
    ]

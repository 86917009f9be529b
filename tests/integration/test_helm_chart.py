"""The Helm chart (deploy/helm/zonekeeper), the plain manifests rendered from it, the image recipe, the
IAM policies and docs/install.md: rendered by the pinned helm CLI (tests/helm/build.sh), accepted by
the real kube-apiserver, and run -- the controller works with exactly the rendered arguments and the
rendered ServiceAccount's permissions.

helm is built from its Go module when missing (a cold build takes minutes, once; the binary is cached
in ~/.cache/zonekeeper/bin). The Dockerfile is checked statically here; tests/integration/test_image.py
builds the image and runs it.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import difflib
import importlib.util
import json
import os
import re
import shlex
import socket
import subprocess
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

import click
import pytest
import yaml

from tests.support.helm import CHART, Helm, external_dns_chart, find, helm, key_paths
from tests.support.kube import KubeCluster
from tests.support.route53 import StrictRoute53Server
from zonekeeper.sources.objects import LISTENERSETS

__all__ = ["external_dns_chart", "helm"]  # fixtures

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(120, func_only=True)]

ROOT = Path(__file__).resolve().parent.parent.parent
MANIFESTS = ROOT / "deploy" / "manifests"
VALUES_FULL = ROOT / "tests" / "helm" / "values-full.yaml"
INSTALL_DOC = ROOT / "docs" / "install.md"
POLICY = ROOT / "deploy" / "iam" / "policy.json"
POLICY_ZONE_TAGS = ROOT / "deploy" / "iam" / "policy-zone-tags.json"
DOCKERFILE = ROOT / "Dockerfile"

NLB = "k8s-web-nlb1-0123456789-abcdef0123456789.elb.us-east-1.amazonaws.com"
READ = ["list", "watch"]
# Values of the shell variables docs/install.md sets with a command substitution ($(aws ...)).
DOC_SAMPLES = {"ACCOUNT_ID": "123456789012"}


def kinds(docs: Sequence[Mapping[str, Any]]) -> list[str]:
    return sorted(d["kind"] for d in docs)


def container(docs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """zonekeeper's container (extraContainers may add others)."""
    containers = find(docs, "Deployment")["spec"]["template"]["spec"]["containers"]
    (ours,) = [c for c in containers if c["name"] == "zonekeeper"]
    return dict(ours)


def read_rules(cluster_role: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(apiGroup, resource) pairs the ClusterRole may list and watch."""
    out = set()
    for rule in cluster_role["rules"]:
        if rule["verbs"] == READ:
            out |= {(g, r) for g in rule["apiGroups"] for r in rule["resources"]}
    return out


def chart_meta() -> dict[str, Any]:
    return dict(yaml.safe_load((CHART / "Chart.yaml").read_text()))


def load_yaml(path: Path) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text()))


# -- the CLI ---------------------------------------------------------------------------------------


def cli_context(args: Sequence[str], env: Mapping[str, str] | None = None) -> Any:
    """Parse container arguments (`run --flag=...`) exactly as `zonekeeper` would, with only `env`'s
    ZONEKEEPER_* variables visible. Returns the click context of `zonekeeper run`."""
    from zonekeeper import cli

    assert list(args[:1]) == ["run"], f"the container must run `zonekeeper run`, got {list(args[:1])}"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZONEKEEPER_")}
    with mock.patch.dict(os.environ, {**clean, **(env or {})}, clear=True):
        return cli.run.make_context("run", list(args[1:]))


def cli_settings(args: Sequence[str], env: Mapping[str, str] | None = None) -> Any:
    from zonekeeper import cli

    return cli._settings(dict(cli_context(args, env).params))


# -- default values ----------------------------------------------------------------------------------


def test_chart_lints_clean(helm: Helm) -> None:
    for args in ([], ["-f", str(VALUES_FULL)]):
        lint = helm.run("lint", "--strict", str(CHART), *args)
        assert lint.returncode == 0, lint.stdout + lint.stderr


def test_default_values_render_a_least_privilege_single_writer(helm: Helm) -> None:
    docs = helm.template()
    assert kinds(docs) == ["ClusterRole", "ClusterRoleBinding", "Deployment", "Service", "ServiceAccount"]
    meta = chart_meta()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["appVersion"] == project["version"], "Chart.yaml appVersion must be zonekeeper's version"

    c = container(docs)
    assert c["image"] == f"zonekeeper:{meta['appVersion']}"
    # The external-dns chart's flags, in its order (policy: its 1.21 default, never sync).
    assert c["args"] == ["run", "--log-level=info", "--log-format=text", "--interval=1m", "--source=service",
                         "--source=ingress", "--policy=upsert-only", "--registry=txt", "--provider=aws"]
    assert {e["name"]: e["valueFrom"]["fieldRef"]["fieldPath"] for e in c["env"]} == {
        "POD_NAME": "metadata.name", "POD_NAMESPACE": "metadata.namespace"}
    assert c["ports"] == [{"name": "http", "containerPort": 7979, "protocol": "TCP"}]
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert c["securityContext"] == {"allowPrivilegeEscalation": False, "privileged": False,
                                    "readOnlyRootFilesystem": True, "runAsNonRoot": True, "runAsUser": 65532,
                                    "runAsGroup": 65532, "capabilities": {"drop": ["ALL"]}}
    assert c["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]

    deployment = find(docs, "Deployment", "zonekeeper")
    pod = deployment["spec"]["template"]["spec"]
    assert deployment["metadata"]["namespace"] == "zonekeeper"
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert pod["serviceAccountName"] == "zonekeeper"
    assert pod["securityContext"] == {"runAsNonRoot": True, "fsGroup": 65534, "seccompProfile": {"type": "RuntimeDefault"}}
    assert deployment["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": "zonekeeper",
                                                             "app.kubernetes.io/instance": "zonekeeper"}
    assert pod["volumes"] == [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]

    sa = find(docs, "ServiceAccount", "zonekeeper")
    assert sa["metadata"]["namespace"] == "zonekeeper" and "annotations" not in sa["metadata"]
    binding = find(docs, "ClusterRoleBinding", "zonekeeper-viewer")
    assert binding["roleRef"]["name"] == "zonekeeper"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "zonekeeper", "namespace": "zonekeeper"}]
    service = find(docs, "Service", "zonekeeper")
    assert service["spec"]["ports"] == [{"name": "http", "port": 7979, "targetPort": "http", "protocol": "TCP"}]
    assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert deployment["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]

    settings = cli_settings(c["args"])
    assert settings.source.sources == ("service", "ingress") and settings.plan.policy == "upsert-only"
    assert settings.provider.provider == "aws" and not settings.controller.leader_elect


# -- every value -------------------------------------------------------------------------------------


def test_values_full_sets_every_value_of_the_chart() -> None:
    defaults, full = load_yaml(CHART / "values.yaml"), load_yaml(VALUES_FULL)
    missing = {p for p in key_paths(defaults) if not _has_path(full, p)}
    assert not missing, f"tests/helm/values-full.yaml does not set: {sorted(missing)}"
    unknown = {p.split(".")[0] for p in key_paths(full)} - set(defaults)
    assert not unknown, f"tests/helm/values-full.yaml sets values the chart does not have: {sorted(unknown)}"


def _has_path(values: Mapping[str, Any], path: str) -> bool:
    node: Any = values
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return False
        node = node[key]
    return True


def test_every_value_is_honoured(helm: Helm) -> None:
    v = load_yaml(VALUES_FULL)
    docs = helm.template("-f", str(VALUES_FULL))
    assert kinds(docs) == ["ClusterRole", "ClusterRoleBinding", "Deployment", "Role", "RoleBinding", "Secret",
                           "Service", "ServiceAccount", "ServiceMonitor"]
    names = {"ServiceAccount": v["serviceAccount"]["name"], "Role": "zk-full-leader-election",
             "RoleBinding": "zk-full-leader-election", "ClusterRoleBinding": "zk-full-viewer"}
    for doc in docs:
        assert doc["metadata"]["labels"]["team"] == "platform", doc["kind"]  # commonLabels
        assert doc["metadata"]["name"] == names.get(doc["kind"], v["fullnameOverride"]), doc["kind"]
        if doc["kind"] not in ("ClusterRole", "ClusterRoleBinding", "ServiceMonitor"):
            assert doc["metadata"]["namespace"] == v["namespaceOverride"], doc["kind"]

    sa = find(docs, "ServiceAccount")
    # Annotations are templates (release `zonekeeper`).
    assert sa["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/zonekeeper"}
    assert sa["metadata"]["labels"]["iam"] == "irsa"
    assert sa["automountServiceAccountToken"] is True

    deployment = find(docs, "Deployment")
    spec, pod = deployment["spec"], deployment["spec"]["template"]["spec"]
    assert deployment["metadata"]["annotations"] == v["deploymentAnnotations"]
    assert spec["replicas"] == 2 and spec["revisionHistoryLimit"] == 3
    assert spec["strategy"] == v["deploymentStrategy"]
    assert spec["selector"]["matchLabels"] == {"app.kubernetes.io/name": "dns", "app.kubernetes.io/instance": "zonekeeper"}
    assert spec["template"]["metadata"]["labels"]["tier"] == "dns"
    secret = find(docs, "Secret")
    credentials = v["secretConfiguration"]["data"]["credentials"].replace("{{ .Release.Name }}", "zonekeeper")
    assert base64.b64decode(secret["data"]["credentials"]).decode() == credentials
    annotations = spec["template"]["metadata"]["annotations"]
    checksum = annotations.pop("checksum/secret")
    assert annotations == v["podAnnotations"]
    # Another Secret, another pod template: the pods roll when the Secret changes.
    other = find(helm.template("-f", str(VALUES_FULL), "--set", "secretConfiguration.data.credentials=x"), "Deployment")
    assert re.fullmatch("[0-9a-f]{64}", checksum) and other["spec"]["template"]["metadata"]["annotations"][
        "checksum/secret"] != checksum
    assert pod["serviceAccountName"] == "zk-dns"
    assert pod["imagePullSecrets"] == v["imagePullSecrets"]  # not global.imagePullSecrets: a fallback
    assert pod["automountServiceAccountToken"] is True and pod["shareProcessNamespace"] is True
    for key in ("dnsPolicy", "dnsConfig", "hostAliases", "initContainers"):
        assert pod[key] == v[key], key
    assert [c["name"] for c in pod["containers"]] == ["sidecar", "zonekeeper"]
    assert pod["containers"][0] == v["extraContainers"][0]
    assert pod["securityContext"] == v["podSecurityContext"]
    assert pod["priorityClassName"] == "system-cluster-critical"
    assert pod["terminationGracePeriodSeconds"] == 45
    for key in ("nodeSelector", "tolerations", "affinity", "topologySpreadConstraints"):
        assert pod[key] == v[key], key
    assert pod["volumes"][1:] == [{"name": "secrets", "secret": {"secretName": "zk-full"}}, *v["extraVolumes"]]

    c = container(docs)
    assert c["image"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/zonekeeper:0.1.0-rc1"
    assert c["imagePullPolicy"] == "Always"
    assert [e["name"] for e in c["env"]] == ["POD_NAME", "POD_NAMESPACE", "AWS_REGION", "ZONEKEEPER_AWS_ZONE_TYPE"]
    assert c["envFrom"] == v["envFrom"]
    assert c["livenessProbe"] == v["livenessProbe"] and c["readinessProbe"] == v["readinessProbe"]
    assert c["securityContext"] == v["securityContext"]
    assert c["resources"] == v["resources"]
    assert c["volumeMounts"][1:] == [{"name": "secrets", "mountPath": "/etc/aws-credentials"}, *v["extraVolumeMounts"]]
    assert c["ports"] == [{"name": "http", "containerPort": 7979, "protocol": "TCP"}]
    assert c["args"] == [
        "run", "--log-level=debug", "--log-format=json", "--interval=5m",
        "--source=service", "--source=ingress", "--source=istio-gateway", "--source=istio-virtualservice",
        "--source=crd", "--source=gateway-httproute",
        "--policy=upsert-only", "--registry=txt", "--txt-owner-id=prod-eu-1", "--txt-prefix=extdns-%{record_type}.",
        "--domain-filter=example.com", "--domain-filter=example.org", "--exclude-domains=internal.example.com",
        "--label-filter=dns=public", "--annotation-filter=kubernetes.io/ingress.class in (nginx)",
        "--managed-record-types=A", "--managed-record-types=AAAA", "--managed-record-types=CNAME",
        "--provider=aws", "--no-status-updates",
        "--leader-elect", "--leader-elect-lease-name=zk-lease", "--leader-elect-lease-duration=20s",
        "--leader-elect-renew-deadline=12s", "--leader-elect-retry-period=3s",
        # extraArgs as a map, as the external-dns chart renders it: sorted by key; true or null is the bare
        # flag, false --no-<flag>, a list repeats the flag
        "--no-aws-evaluate-target-health", "--aws-prefer-cname", "--aws-rate-limit=2",
        "--aws-zone-match-parent", "--aws-zone-tags=team=platform", "--aws-zone-tags=env=prod",
        "--aws-zone-type=public",
    ]
    settings = cli_settings(c["args"])
    assert settings.controller.leader_elect and settings.controller.leader_elect_lease_name == "zk-lease"
    assert not settings.controller.status_updates
    assert not [r for r in find(docs, "ClusterRole")["rules"] if any(x.endswith("/status") for x in r["resources"])]
    assert settings.provider.aws_zone_tags == ("team=platform", "env=prod") and settings.provider.aws_prefer_cname
    assert not settings.provider.aws_evaluate_target_health and settings.provider.aws_zone_match_parent
    assert settings.source.label_filter == "dns=public" and settings.plan.managed_record_types == ("A", "AAAA", "CNAME")
    assert settings.provider.aws_rate_limit == 2.0
    assert settings.registry.txt_prefix == "extdns-%{record_type}." and settings.controller.interval == 300.0

    role = find(docs, "Role")
    assert role["metadata"]["namespace"] == "dns-system"
    assert role["rules"] == [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                              "verbs": ["get", "create", "update"]}]
    role_binding = find(docs, "RoleBinding")
    assert role_binding["roleRef"]["name"] == role["metadata"]["name"]
    assert role_binding["subjects"] == [{"kind": "ServiceAccount", "name": "zk-dns", "namespace": "dns-system"}]
    assert find(docs, "ClusterRoleBinding")["subjects"] == role_binding["subjects"]
    assert find(docs, "ClusterRole")["rules"][-1] == v["rbac"]["additionalPermissions"][0]

    service = find(docs, "Service")
    assert service["metadata"]["annotations"] == v["service"]["annotations"]
    assert service["spec"]["ports"] == [{"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}]
    assert service["spec"]["ipFamilies"] == ["IPv4"] and service["spec"]["ipFamilyPolicy"] == "SingleStack"
    monitor = find(docs, "ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["namespace"] == "monitoring"
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert monitor["metadata"]["annotations"] == {"owner": "platform"}
    assert monitor["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["dns-system"]}
    assert monitor["spec"]["jobLabel"] == "app.kubernetes.io/instance"
    sm = v["serviceMonitor"]
    assert monitor["spec"]["targetLabels"] == sm["targetLabels"]
    assert monitor["spec"]["endpoints"] == [{
        "port": "http", "path": "/metrics", "interval": sm["interval"], "scrapeTimeout": sm["scrapeTimeout"],
        "scheme": sm["scheme"], "tlsConfig": sm["tlsConfig"], "bearerTokenFile": sm["bearerTokenFile"],
        "honorLabels": True, "relabelings": sm["relabelings"], "metricRelabelings": sm["metricRelabelings"]}]


def test_leader_election_follows_the_replica_count(helm: Helm) -> None:
    for args, elected in ((["--set", "replicaCount=2"], True), (["--set", "leaderElection.enabled=true"], True),
                          (["--set", "replicaCount=1"], False)):
        docs = helm.template(*args)
        c, spec = container(docs), find(docs, "Deployment")["spec"]
        assert ("--leader-elect" in c["args"]) is elected, args
        assert ("Role" in kinds(docs) and "RoleBinding" in kinds(docs)) is elected, args
        if elected:
            assert "--leader-elect-lease-name=zonekeeper" in c["args"]
        # The external-dns chart's default either way; deploymentStrategy chooses.
        assert spec["strategy"] == {"type": "Recreate"}
    assert "every replica would write" in helm.template_error("--set", "replicaCount=3",
                                                              "--set", "leaderElection.enabled=false")


@pytest.mark.parametrize(("args", "message"), [
    (["--set", "sources={service,kafka}"], "source kafka is not supported"),
    (["--set", "sources=null"], "at least one source"),
    (["--set", "txtPrefix=a-", "--set", "txtSuffix=-b"], "mutually exclusive"),
    (["--set", "provider=google"], "provider google is not supported"),
    (["--set", "extraArgs=--once"], "extraArgs"),
    (["--set", "secretConfiguration.enabled=true"], "secretConfiguration.mountPath is required"),
    (["--set", "annotationPrefix=team-a.example.org"], "annotationPrefix"),
])
def test_bad_values_fail_at_install_time(helm: Helm, args: list[str], message: str) -> None:
    assert message in helm.template_error(*args)


def test_extra_args_as_a_list_and_provider_as_a_map(helm: Helm) -> None:
    c = container(helm.template("--set-json", 'extraArgs=["--aws-zone-type=private", "--zone-id-filter=Z1"]',
                                "--set", "provider.name=route53", "--set", "serviceAccount.create=false",
                                "--set", "serviceAccount.name=existing", "--set", "rbac.create=false"))
    assert c["args"][-3:] == ["--provider=route53", "--aws-zone-type=private", "--zone-id-filter=Z1"]
    c = container(helm.template("--set", "provider=aws"))  # the external-dns chart's older, string form
    assert c["args"][-1] == "--provider=aws"
    docs = helm.template("--set", "serviceAccount.create=false", "--set", "serviceAccount.name=existing",
                         "--set", "rbac.create=false")
    assert kinds(docs) == ["Deployment", "Service"]
    assert find(docs, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"] == "existing"
    # No ServiceAccount and none named: the namespace's `default`, as with the external-dns chart.
    docs = helm.template("--set", "serviceAccount.create=false")
    assert find(docs, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"] == "default"


# -- RBAC: derived from the sources, and from the code ---------------------------------------------------


def _resource(kind: str) -> tuple[str, str]:
    """A kind as zonekeeper's sources name it (`services`, `ingresses.networking.k8s.io`) -> (group, resource)."""
    resource, _, group = kind.partition(".")
    return group, resource


@pytest.mark.parametrize("source", ["service", "ingress", "istio-gateway", "istio-virtualservice", "crd",
                                    "gateway-httproute", "gateway-grpcroute", "gateway-tlsroute",
                                    "gateway-tcproute", "gateway-udproute", "node", "pod", "f5-virtualserver",
                                    "f5-transportserver", "skipper-routegroup", "openshift-route", "traefik-proxy", "empty"])
def test_cluster_role_grants_exactly_what_the_source_reads(helm: Helm, source: str) -> None:
    from zonekeeper.controller import STATUS_KINDS
    from zonekeeper.kube.resources import RESOURCES
    from zonekeeper.sources import SOURCES, watched_kinds
    from zonekeeper.sources.base import SourceConfig

    role = find(helm.template("--set", f"sources={{{source}}}"), "ClusterRole")
    # ListenerSets only with enableGatewayListenerSets (--gateway-listener-sets), as zonekeeper watches them.
    assert read_rules(role) == {_resource(k) for k in watched_kinds([source], SourceConfig()) if k != LISTENERSETS}
    with_sets = find(helm.template("--set", f"sources={{{source}}}", "--set", "enableGatewayListenerSets=true"),
                     "ClusterRole")
    assert read_rules(with_sets) == {_resource(k) for k in watched_kinds([source], SourceConfig())}
    others = [r for r in role["rules"] if r["verbs"] != READ]
    events = {"apiGroups": [""], "resources": ["events"], "verbs": ["create"]}
    expected = [events]
    # The status the controller writes on the source's objects: patch, nothing else.
    for kind in sorted({part.kind for part in SOURCES[source].parts} & set(STATUS_KINDS)):
        resource = RESOURCES[kind]
        expected.insert(0, {"apiGroups": [resource.group], "resources": [f"{resource.plural}/status"],
                            "verbs": ["patch"]})
    assert others == expected
    assert all("*" not in r["verbs"] and "*" not in r["resources"] for r in role["rules"])
    # statusUpdates=false: the flag, and no status permission at all.
    docs = helm.template("--set", f"sources={{{source}}}", "--set", "statusUpdates=false")
    assert [r for r in find(docs, "ClusterRole")["rules"] if r["verbs"] != READ] == [events]
    assert "--no-status-updates" in container(docs)["args"]


@pytest.mark.parametrize("flags", [(), ("traefik-enable-legacy",), ("traefik-disable-new", "traefik-enable-legacy"),
                                   ("traefik-disable-new",)])
def test_cluster_role_follows_the_traefik_groups_enabled(helm: Helm, flags: tuple[str, ...]) -> None:
    from zonekeeper.sources import watched_kinds
    from zonekeeper.sources.base import SourceConfig

    config = SourceConfig(traefik_enable_legacy="traefik-enable-legacy" in flags,
                          traefik_disable_new="traefik-disable-new" in flags)
    values = [arg for flag in flags for arg in ("--set", f"extraArgs.{flag}=true")]
    role = find(helm.template("--set", "sources={traefik-proxy}", *values), "ClusterRole")
    assert read_rules(role) == {_resource(k) for k in watched_kinds(["traefik-proxy"], config)}


def test_cluster_role_lists_and_watches_each_unstructured_resource(helm: Helm) -> None:
    role = find(helm.template("--set", "sources={unstructured}", "--set",
                              "extraArgs.unstructured-resource={configmaps.v1,certificates.v1.cert-manager.io}"),
                "ClusterRole")
    assert read_rules(role) == {("", "configmaps"), ("cert-manager.io", "certificates")}
    # Without resources it reads nothing.
    assert read_rules(find(helm.template("--set", "sources={unstructured}"), "ClusterRole")) == set()


def test_namespaced_reads_one_namespace_through_a_role(helm: Helm) -> None:
    from zonekeeper.sources import watched_kinds
    from zonekeeper.sources.base import SourceConfig

    docs = helm.template("--set", "namespaced=true", "--set", "sourceNamespace=apps",
                         "--set", "sources={service,ingress}")
    assert "--namespace=apps" in container(docs)["args"]
    role, binding = find(docs, "Role"), find(docs, "RoleBinding")
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == "apps"
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "zonekeeper"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "zonekeeper", "namespace": "zonekeeper"}]
    # Nodes are cluster-scoped: the service source still reads them through a ClusterRole, and nothing else.
    nodes = find(docs, "ClusterRole")
    assert nodes["rules"] == [{"apiGroups": [""], "resources": ["nodes"], "verbs": READ}]
    assert find(docs, "ClusterRoleBinding")["roleRef"]["name"] == nodes["metadata"]["name"]
    watched = {_resource(k) for k in watched_kinds(["service", "ingress"], SourceConfig())}
    assert read_rules(role) | read_rules(nodes) == watched and ("", "nodes") not in read_rules(role)
    # Without the service source, nothing cluster-wide at all.
    docs = helm.template("--set", "namespaced=true", "--set", "sources={ingress}")
    assert "ClusterRole" not in kinds(docs) and find(docs, "Role")["metadata"]["namespace"] == "zonekeeper"



def _rbac(docs: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str, str], set[tuple[str, str]]]:
    """(kind, name, namespace) of each role -> what it lets the ServiceAccount list and watch."""
    return {(d["kind"], d["metadata"]["name"], d["metadata"].get("namespace", "")): read_rules(d)
            for d in docs if d["kind"] in ("Role", "ClusterRole")}


def test_namespaced_gateway_routes_read_gateways_and_namespaces_where_zonekeeper_watches_them(helm: Helm) -> None:
    """With --namespace, routes are read in that namespace, but Gateways in --gateway-namespace (every
    namespace without it) and Namespaces cluster-wide (live.kind_namespaces): each is granted there."""
    routes = ("gateway.networking.k8s.io", "httproutes")
    gateways, namespaces = ("gateway.networking.k8s.io", "gateways"), ("", "namespaces")
    base = ["--set", "namespaced=true", "--set", "sourceNamespace=apps", "--set", "sources={gateway-httproute}"]
    docs = helm.template(*base)
    assert "--gateway-namespace" not in " ".join(container(docs)["args"])
    assert _rbac(docs) == {("Role", "zonekeeper", "apps"): {routes},
                           ("ClusterRole", "zonekeeper-namespaces", ""): {namespaces, gateways}}
    docs = helm.template(*base, "--set", "gatewayNamespace=gateways")
    assert "--gateway-namespace=gateways" in container(docs)["args"]
    assert _rbac(docs) == {("Role", "zonekeeper", "apps"): {routes},
                           ("ClusterRole", "zonekeeper-namespaces", ""): {namespaces},
                           ("Role", "zonekeeper-gateway", "gateways"): {gateways}}
    bindings = {(d["kind"], d["metadata"]["name"], d["metadata"].get("namespace", "")): d for d in docs
                if d["kind"] in ("RoleBinding", "ClusterRoleBinding")}
    assert {k: (b["roleRef"]["kind"], b["roleRef"]["name"]) for k, b in bindings.items()} == {
        ("RoleBinding", "zonekeeper-viewer", "apps"): ("Role", "zonekeeper"),
        ("ClusterRoleBinding", "zonekeeper-namespaces", ""): ("ClusterRole", "zonekeeper-namespaces"),
        ("RoleBinding", "zonekeeper-gateway", "gateways"): ("Role", "zonekeeper-gateway")}
    assert all(b["subjects"] == [{"kind": "ServiceAccount", "name": "zonekeeper", "namespace": "zonekeeper"}]
               for b in bindings.values())
    # Not namespaced: one ClusterRole reads Gateways everywhere, which covers one namespace too.
    docs = helm.template("--set", "sources={gateway-httproute}", "--set", "gatewayNamespace=gateways")
    assert _rbac(docs) == {("ClusterRole", "zonekeeper", ""): {routes, gateways, namespaces}}


def test_annotation_prefix_is_passed_on(helm: Helm) -> None:
    args = container(helm.template("--set", "annotationPrefix=team-a.example.org/"))["args"]
    assert "--annotation-prefix=team-a.example.org/" in args
    assert cli_settings(args).source.annotation_prefix == "team-a.example.org/"

def test_the_chart_accepts_exactly_the_cli_s_choices(helm: Helm) -> None:
    from zonekeeper.config import POLICIES, PROVIDERS, REGISTRIES, SOURCES

    role = find(helm.template("--set", "sources={" + ",".join(SOURCES) + "}"), "ClusterRole")
    from zonekeeper.sources import watched_kinds
    from zonekeeper.sources.base import SourceConfig

    assert read_rules(role) == {_resource(k) for k in watched_kinds(SOURCES, SourceConfig()) if k != LISTENERSETS}
    for provider in PROVIDERS:
        assert container(helm.template("--set", f"provider={provider}"))["args"][-1] == f"--provider={provider}"
    for policy in POLICIES:
        cli_settings(container(helm.template("--set", f"policy={policy}"))["args"])
    for registry in REGISTRIES:
        cli_settings(container(helm.template("--set", f"registry={registry}"))["args"])


# -- plain manifests -------------------------------------------------------------------------------------


def _render_module() -> Any:
    spec = importlib.util.spec_from_file_location("zonekeeper_render", ROOT / "deploy" / "render.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plain_manifests_are_the_chart_s_output(helm: Helm) -> None:
    render = _render_module()
    expected = render.render(helm.binary)
    assert sorted(p.name for p in MANIFESTS.iterdir()) == sorted(expected), \
        "deploy/manifests/ holds only rendered files; run `python3 deploy/render.py`"
    for name, text in expected.items():
        current = (MANIFESTS / name).read_text()
        diff = "".join(difflib.unified_diff(current.splitlines(True), text.splitlines(True), "committed", "rendered"))
        assert current == text, f"deploy/manifests/{name} is stale; run `python3 deploy/render.py`:\n{diff}"
    docs = [d for d in yaml.safe_load_all((MANIFESTS / "zonekeeper-all-sources.yaml").read_text()) if d]
    assert kinds(docs) == ["ClusterRole", "ClusterRoleBinding", "Deployment", "Namespace", "Role", "RoleBinding",
                           "Service", "ServiceAccount"]
    settings = cli_settings(container(docs)["args"])
    from zonekeeper.sources import SOURCES

    # Every source that reads something (`empty` reads nothing: it adds nothing to the others).
    reading = tuple(name for name, source in SOURCES.items() if source.parts)  # (unstructured: by flag)
    assert settings.controller.leader_elect and settings.source.sources == reading


# -- the API server accepts every rendering --------------------------------------------------------------


SERVICE_MONITOR_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "servicemonitors.monitoring.coreos.com"},
    "spec": {"group": "monitoring.coreos.com", "scope": "Namespaced",
             "names": {"plural": "servicemonitors", "singular": "servicemonitor", "kind": "ServiceMonitor",
                       "listKind": "ServiceMonitorList"},
             "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                 "type": "object", "properties": {"spec": {"type": "object",
                                                           "x-kubernetes-preserve-unknown-fields": True}}}}}]},
}


def dry_run_apply(cluster: KubeCluster, docs: Sequence[Mapping[str, Any]]) -> None:
    """Server-side apply with dryRun=All: admission and validation run, nothing is stored."""
    for doc in docs:
        metadata = doc["metadata"]
        resource = cluster.dynamic.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
        namespace = (metadata.get("namespace") or "default") if resource.namespaced else None
        body = copy.deepcopy(dict(doc))
        if namespace:
            body["metadata"]["namespace"] = namespace
        cluster.dynamic.server_side_apply(resource, body=body, name=metadata["name"], namespace=namespace,
                                          field_manager="zonekeeper-chart-test", force_conflicts=True, dry_run="All")


@pytest.fixture(scope="module")
def service_monitor_crd(kube_cluster: KubeCluster, tmp_path_factory: pytest.TempPathFactory) -> None:
    crd_dir = tmp_path_factory.mktemp("servicemonitor-crd")
    (crd_dir / "servicemonitors.yaml").write_text(yaml.safe_dump(SERVICE_MONITOR_CRD))
    kube_cluster.install_crds(crd_dir)


def test_renderings_pass_server_side_dry_run(helm: Helm, kube_cluster: KubeCluster,
                                             service_monitor_crd: None) -> None:
    for namespace in ("zonekeeper", "monitoring", "dns-system", "apps", "gateways"):
        kube_cluster.ensure_namespace(namespace)
    dry_run_apply(kube_cluster, helm.template())
    dry_run_apply(kube_cluster, helm.template("-f", str(VALUES_FULL)))
    dry_run_apply(kube_cluster, helm.template("--set", "namespaced=true", "--set", "sourceNamespace=apps",
                                              "--set", "sources={gateway-httproute}",
                                              "--set", "gatewayNamespace=gateways"))
    for path in sorted(MANIFESTS.glob("*.yaml")):
        dry_run_apply(kube_cluster, [d for d in yaml.safe_load_all(path.read_text()) if d])


# -- installed for real and run with the rendered identity -------------------------------------------------


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ROUTE_53"):
        monkeypatch.delenv(name, raising=False)


async def eventually(check: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await asyncio.to_thread(check)
        if last:
            return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout}s (last: {last!r})")


def _record(route53: StrictRoute53Server, zone_id: str, name: str, rtype: str) -> dict[str, Any] | None:
    for r in route53.records(zone_id):
        rr = r if isinstance(r, dict) else getattr(r, "__dict__", {})
        if str(rr.get("Name")).rstrip(".") == name and rr.get("Type") == rtype:
            return dict(rr)
    return None


def _policy_actions(path: Path) -> set[str]:
    policy = json.loads(path.read_text())
    return {a.removeprefix("route53:") for s in policy["Statement"] for a in s["Action"]}


def _http_status(port: int, path: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_installed_chart_runs_with_the_rendered_identity(
        helm: Helm, kube_cluster: KubeCluster, kube_namespace: str, route53: StrictRoute53Server,
        aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from kubernetes import client

    from zonekeeper import live
    from zonekeeper.wiring import build

    ns = kube_namespace
    # The chart's defaults, plus leader election (to prove the Lease Role) and --namespace (other tests'
    # Services, in other namespaces, stay out of this zone).
    docs = helm.template("--set", "leaderElection.enabled=true", "--set", "txtOwnerId=e2e",
                         "--set-json", f'extraArgs=["--namespace={ns}"]', release="zonekeeper-e2e", namespace=ns)
    await asyncio.to_thread(kube_cluster.apply, docs)
    sa = find(docs, "ServiceAccount")["metadata"]["name"]
    kubeconfig = await asyncio.to_thread(kube_cluster.kubeconfig_for_serviceaccount, ns, sa, create=False)

    web = doc_files()["web-service.yaml"]
    web = {**web, "metadata": {**web["metadata"], "namespace": ns},
           "status": {"loadBalancer": {"ingress": [{"hostname": NLB}]}}}
    await asyncio.to_thread(kube_cluster.apply, web)
    zone = route53.create_zone("example.com")

    # What the pod would get: its arguments, and the downward API's POD_NAME / POD_NAMESPACE. Only the
    # kubeconfig, the Route 53 endpoint and the metrics address (a free local port instead of :7979) differ.
    c = container(docs)
    port = _free_port()
    settings = cli_settings([*c["args"], f"--kubeconfig={kubeconfig}", f"--aws-endpoint-url={route53.endpoint}",
                             f"--metrics-address=127.0.0.1:{port}"])
    monkeypatch.setenv("POD_NAME", "zonekeeper-e2e-0")
    monkeypatch.setenv("POD_NAMESPACE", ns)
    wired = build(settings, records_cache_seconds=settings.provider.aws_records_cache_duration)
    task = asyncio.create_task(live.serve(settings, wired))
    try:
        rr = await eventually(lambda: _record(route53, zone, "web.example.com", "A"), what="alias record")
        assert rr["AliasTarget"]["DNSName"].rstrip(".") == NLB
        txt = await eventually(lambda: _record(route53, zone, "a-web.example.com", "TXT"), what="ownership TXT")
        assert f"external-dns/owner=e2e,external-dns/resource=service/{ns}/web" in json.dumps(txt)
        lease = await asyncio.to_thread(client.CoordinationV1Api(kube_cluster.admin).read_namespaced_lease,
                                        "zonekeeper-e2e", ns)
        assert lease.spec.holder_identity.startswith("zonekeeper-e2e-0_")
        await eventually(lambda: [e for e in client.CoreV1Api(kube_cluster.admin).list_namespaced_event(ns).items
                                  if e.reason == "RecordCreated" and e.involved_object.name == "web"],
                         what="RecordCreated event")
        # The probes the chart declares answer on the metrics port, and so does /metrics.
        for probe in (c["livenessProbe"], c["readinessProbe"]):
            assert probe["httpGet"]["port"] == "http"
            await eventually(lambda p=probe["httpGet"]["path"]: _http_status(port, p) == 200,
                             what=f"{probe['httpGet']['path']} answers 200")
        assert await asyncio.to_thread(_http_status, port, "/metrics") == 200  # the server shares this loop
        assert not task.done(), task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert all(b["Status"] == "accepted" for b in route53.change_batches), route53.errors
    # The IAM policy allows every Route 53 call zonekeeper made.
    assert set(route53.counts) <= _policy_actions(POLICY), route53.counts


# -- IAM ---------------------------------------------------------------------------------------------------


def test_iam_policies_grant_what_the_provider_calls_and_no_more() -> None:
    policy, tags = json.loads(POLICY.read_text()), json.loads(POLICY_ZONE_TAGS.read_text())
    for doc in (policy, tags):
        assert doc["Version"] == "2012-10-17"
        change = [s for s in doc["Statement"] if "route53:ChangeResourceRecordSets" in s["Action"]]
        assert change == [{"Sid": change[0]["Sid"], "Effect": "Allow", "Action": ["route53:ChangeResourceRecordSets"],
                           "Resource": ["arn:aws:route53:::hostedzone/*"]}]
        assert all(s["Effect"] == "Allow" and "*" not in "".join(s["Action"]) for s in doc["Statement"])
    assert _policy_actions(POLICY) == {"ChangeResourceRecordSets", "ListHostedZones", "ListResourceRecordSets"}
    assert _policy_actions(POLICY_ZONE_TAGS) == _policy_actions(POLICY) | {"ListTagsForResources"}
    # Every Route 53 operation in the provider's source is in the zone-tags policy; all but the tag
    # listing are in the default one.
    source = "".join(p.read_text() for p in (ROOT / "src" / "zonekeeper" / "providers" / "route53").glob("*.py"))
    calls = set(re.findall(r'\bcall\("(\w+)"', source)) | set(re.findall(r"\bclient\.(\w+)\(", source))
    operations = {"".join(w.capitalize() for w in c.split("_")) for c in calls}
    assert "ChangeResourceRecordSets" in operations and "ListHostedZones" in operations
    assert operations <= _policy_actions(POLICY_ZONE_TAGS), operations
    assert operations - {"ListTagsForResources"} <= _policy_actions(POLICY), operations


# -- the image ---------------------------------------------------------------------------------------------


def _stages(dockerfile: str) -> list[list[str]]:
    """The Dockerfile's instructions (continuations joined, comments dropped), split into stages;
    element 0 holds what precedes the first FROM."""
    text = re.sub(r"\\\n", " ", dockerfile)
    stages: list[list[str]] = [[]]
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(re.sub(r"\s+", " ", line))
    return stages


def test_dockerfile_builds_a_minimal_non_root_image(helm: Helm) -> None:
    preamble, builder, final = _stages(DOCKERFILE.read_text())
    # The base is pinned by digest (scripts/image.sh --base=stand-in replaces it through the build arg).
    assert len(preamble) == 1
    assert re.fullmatch(r"ARG PYTHON_IMAGE=python:3\.12-slim@sha256:[0-9a-f]{64}", preamble[0]), preamble
    assert builder[0] == "FROM ${PYTHON_IMAGE} AS builder" and final[0] == "FROM ${PYTHON_IMAGE}"
    assert "RUN python -m pip install --no-cache-dir uv==0.13.9" in builder
    assert any(i.startswith("RUN uv sync --locked --no-dev --no-editable &&") for i in builder)
    assert any("UV_PROJECT_ENVIRONMENT=/app/.venv" in i for i in builder)
    assert any("UV_COMPILE_BYTECODE=1" in i for i in builder)  # no bytecode written at run time

    # The final stage gets the virtual environment and its SBOM from the builder and nothing else.
    copies = [i for i in final if i.startswith(("COPY", "ADD"))]
    assert copies == ["COPY --from=builder /app/.venv /app/.venv", "COPY --from=builder /app/sbom.cdx.json /app/sbom.cdx.json"]
    runs = " ".join(i for i in final if i.startswith("RUN"))
    for tool in ("pip install", "uv ", "apt-get", "apk ", "gcc", "build-essential", "curl", "wget"):
        assert tool not in runs, tool
    assert "pip uninstall --yes pip" in runs
    env = " ".join(i for i in final if i.startswith("ENV"))
    for setting in ("PATH=/app/.venv/bin:$PATH", "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"):
        assert setting in env, setting
    user = [i for i in final if i.startswith("USER")]
    assert user == ["USER 65532:65532"]
    assert "EXPOSE 7979" in final
    assert final[-2:] == ['ENTRYPOINT ["zonekeeper"]', 'CMD ["run"]']
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]["zonekeeper"]

    # The chart runs the image as the same user, read-only.
    # (the container's securityContext, as in the external-dns chart, whose image runs as 65532 too).
    pod = find(helm.template(), "Deployment")["spec"]["template"]["spec"]
    security = pod["containers"][0]["securityContext"]
    assert security["runAsUser"] == 65532 == security["runAsGroup"] and pod["securityContext"]["runAsNonRoot"]
    assert security["readOnlyRootFilesystem"] is True

    # The build context holds what the builder copies, and no more.
    ignore = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and not line.startswith("#")]
    assert ignore[0] == "*"
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    copied = {p.rstrip("/").removeprefix("./") for i in builder if i.startswith("COPY") for p in i.split()[1:-1]}
    assert copied == allowed == {"pyproject.toml", "uv.lock", "README.md", "src"}


# -- docs/install.md ---------------------------------------------------------------------------------------


def _envvars(param: click.Parameter) -> list[str]:
    """The environment variables a click option reads (ZONEKEEPER_X, then external-dns's EXTERNAL_DNS_X)."""
    envvar = getattr(param, "envvar", None)
    return [] if envvar is None else [envvar] if isinstance(envvar, str) else list(envvar)


def doc_blocks() -> list[tuple[str, str, str]]:
    """The fenced blocks of docs/install.md as (language, file name from a preceding
    `<!-- file: NAME -->` marker or "", text)."""
    pattern = re.compile(r"(?:<!-- file: (\S+) -->\n)?```(\w*)\n(.*?)```", re.S)
    return [(m.group(2), m.group(1) or "", m.group(3)) for m in pattern.finditer(INSTALL_DOC.read_text())]


def doc_files() -> dict[str, dict[str, Any]]:
    blocks = doc_blocks()
    assert all((lang == "yaml") == bool(name) for lang, name, _ in blocks), \
        "docs/install.md: every yaml block (and only those) follows a `<!-- file: NAME -->` marker"
    return {name: yaml.safe_load(text) for _, name, text in blocks if name}


def doc_commands() -> Iterator[str]:
    for lang, _, text in doc_blocks():
        if lang == "yaml":
            continue
        assert lang == "sh", f"docs/install.md: a ```{lang} block; only sh and yaml blocks are checked"
        for command in re.sub(r"\\\n\s*", " ", text).splitlines():
            if command.strip() and not command.lstrip().startswith("#"):
                yield command.strip()


def shell_words(command: str, env: Mapping[str, str]) -> list[str]:
    """`command`'s words after the shell's expansions, with only `env`'s variables (unset ones fail)."""
    assert "$(" not in command and "`" not in command, f"no command substitution outside `export`: {command}"
    proc = subprocess.run(["bash", "-uc", 'eval "set -- $1"; printf "%s\\0" "$@"', "bash", command],
                          capture_output=True, text=True, env={"PATH": os.environ["PATH"], **env})
    assert proc.returncode == 0, f"cannot expand {command!r}: {proc.stderr}"
    return proc.stdout.split("\0")[:-1]


def _options(words: Sequence[str], with_value: set[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Split words into positionals and options (`--x v`, `--x=v`, flags -> "")."""
    positional: list[str] = []
    options: dict[str, list[str]] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("-"):
            name, eq, value = word.partition("=")
            if not eq and name in with_value:
                i += 1
                value = words[i]
            options.setdefault(name, []).append(value)
        else:
            positional.append(word)
        i += 1
    return positional, options


HELM_OPTIONS = {"--namespace", "-n", "--set", "--set-json", "-f", "--values", "--version"}
# The external-dns chart as docs/install.md names it (its Helm repository's).
EXTERNAL_DNS_CHART_REF = "external-dns/external-dns"


def helm_values_args(options: Mapping[str, list[str]], files: Mapping[str, Path]) -> list[str]:
    """A documented helm command's values (--set and -f with the doc's files), as helm arguments."""
    args: list[str] = []
    for value in options.get("--set", []):
        args += ["--set", value]
    for name in options.get("-f", []):
        args += ["-f", str(files[name])]
    return args


class DocRun:
    """Exercises docs/install.md's commands in order, keeping what earlier ones established."""

    def __init__(self, helm: Helm, cluster: KubeCluster, files: Mapping[str, Path], external_dns_chart: Path) -> None:
        self.helm, self.cluster, self.files = helm, cluster, files
        self.env: dict[str, str] = {}
        self.policies: dict[str, Path] = {}
        self.images: list[str] = []
        self.logged_in = False
        self.role_for: dict[tuple[str, str], str] = {}  # (namespace, service account) -> role ARN
        self.deployments: dict[tuple[str, str], dict[str, Any]] = {}
        self.service_accounts: set[tuple[str, str]] = set()
        self.used_files: set[str] = set()
        self.app_version = str(chart_meta()["appVersion"])
        self.switched: set[tuple[str, str]] = set()
        self.external_dns_chart = external_dns_chart
        self.external_dns_version = str(load_yaml(external_dns_chart / "Chart.yaml")["version"])

    def run(self, command: str) -> None:
        if command.startswith("export "):
            name, _, value = command.removeprefix("export ").partition("=")
            self.env[name] = DOC_SAMPLES[name] if "$(" in value else shell_words(value, self.env)[0]
            return
        if " | " in command:  # each side of a pipe is one command to check (shell_words would run a pipe)
            for part in command.split(" | "):
                self.run(part.strip())
            return
        words = shell_words(command, self.env)
        handler = getattr(self, "_" + re.sub(r"\W", "_", words[0].removeprefix("scripts/")), None)
        assert handler is not None, f"docs/install.md: no check for `{command}`"
        handler(words[1:], command)

    def _image_sh(self, words: list[str], command: str) -> None:
        # scripts/image.sh takes --name=value options; each one the doc uses is one the script documents.
        options = dict(w.partition("=")[::2] for w in words)
        script = (ROOT / "scripts" / "image.sh").read_text()
        for name in options:
            assert re.search(rf"^#\s+.*\[?{re.escape(name)}[=\]\s]", script, re.M), f"{name}: {command}"
        assert set(options["--platform"].split(",")) == {"linux/amd64", "linux/arm64"}, command
        assert options["--tag"] == f"{self.env['REGISTRY']}/zonekeeper:{self.app_version}", command
        assert "--push" in options and self.logged_in, command
        self.images.append(options["--tag"])

    def _docker(self, words: list[str], command: str) -> None:
        positional, options = _options(words, {"-t", "--username"})
        if positional[0] == "login":
            assert positional[1:] == [self.env["REGISTRY"]] and "--password-stdin" in options, command
            self.logged_in = True
            return
        assert self.logged_in, f"docs/install.md: log in to the registry before `{command}`"
        if positional[0] == "build":
            assert positional[1:] == ["."] and (ROOT / "Dockerfile").exists(), command
            self.images += options["-t"]
        else:
            assert positional[0] == "push" and positional[1] in self.images, command
        for image in options.get("-t", positional[1:]):
            assert image == f"{self.env['REGISTRY']}/zonekeeper:{self.app_version}", command

    def _aws(self, words: list[str], command: str) -> None:
        _, options = _options(words, {"--policy-name", "--policy-document", "--repository-name", "--region",
                                      "--image-scanning-configuration"})
        if words[0] == "ecr":
            # The repository the image is pushed to, in the registry's region.
            assert words[1] in ("create-repository", "get-login-password"), command
            assert options["--region"] == [self.env["REGION"]], command
            assert self.env["REGISTRY"].endswith(f".dkr.ecr.{self.env['REGION']}.amazonaws.com"), command
            if words[1] == "create-repository":
                assert options["--repository-name"] == ["zonekeeper"], command
            return
        assert words[:2] == ["iam", "create-policy"], command
        path = ROOT / options["--policy-document"][0].removeprefix("file://")
        assert path in (POLICY, POLICY_ZONE_TAGS), command
        self.policies[options["--policy-name"][0]] = path

    def _eksctl(self, words: list[str], command: str) -> None:
        with_value = {"--cluster", "--region", "--namespace", "--name", "--role-name", "--attach-policy-arn"}
        positional, options = _options(words, with_value)
        assert options["--cluster"] == [self.env["CLUSTER"]] and options["--region"] == [self.env["REGION"]]
        assert "--approve" in options, command
        if positional == ["utils", "associate-iam-oidc-provider"]:
            return
        assert positional == ["create", "iamserviceaccount"], command
        policy_arn = options["--attach-policy-arn"][0]
        account, name = re.fullmatch(r"arn:aws:iam::(\d{12}):policy/(.+)", policy_arn).groups()  # type: ignore[union-attr]
        assert account == self.env["ACCOUNT_ID"] and self.policies[name] == POLICY, command
        sa = (options["--namespace"][0], options["--name"][0])
        if "--role-only" in options:
            self.role_for[sa] = f"arn:aws:iam::{account}:role/{options['--role-name'][0]}"
        else:  # annotates an existing ServiceAccount
            assert "--override-existing-serviceaccounts" in options and sa in self.service_accounts, command

    def _helm(self, words: list[str], command: str) -> None:
        positional, options = _options(words, HELM_OPTIONS)
        release, chart = positional[1:]
        namespace = options["--namespace"][0]
        args = helm_values_args(options, self.files)
        self.used_files.update(options.get("-f", []))
        if chart == EXTERNAL_DNS_CHART_REF:
            # Switching back: the external-dns chart, pinned to the version the switch is tested with.
            assert positional[0] == "upgrade" and options["--version"] == [self.external_dns_version], command
            assert (namespace, release) in self.switched, f"docs/install.md: nothing was switched to go back: {command}"
            docs = self.helm.template(*args, release=release, namespace=namespace, chart=self.external_dns_chart)
            dry_run_apply(self.cluster, docs)
            return
        assert (ROOT / chart) == CHART, command
        switch = "externalDnsNames=true" in options.get("--set", [])
        if positional[0] == "upgrade":
            # An upgrade installs too, unless it switches a release the external-dns chart installed.
            assert switch or "--install" in options, command
        else:
            assert positional[0] == "install", command
        docs = self.helm.template(*args, release=release, namespace=namespace)
        self.cluster.ensure_namespace(namespace)
        dry_run_apply(self.cluster, docs)
        self._learn(docs)
        sa = find(docs, "ServiceAccount")
        if switch:
            # The external-dns chart's names and the IRSA role its values file gave.
            self.switched.add((namespace, release))
            values = yaml.safe_load(self.files[options["-f"][0]].read_text())
            assert sa["metadata"]["name"] == release == find(docs, "Deployment")["metadata"]["name"], command
            assert sa["metadata"]["annotations"] == values["serviceAccount"]["annotations"], command
        else:
            key = (namespace, sa["metadata"]["name"])
            assert sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == self.role_for[key], command
        assert container(docs)["image"] == f"{self.env['REGISTRY']}/zonekeeper:{self.app_version}"
        cli_settings(container(docs)["args"])

    def _kubectl(self, words: list[str], command: str) -> None:
        positional, options = _options(words, {"--namespace", "-n", "-f"})
        namespace = (options.get("--namespace") or options.get("-n") or ["default"])[0]
        verb = positional[0]
        if verb == "apply":
            (path,) = options["-f"]
            if path in self.files:
                self.used_files.add(path)
                docs = [yaml.safe_load(self.files[path].read_text())]
            else:
                docs = [d for d in yaml.safe_load_all((ROOT / path).read_text()) if d]
            namespaces = [d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"]
            for name in namespaces:
                self.cluster.ensure_namespace(name)
            dry_run_apply(self.cluster, [d for d in docs if d["kind"] != "Namespace"])
            self._learn(docs)
            return
        target = next(p for p in positional if p.startswith("deployment/"))
        deployment = self.deployments[(namespace, target.removeprefix("deployment/"))]
        c = container([deployment])
        if positional[:2] == ["set", "image"]:
            name, _, image = positional[3].partition("=")
            assert name == c["name"] and image == f"{self.env['REGISTRY']}/zonekeeper:{self.app_version}", command
        elif positional[:2] == ["set", "env"]:
            env = dict(p.split("=", 1) for p in positional[3:])
            ctx = cli_context(c["args"], env)
            for name, value in env.items():
                (param,) = [p for p in ctx.command.params if name in _envvars(p)]
                assert not any(a.split("=")[0] in param.opts for a in c["args"]), f"{name} is overridden: {command}"
                got = ctx.params[param.name]
                assert (value in got) if isinstance(got, tuple) else (got == value), (command, param, got)
        else:
            assert positional[0] in ("rollout", "logs"), f"docs/install.md: no check for `{command}`"

    def _learn(self, docs: Sequence[Mapping[str, Any]]) -> None:
        for doc in docs:
            key = (doc["metadata"].get("namespace", "default"), doc["metadata"]["name"])
            if doc["kind"] == "Deployment":
                self.deployments[key] = dict(doc)
            elif doc["kind"] == "ServiceAccount":
                self.service_accounts.add(key)


def doc_file_paths(tmp_path: Path) -> dict[str, Path]:
    files = {}
    for name, obj in doc_files().items():
        files[name] = tmp_path / name
        files[name].write_text(yaml.safe_dump(obj))
    return files


def test_install_doc_commands_work(helm: Helm, kube_cluster: KubeCluster, external_dns_chart: Path,
                                   tmp_path: Path) -> None:
    files = doc_file_paths(tmp_path)
    run = DocRun(helm, kube_cluster, files, external_dns_chart)
    commands = list(doc_commands())
    for command in commands:
        run.run(command)
    assert run.used_files == set(files), "every manifest or values file in docs/install.md is used by a command"
    assert {c.split()[0] for c in commands} >= {"helm", "kubectl", "eksctl", "aws", "export", "docker"}
    # The chart values quoted in the prose render too.
    for fragment in re.findall(r"`(--set [^`]+)`", INSTALL_DOC.read_text()):
        helm.template(*shlex.split(fragment))
    istio = find(helm.template("-f", str(files["istio-values.yaml"])), "ClusterRole")
    assert {("networking.istio.io", "gateways"), ("networking.istio.io", "virtualservices")} <= read_rules(istio)


# -- switching an external-dns release in place (docs/install.md) ------------------------------------------


SWITCH_ENV = {"REGISTRY": "123456789012.dkr.ecr.eu-west-1.amazonaws.com"}


def _switch_commands() -> list[list[str]]:
    """docs/install.md's `helm upgrade external-dns ...` commands: to zonekeeper's chart, then back."""
    found = [shell_words(c, SWITCH_ENV) for c in doc_commands() if c.startswith("helm upgrade external-dns ")]
    assert [w[3] for w in found] == [str(CHART.relative_to(ROOT)), EXTERNAL_DNS_CHART_REF], found
    return found


def _runnable(words: Sequence[str], files: Mapping[str, Path], external_dns_chart: Path) -> list[str]:
    """A documented helm command's arguments with the doc's files and the local external-dns chart
    (`--version` selects from a repository; a chart directory has one)."""
    out: list[str] = []
    i = 1
    while i < len(words):
        if words[i] in ("-f", "--version"):
            out += ["-f", str(files[words[i + 1]])] if words[i] == "-f" else []
            i += 2
            continue
        out.append(str(external_dns_chart) if words[i] == EXTERNAL_DNS_CHART_REF else words[i])
        i += 1
    return out


def _installed(cluster: KubeCluster, namespace: str, release: str) -> dict[str, Any]:
    """What must survive a switch, read from the apiserver: ServiceAccount, selector, Service, bindings."""
    from kubernetes import client

    apps, core = client.AppsV1Api(cluster.admin), client.CoreV1Api(cluster.admin)
    rbac = client.RbacAuthorizationV1Api(cluster.admin)
    deployment = apps.read_namespaced_deployment(release, namespace)
    pod = deployment.spec.template.spec
    service = core.read_namespaced_service(release, namespace)
    sa = core.read_namespaced_service_account(pod.service_account_name, namespace)
    bindings = [b for b in rbac.list_cluster_role_binding().items
                if (b.metadata.labels or {}).get("app.kubernetes.io/instance") == release]
    return {
        "serviceAccount": (sa.metadata.name, sa.metadata.annotations),
        "selector": deployment.spec.selector.match_labels,
        "podLabels": deployment.spec.template.metadata.labels,
        "service": (service.metadata.name, service.spec.selector,
                    [(p.name, p.port, p.target_port) for p in service.spec.ports]),
        "bindingSubjects": [(s.kind, s.name, s.namespace) for b in bindings for s in b.subjects],
        "containerPorts": [(p.name, p.container_port) for c in pod.containers for p in c.ports or []],
        "image": [c.image for c in pod.containers],
        "generation": deployment.metadata.generation,
    }


def test_an_external_dns_release_switches_in_place_and_back(helm: Helm, kube_cluster: KubeCluster,
                                                            external_dns_chart: Path, tmp_path: Path) -> None:
    files = doc_file_paths(tmp_path)
    to_ours, back = _switch_commands()
    _, options = _options(to_ours[2:], HELM_OPTIONS)
    namespace, release = options["--namespace"][0], to_ours[2]
    cli = helm.with_kubeconfig(kube_cluster.admin_kubeconfig)
    kube_cluster.ensure_namespace(namespace)

    # Before: the release as the real external-dns chart installs it, from the doc's values file.
    # (--skip-crds: the DNSEndpoint CRD is installed already, as it is where external-dns runs.)
    install = cli.run("install", release, str(external_dns_chart), "--namespace", namespace, "--skip-crds",
                      "-f", str(files[options["-f"][0]]), timeout=120)
    assert install.returncode == 0, install.stderr
    before = _installed(kube_cluster, namespace, release)
    assert before["serviceAccount"][0] == "external-dns" and before["containerPorts"] == [("http", 7979)]
    assert before["serviceAccount"][1]["eks.amazonaws.com/role-arn"].endswith(":role/external-dns")

    # Forgetting externalDnsNames fails before anything changes (not half-way, on the immutable selector).
    words = _runnable(to_ours, files, external_dns_chart)
    at = words.index("externalDnsNames=true")
    forgot = words[:at - 1] + words[at + 1:]  # without `--set externalDnsNames=true`
    refused = cli.run(*forgot, timeout=120)
    assert refused.returncode != 0 and "set externalDnsNames=true" in refused.stderr, refused.stderr
    assert _installed(kube_cluster, namespace, release) == before

    upgrade = cli.run(*_runnable(to_ours, files, external_dns_chart), timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    switched = _installed(kube_cluster, namespace, release)
    for kept in ("serviceAccount", "selector", "service", "bindingSubjects", "containerPorts"):
        assert switched[kept] == before[kept], kept
    assert switched["podLabels"].items() >= switched["selector"].items()
    # The Deployment rolls: a new pod template, with zonekeeper's image.
    assert switched["image"] == [f"{SWITCH_ENV['REGISTRY']}/zonekeeper:{chart_meta()['appVersion']}"]
    assert switched["generation"] > before["generation"]

    downgrade = cli.run(*_runnable(back, files, external_dns_chart), timeout=120)
    assert downgrade.returncode == 0, downgrade.stderr
    after = _installed(kube_cluster, namespace, release)
    for kept in ("serviceAccount", "selector", "service", "bindingSubjects", "containerPorts"):
        assert after[kept] == before[kept], kept
    assert after["image"] == before["image"] and after["generation"] > switched["generation"]

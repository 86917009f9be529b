"""Every key of the external-dns chart's values means the same in zonekeeper's chart, or fails the render.

For each key of the real external-dns chart's values.yaml (walked, so a key added upstream fails here
until it is classified), a sample value is rendered by BOTH charts (helm template, same release, same
values) and what it changes in each rendering is compared: the same objects and fields must change
the same way. zonekeeper's additions (the `run` argument, leader election flags, POD_* variables,
/tmp, exact RBAC verbs) sit in both the baseline and the sample rendering and so cancel out.
A refused key must fail our render with a message naming it. The classification lives in
zonekeeper.settings.chart_compat (docs/migration.md is generated from it); this test holds it true.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.helm import (
    CHART,
    Helm,
    external_dns_chart,
    external_dns_chart_source,
    find,
    helm,
    set_path,
)
from zonekeeper.settings import chart_compat

__all__ = ["external_dns_chart", "helm"]  # fixtures

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600, func_only=True)]

RELEASE = NAMESPACE = "dns"
# The external-dns chart (1.22) requires a policy; both renderings get the same one.
BASE: dict[str, Any] = {"policy": "upsert-only"}
# Ours takes the external-dns chart's name, so that both charts name every object alike.
OURS: dict[str, Any] = {"externalDnsNames": True}
REMOVED = "<removed>"

SOURCE = external_dns_chart_source()
EXTERNAL_DNS_KEYS = list(chart_compat.value_keys())

# A value of each refused key that takes effect in the external-dns chart (the webhook's: generic ones).
REFUSED_SAMPLES: dict[str, dict[str, Any]] = {
}

# Sample values where the generic one (below) would not show the key's meaning, or is not valid.
SAMPLES: dict[str, dict[str, Any]] = {
    "image.pullPolicy": {"image": {"pullPolicy": "Always"}},
    "image.tag": {"image": {"tag": "1.2.3"}},
    "service.ipFamilies": {"service": {"ipFamilies": ["IPv4"]}},
    "service.ipFamilyPolicy": {"service": {"ipFamilyPolicy": "SingleStack"}},
    "service.port": {"service": {"port": 8080}},
    "replicaCount": {"replicaCount": 0},
    "deploymentStrategy.type": {"deploymentStrategy": {"type": "RollingUpdate"}},
    "revisionHistoryLimit": {"revisionHistoryLimit": 3},
    "terminationGracePeriodSeconds": {"terminationGracePeriodSeconds": 60},
    "dnsConfig": {"dnsConfig": {"nameservers": ["10.0.0.10"], "options": [{"name": "ndots", "value": "2"}]}},
    "dnsPolicy": {"dnsPolicy": "ClusterFirstWithHostNet"},
    "serviceAccount.annotations": {"serviceAccount": {"annotations": {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/{{ .Release.Name }}"}}},
    "affinity": {"affinity": {
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}]}]}},
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname"}}],
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"topologyKey": "topology.kubernetes.io/zone",
                 "labelSelector": {"matchLabels": {"team": "dns"}}}]}}},
    "topologySpreadConstraints": {"topologySpreadConstraints": [
        {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"},
        {"maxSkew": 2, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "DoNotSchedule",
         "labelSelector": {"matchLabels": {"team": "dns"}}}]},
    "logLevel": {"logLevel": "debug"},
    "logFormat": {"logFormat": "json"},
    "interval": {"interval": "5m"},
    "sources": {"sources": ["service", "ingress", "crd", "gateway-httproute"]},
    "policy": {"policy": "sync"},
    "registry": {"registry": "noop"},
    "namespaced": {"namespaced": True},
    "sourceNamespace": {"namespaced": True, "sourceNamespace": "apps"},
    "provider.name": {"provider": {"name": "route53"}},
    "extraArgs": {"extraArgs": {"aws-zone-type": "public", "aws-zone-tags": ["team=dns", "env=prod"],
                                "aws-prefer-cname": True, "aws-evaluate-target-health": False,
                                "aws-zone-match-parent": None, "txt-wildcard-replacement": "{{ .Release.Name }}"}},
    "managedRecordTypes": {"managedRecordTypes": ["A", "AAAA", "CNAME", "TXT"]},
    "domainFilters": {"domainFilters": ["example.com", "example.org"]},
    "excludeDomains": {"excludeDomains": ["internal.example.com"]},
    "securityContext.capabilities.drop": {"securityContext": {"capabilities": {"drop": ["ALL", "NET_RAW"]}}},
    "serviceMonitor.targetLabels": {"serviceMonitor": {"enabled": True, "targetLabels": ["team"]}},
    "secretConfiguration.enabled": {"secretConfiguration": {"enabled": True, "mountPath": "/etc/aws"}},
    "secretConfiguration.mountPath": {"secretConfiguration": {"enabled": True, "mountPath": "/etc/{{ .Release.Name }}"}},
    "secretConfiguration.subPath": {"secretConfiguration": {"enabled": True, "mountPath": "/etc/aws/credentials",
                                                            "subPath": "credentials"}},
    "secretConfiguration.data": {"secretConfiguration": {"enabled": True, "mountPath": "/etc/aws", "data": {
        "credentials": "[default]\nrole_arn = arn:aws:iam::123456789012:role/{{ .Release.Name }}\n"}}},
    "enabled": {"enabled": True},
    "annotationPrefix": {"annotationPrefix": "team-a.example.org/"},
    "gatewayNamespace": {"gatewayNamespace": "gateways"},
}
# These only take effect once the ServiceMonitor is rendered.
SERVICE_MONITOR_ON = {"serviceMonitor": {"enabled": True}}
# Keys whose RBAC differs on purpose (ours grants exactly what zonekeeper calls; RBAC is checked by
# tests/integration/test_helm_chart.py): only the Deployment is compared.
DEPLOYMENT_ONLY = {"sources", "namespaced", "sourceNamespace"}


def _default(key: str) -> Any:
    return chart_compat.default(key)


def _generic(default: Any) -> Any:
    """A value other than the default, of the same kind."""
    if isinstance(default, bool):
        return not default
    if isinstance(default, int):
        return default + 1
    if isinstance(default, str):
        return f"{default}-sample"
    if isinstance(default, dict):
        return {"sample.example/key": "value"}
    if isinstance(default, list):
        return [{"name": "sample"}]
    return "sample"


def refusals() -> dict[str, tuple[dict[str, Any], str]]:
    """Each refused key: (a value the external-dns chart takes, why ours fails)."""
    return {key: (REFUSED_SAMPLES.get(key) or set_path({}, key, _generic(_default(key))), why)
            for key, why in chart_compat.refused().items()}


def sample(key: str) -> dict[str, Any]:
    values = SAMPLES[key] if key in SAMPLES else set_path({}, key, _generic(_default(key)))
    if key.startswith("serviceMonitor.") and key != "serviceMonitor.enabled":
        values = merge(SERVICE_MONITOR_ON, values)
    return values


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


# -- the comparison ----------------------------------------------------------------------------------


def _flatten(node: Any, path: str, out: dict[str, Any]) -> None:
    """Leaves by path; lists of named items are keyed by name, RBAC rules are a set, other lists one leaf."""
    if isinstance(node, dict):
        if not node:
            out[path] = {}
        for key, value in node.items():
            _flatten(value, f"{path}.{key}", out)
    elif isinstance(node, list) and node and all(isinstance(i, dict) and "name" in i for i in node):
        for item in node:
            _flatten(item, f"{path}[{item['name']}]", out)
    elif isinstance(node, list) and path.endswith(".rules"):
        for rule in node:
            out[f"{path}{{{json.dumps(rule, sort_keys=True)}}}"] = True
    else:
        out[path] = json.dumps(node, sort_keys=True) if isinstance(node, list) else node


def normalized(docs: Sequence[Mapping[str, Any]], ours: bool, default_image: tuple[str, str]
               ) -> dict[str, dict[str, Any]]:
    """Each object's leaves, keyed by kind (kind/name when a kind occurs twice), with what only says which
    chart rendered it taken out: the chart label, the container's name, its default image repository
    and tag, `run` and the leader-election flags (zonekeeper's additions)."""
    counts: dict[str, int] = {}
    for doc in docs:
        counts[doc["kind"]] = counts.get(doc["kind"], 0) + 1
    out = {}
    for doc in docs:
        doc = copy.deepcopy(dict(doc))
        for labels in _label_maps(doc):
            labels.pop("helm.sh/chart", None)
            labels.pop("app.kubernetes.io/version", None)
        if doc["kind"] == "Deployment":
            for c in doc["spec"]["template"]["spec"]["containers"]:
                if c["name"] == ("zonekeeper" if ours else "external-dns"):
                    c["name"] = "controller"
                    repository, _, tag = c["image"].rpartition(":")
                    c["image"] = ":".join("<default>" if part == default else part
                                          for part, default in zip((repository, tag), default_image, strict=True))
                    c["args"] = [a for a in c["args"] if a != "run" and not a.startswith("--leader-elect")]
        key = doc["kind"] if counts[doc["kind"]] == 1 else f"{doc['kind']}/{doc['metadata']['name']}"
        leaves: dict[str, Any] = {}
        _flatten(doc, key, leaves)
        out[key] = leaves
    return out


def _label_maps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    maps = [doc["metadata"].get("labels") or {}]
    template = doc.get("spec", {}).get("template") if isinstance(doc.get("spec"), dict) else None
    if template:
        maps.append(template["metadata"].get("labels") or {})
    return maps


def delta(base: Mapping[str, dict[str, Any]], changed: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """What the sample changed: removed objects (one entry each), added objects and changed leaves."""
    out: dict[str, Any] = {}
    for obj in sorted(set(base) | set(changed)):
        if obj not in changed:
            out[obj] = REMOVED
        elif obj not in base:
            out.update(changed[obj])
        else:
            for path in set(base[obj]) | set(changed[obj]):
                if base[obj].get(path) != changed[obj].get(path):
                    out[path] = changed[obj].get(path, REMOVED)
    return out


class Renderings:
    """Both charts rendered with the same values (helm template, same release and namespace)."""

    def __init__(self, helm: Helm, external_dns_chart: Path, tmp_path: Path) -> None:
        self.helm, self.external_dns_chart, self.tmp_path = helm, external_dns_chart, tmp_path
        self.external_dns_image = (str(_default("image.repository")),
                                   "v" + str(yaml.safe_load((external_dns_chart / "Chart.yaml").read_text())["appVersion"]))
        self.our_image = (str(yaml.safe_load((CHART / "values.yaml").read_text())["image"]["repository"]),
                          str(yaml.safe_load((CHART / "Chart.yaml").read_text())["appVersion"]))

    def _file(self, name: str, values: Mapping[str, Any]) -> str:
        path = self.tmp_path / name
        path.write_text(yaml.safe_dump(dict(values)))
        return str(path)

    def external_dns(self, values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        docs = self.helm.template("-f", self._file("external-dns.yaml", merge(BASE, values)), release=RELEASE,
                                  namespace=NAMESPACE, chart=self.external_dns_chart)
        return normalized(docs, ours=False, default_image=self.external_dns_image)

    def ours(self, values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        docs = self.helm.template("-f", self._file("ours.yaml", merge(BASE, values)), "-f",
                                  self._file("ours-names.yaml", OURS), release=RELEASE, namespace=NAMESPACE)
        return normalized(docs, ours=True, default_image=self.our_image)

    def our_error(self, values: Mapping[str, Any]) -> str:
        proc = self.helm.render("-f", self._file("ours.yaml", merge(BASE, values)), release=RELEASE,
                                namespace=NAMESPACE)
        assert proc.returncode != 0, f"our chart should refuse {values}:\n{proc.stdout[:2000]}"
        return proc.stderr


@pytest.fixture(scope="module")
def renderings(helm: Helm, external_dns_chart: Path, tmp_path_factory: pytest.TempPathFactory) -> Renderings:
    return Renderings(helm, external_dns_chart, tmp_path_factory.mktemp("values"))


@pytest.fixture(scope="module")
def baselines(renderings: Renderings) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    return renderings.external_dns({}), renderings.ours({})


def honoured_keys() -> list[str]:
    return list(chart_compat.honoured())


@pytest.mark.parametrize("key", honoured_keys())
def test_a_key_changes_both_renderings_alike(key: str, renderings: Renderings,
                                             baselines: tuple[dict[str, Any], dict[str, Any]]) -> None:
    values = sample(key)
    theirs = delta(baselines[0], renderings.external_dns(values))
    ours = delta(baselines[1], renderings.ours(values))
    if key in DEPLOYMENT_ONLY:
        theirs = {p: v for p, v in theirs.items() if p.startswith("Deployment")}
        ours = {p: v for p, v in ours.items() if p.startswith("Deployment")}
    assert ours == theirs, f"{key}={values}: external-dns chart changes {theirs}, ours {ours}"
    if key != "enabled":  # the one key with no effect in either chart
        assert theirs, f"{key}: the sample {values} changes nothing in the external-dns chart; pick one that does"


@pytest.mark.parametrize("key", sorted(refusals()))
def test_a_refused_key_fails_our_render_naming_it(key: str, renderings: Renderings) -> None:
    values, why = refusals()[key]
    renderings.external_dns(values)  # a value the external-dns chart takes
    error = renderings.our_error(values)
    assert key in error and why in error, error


def test_the_samples_are_of_keys_the_chart_has() -> None:
    """(tests/unit/test_chart_compat.py checks the key table against the chart itself.)"""
    assert set(SAMPLES) | set(REFUSED_SAMPLES) | DEPLOYMENT_ONLY <= set(EXTERNAL_DNS_KEYS), "a key the chart no longer has"
    assert set(REFUSED_SAMPLES) == set(chart_compat.REFUSED)


def test_defaults_are_the_external_dns_chart_s() -> None:
    if SOURCE is None:
        pytest.skip("the external-dns module is not in the Go module cache")
    ours = yaml.safe_load((CHART / "values.yaml").read_text())
    differ = {}
    for key in honoured_keys():
        node: Any = ours
        for part in key.split("."):
            node = node[part]
        if node != _default(key):
            differ[key] = (_default(key), node)
    assert set(differ) == set(chart_compat.DEFAULT_DIFFERENCES), differ


@pytest.mark.parametrize(("args", "named"), [
    (["--set", "policyy=sync"], "policyy"),
    (["--set", "serviceAccount.annotation.a=b"], "annotation"),
    (["--set", "logLevel=verbose"], "logLevel"),
    (["--set", "registry=aws-sd"], "registry"),
    (["--set", "image.repository=registry.k8s.io/external-dns/external-dns"], "image.repository"),
])
def test_a_typo_or_a_bad_value_fails_naming_the_key(helm: Helm, args: list[str], named: str) -> None:
    assert named in helm.template_error(*args)


def test_policy_unset_is_upsert_only_never_sync(helm: Helm) -> None:
    args = find(helm.template(), "Deployment")["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--policy=upsert-only" in args and "--policy=sync" not in args, args


def test_the_external_dns_chart_s_whole_values_file_renders(helm: Helm, external_dns_chart: Path) -> None:
    """An external-dns values file copied whole (every default, the webhook's included) is taken; only the
    image must be zonekeeper's, and the render says so."""
    values = str(external_dns_chart / "values.yaml")
    assert "image.repository" in helm.template_error("-f", values, "--set", "policy=sync")
    docs = helm.template("-f", values, "--set", "policy=sync", "--set", "image.repository=zonekeeper")
    args = find(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args == ["run", "--log-level=info", "--log-format=text", "--interval=1m", "--source=service",
                    "--source=ingress", "--policy=sync", "--registry=txt", "--provider=aws"]

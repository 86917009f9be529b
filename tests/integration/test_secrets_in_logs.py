"""No credential in any output of the real CLI, at any log level, in either log format.

Every kind of secret zonekeeper can hold is set at once -- static AWS keys, a session token, the
credentials of an assumed role (issued by moto's STS during the run, so they are read back from moto's
STS backend afterwards, never from our code), the TXT encryption key and a Kubernetes bearer token --
and `zonekeeper` is run as a subprocess against the strict Route 53 endpoint, on the happy path and on
an error path (Route 53 answering 403 AccessDenied). All of stdout and stderr is searched for each
secret and for its URL-encoded and base64 forms.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import string
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from moto.sts.models import sts_backends

from tests.support.kube import KubeCluster
from tests.support.route53 import StrictRoute53Server

pytestmark = pytest.mark.integration

LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("text", "json")
ROLE_ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ROLE_ACCOUNT}:role/zonekeeper-logs"

SERVICES = textwrap.dedent("""
    apiVersion: v1
    kind: Service
    metadata:
      name: web
      namespace: default
      annotations:
        external-dns.kubernetes.io/hostname: web.example.com
    spec:
      type: LoadBalancer
    status:
      loadBalancer:
        ingress:
          - ip: 203.0.113.10
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: api
      namespace: default
      annotations:
        external-dns.kubernetes.io/hostname: api.example.com
    spec:
      type: LoadBalancer
    status:
      loadBalancer:
        ingress:
          - hostname: k8s-default-api-0123456789-abcdef0123456789.elb.eu-west-1.amazonaws.com
    """)


def _random(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _forms(secret: str) -> set[str]:
    """The secret as it could appear in output: verbatim, URL-encoded (query strings, form bodies),
    base64 (basic auth, encoded blobs) and JSON-escaped."""
    raw = secret.encode()
    return {secret, quote(secret, safe=""), quote_plus(secret), base64.b64encode(raw).decode().rstrip("="),
            base64.urlsafe_b64encode(raw).decode().rstrip("="), json.dumps(secret)[1:-1]}


def _leaks(output: str, named: Mapping[str, str]) -> list[str]:
    return sorted(f"{what} ({form[:12]}...)" for what, secret in named.items() for form in _forms(secret)
                  if form in output)


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("zonekeeper")
    return [str(script)] if script.exists() else [sys.executable, "-m", "zonekeeper.cli"]


def _run(args: Sequence[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_cli(), *args], env=dict(env), capture_output=True, text=True, timeout=120)


@pytest.fixture
def static_secrets() -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "AKIA" + _random(string.ascii_uppercase + string.digits, 16),
        "AWS_SECRET_ACCESS_KEY": _random(string.ascii_letters + string.digits + "+/", 40),
        "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2Vj" + _random(string.ascii_letters + string.digits + "+/", 300) + "==",
        "--txt-encrypt-aes-key": base64.b64encode(secrets.token_bytes(32)).decode(),
    }


@pytest.fixture
def base_env(route53: StrictRoute53Server, tmp_path: Path, static_secrets: dict[str, str]) -> dict[str, str]:
    route53.create_zone("example.com")
    home = tmp_path / "home"
    home.mkdir()
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),  # no ~/.aws, no ~/.kube of the machine running the tests
        "AWS_CONFIG_FILE": str(home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL_ROUTE_53": route53.endpoint,
        "AWS_ENDPOINT_URL_STS": route53.endpoint,  # moto serves STS on the same endpoint
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": static_secrets["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": static_secrets["AWS_SECRET_ACCESS_KEY"],
        "AWS_SESSION_TOKEN": static_secrets["AWS_SESSION_TOKEN"],
    }


@pytest.fixture
def objects(tmp_path: Path) -> Path:
    path = tmp_path / "services.yaml"
    path.write_text(SERVICES)
    return path


def _assumed_role_secrets(issued_before: int) -> dict[str, str]:
    """The credentials moto's STS handed out since `issued_before` roles had been issued."""
    roles = sts_backends[ROLE_ACCOUNT]["aws"].assumed_roles[issued_before:]
    out: dict[str, str] = {}
    for i, role in enumerate(roles):
        out[f"assumed role {i} secret key"] = role.secret_access_key
        out[f"assumed role {i} session token"] = role.session_token
        out[f"assumed role {i} access key id"] = role.access_key_id
    return out


def _issued() -> int:
    return len(sts_backends[ROLE_ACCOUNT]["aws"].assumed_roles)


def _common_args(level: str, fmt: str, aes_key: str) -> list[str]:
    return ["--log-level", level, "--log-format", fmt, "--txt-owner-id", "logs-test",
            "--txt-encrypt-enabled", "--txt-encrypt-aes-key", aes_key]


def _assert_clean(result: subprocess.CompletedProcess[str], named: Mapping[str, str], expect_lines: Iterable[str]
                  ) -> None:
    output = result.stdout + result.stderr
    for line in expect_lines:  # the run did what the scenario needs: the check is not vacuous
        assert line in output, (line, output[-3000:])
    assert _leaks(output, named) == [], output[-3000:]


SCENARIOS = ("static", "assume-role", "denied", "denied-assume-role")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_aws_credential_or_aes_key_in_any_output(scenario: str, level: str, fmt: str, route53: StrictRoute53Server,
                                                    base_env: dict[str, str], static_secrets: dict[str, str],
                                                    objects: Path) -> None:
    args = ["run", "--once", "--from-file", str(objects), "--source", "service",
            *_common_args(level, fmt, static_secrets["--txt-encrypt-aes-key"])]
    if scenario.endswith("assume-role"):
        args += ["--aws-assume-role", ROLE_ARN, "--aws-assume-role-external-id", "ext-logs"]
    if scenario.startswith("denied"):
        route53.inject_error("ListResourceRecordSets", "AccessDenied", "User: arn:aws:sts::123456789012:assumed-role/"
                             "zk/x is not authorized to perform: route53:ListResourceRecordSets", status=403,
                             times=100)
    issued = _issued()
    result = _run(args, base_env)
    named = {**static_secrets}
    if scenario.endswith("assume-role"):
        assumed = _assumed_role_secrets(issued)
        assert assumed, "the run never assumed the role"
        named |= assumed
    if scenario.startswith("denied"):
        assert result.returncode == 1, result.stderr[-3000:]
        # Only error-level lines are guaranteed at --log-level error.
        _assert_clean(result, named, ["AccessDenied"])
    else:
        assert result.returncode == 0, result.stderr[-3000:]
        assert route53.accepted_change_batches, "nothing was written: the run did not reach Route 53"
        expected = {"debug": ["changed", "configuration", "aws call"], "info": ["changed"]}.get(level, [])
        _assert_clean(result, named, expected)


@pytest.mark.kube
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("level", LEVELS)
def test_no_kube_bearer_token_in_any_output(level: str, fmt: str, kube_cluster: KubeCluster, kube_namespace: str,
                                            base_env: dict[str, str], static_secrets: dict[str, str]) -> None:
    from kubernetes import client

    # The token's permissions do not matter here (the shipped RBAC is tested elsewhere): cluster-admin,
    # since `view` is an aggregated role that stays empty without kube-controller-manager.
    rbac = client.RbacAuthorizationV1Api(kube_cluster.admin)
    binding = f"logs-{kube_namespace}"
    rbac.create_cluster_role_binding({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": binding},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "ServiceAccount", "name": "zonekeeper", "namespace": kube_namespace}]})
    kube_cluster.apply({"apiVersion": "v1", "kind": "Service",
                        "metadata": {"name": "web", "namespace": kube_namespace,
                                     "annotations": {"external-dns.kubernetes.io/hostname": "web.example.com"}},
                        "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}})
    kubeconfig = kube_cluster.kubeconfig_for_serviceaccount(kube_namespace, "zonekeeper")
    token = kube_cluster.service_account_token(kube_namespace, "zonekeeper")
    bogus = _random(string.ascii_letters + string.digits, 64)
    common = _common_args(level, fmt, static_secrets["--txt-encrypt-aes-key"])
    named = {**static_secrets, "kube token": token, "bogus kube token": bogus,
             "kubeconfig token": _kubeconfig_token(kubeconfig)}

    # Accepted token: the cluster is listed and planned.
    ok = _run(["plan", "--kubeconfig", str(kubeconfig), "--namespace", kube_namespace, "--source", "service",
               *common], base_env)
    assert ok.returncode == 0, ok.stderr[-3000:]
    _assert_clean(ok, named, [])

    # Refused token (401): the error path.
    refused = _run(["plan", "--kubeconfig", str(kube_cluster.kubeconfig_for_token(bogus)), "--source", "service",
                    *common], base_env)
    assert refused.returncode == 1, refused.stderr[-3000:]
    _assert_clean(refused, named, ["Unauthorized"])


def _kubeconfig_token(path: Path) -> str:
    import yaml

    doc = yaml.safe_load(path.read_text())
    return str(doc["users"][0]["user"]["token"])

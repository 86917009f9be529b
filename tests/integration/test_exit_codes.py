"""Every exit code of `zonekeeper plan` and `zonekeeper run --once`, through the real CLI (a subprocess,
as CI runs it) against the strict Route 53 endpoint. The table is README.md's "Exit codes":

    0 done / nothing to change         2 plan --detailed-exitcode: changes pending
    1 error (a change or zone failed)  3 done, with refusals (names or objects left alone, each reported)
    64 bad flags or configuration (nothing was done)
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.support.kube import KubeCluster
from tests.support.route53 import StrictRoute53Server

pytestmark = pytest.mark.integration


def service(name: str, ip: str, *, annotations: str = "") -> str:
    return textwrap.dedent(f"""
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: default
          annotations:
            external-dns.kubernetes.io/hostname: {name}.example.com
        {textwrap.indent(annotations, '    ')}
        spec: {{type: LoadBalancer}}
        status: {{loadBalancer: {{ingress: [{{ip: {ip}}}]}}}}
        """)


class CLI:
    def __init__(self, route53: StrictRoute53Server, tmp_path: Path) -> None:
        self.route53 = route53
        self.tmp_path = tmp_path
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
                    "AWS_CONFIG_FILE": str(home / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "none"),
                    "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_ROUTE_53": route53.endpoint,
                    "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
        self._files = 0

    def file(self, *docs: str) -> str:
        self._files += 1
        path = self.tmp_path / f"objects-{self._files}.yaml"
        path.write_text("".join(docs))
        return str(path)

    def __call__(self, *args: str) -> tuple[int, str]:
        script = Path(sys.executable).with_name("zonekeeper")
        cmd: Sequence[str] = [str(script)] if script.exists() else [sys.executable, "-m", "zonekeeper.cli"]
        proc = subprocess.run([*cmd, *args], env=self.env, capture_output=True, text=True, timeout=120)
        return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def cli(route53: StrictRoute53Server, tmp_path: Path) -> CLI:
    route53.create_zone("example.com")
    return CLI(route53, tmp_path)


def names_written(route53: StrictRoute53Server) -> set[str]:
    return {c["ResourceRecordSet"]["Name"] for b in route53.accepted_change_batches for c in b["Changes"]}


def test_run_once_exit_0_when_everything_is_applied(cli: CLI) -> None:
    objects = cli.file(service("a", "192.0.2.1"), service("b", "192.0.2.2"))
    code, out = cli("run", "--once", "--from-file", objects, "--txt-owner-id", "c1")
    assert code == 0, out
    assert {"a.example.com.", "b.example.com."} <= names_written(cli.route53)
    code, out = cli("run", "--once", "--from-file", objects, "--txt-owner-id", "c1")
    assert code == 0, out  # nothing left to do is success too


def test_run_once_exit_3_when_names_owned_by_others_are_refused(cli: CLI) -> None:
    # Another owner publishes 16 names first; we want those 16 and 6 of our own.
    theirs = [service(f"n{i}", f"192.0.2.{i + 1}") for i in range(16)]
    ours = [service(f"n{i}", f"198.51.100.{i + 1}") for i in range(22)]
    code, out = cli("run", "--once", "--from-file", cli.file(*theirs), "--txt-owner-id", "other")
    assert code == 0, out
    before = len(cli.route53.accepted_change_batches)
    code, out = cli("run", "--once", "--from-file", cli.file(*ours), "--txt-owner-id", "c1")
    assert code == 3, out
    assert out.count("OwnedByOther") >= 16, out
    written = {c["ResourceRecordSet"]["Name"] for b in cli.route53.accepted_change_batches[before:]
               for c in b["Changes"]}
    assert {f"n{i}.example.com." for i in range(16, 22)} <= written  # ours landed
    assert not written & {f"n{i}.example.com." for i in range(16)}  # theirs untouched


def test_run_once_exit_3_when_a_source_object_is_rejected(cli: CLI) -> None:
    objects = cli.file(service("good", "192.0.2.1"),
                       service("bad", "192.0.2.2", annotations="external-dns.kubernetes.io/ttl: soon"))
    code, out = cli("run", "--once", "--from-file", objects, "--txt-owner-id", "c1")
    assert code == 3, out
    assert "service/default/bad" in out
    assert "good.example.com." in names_written(cli.route53)


def test_run_once_exit_1_when_route53_refuses_a_change(cli: CLI) -> None:
    objects = cli.file(textwrap.dedent("""
        apiVersion: externaldns.k8s.io/v1alpha1
        kind: DNSEndpoint
        metadata: {name: hc, namespace: default}
        spec:
          endpoints:
            - dnsName: fo.example.com
              recordType: A
              targets: [192.0.2.1]
              setIdentifier: primary
              providerSpecific:
                - {name: aws/failover, value: PRIMARY}
                - {name: aws/health-check-id, value: 00000000-0000-0000-0000-000000000000}
            - dnsName: ok.example.com
              recordType: A
              targets: [192.0.2.2]
        """))
    code, out = cli("run", "--once", "--source", "crd", "--from-file", objects)
    assert code == 1, out
    assert "ok.example.com." in names_written(cli.route53)


@pytest.mark.parametrize("command", [["run", "--once"], ["plan"], ["plan", "--detailed-exitcode"]])
def test_exit_1_when_a_zone_cannot_be_read(cli: CLI, command: list[str]) -> None:
    cli.route53.inject_error("ListResourceRecordSets", "AccessDenied", "not authorized", status=403, times=50)
    code, out = cli(*command, "--from-file", cli.file(service("a", "192.0.2.1")))
    assert code == 1, out
    assert "AccessDenied" in out


def test_exit_1_when_route53_is_unreachable(cli: CLI) -> None:
    cli.env["AWS_ENDPOINT_URL_ROUTE_53"] = "http://127.0.0.1:9"  # discard port: connection refused
    code, out = cli("run", "--once", "--from-file", cli.file(service("a", "192.0.2.1")), "--aws-api-retries", "1")
    assert code == 1, out


def test_plan_detailed_exitcode_0_2_3(cli: CLI) -> None:
    good = cli.file(service("a", "192.0.2.1"))
    code, out = cli("plan", "--detailed-exitcode", "--from-file", good, "--txt-owner-id", "c1")
    assert code == 2, out  # changes pending
    code, out = cli("plan", "--from-file", good, "--txt-owner-id", "c1")
    assert code == 0, out  # without --detailed-exitcode, a plan that worked is 0
    assert cli("run", "--once", "--from-file", good, "--txt-owner-id", "c1")[0] == 0
    code, out = cli("plan", "--detailed-exitcode", "--from-file", good, "--txt-owner-id", "c1")
    assert code == 0, out  # in sync

    # Refusals only: the name is owned by someone else, nothing else to do.
    code, out = cli("plan", "--detailed-exitcode", "--from-file", good, "--txt-owner-id", "c2")
    assert code == 3, out
    assert "OwnedByOther" in out
    code, out = cli("plan", "--from-file", good, "--txt-owner-id", "c2")
    assert code == 0, out

    # Changes and refusals: changes pending wins (a CI job applies; `run --once` then says 3).
    both = cli.file(service("a", "192.0.2.1"), service("b", "192.0.2.2"))
    code, out = cli("plan", "--detailed-exitcode", "--from-file", both, "--txt-owner-id", "c2")
    assert code == 2, out
    code, out = cli("run", "--once", "--from-file", both, "--txt-owner-id", "c2")
    assert code == 3, out


@pytest.mark.parametrize("args", [
    ["--source", "bogus"],  # our validation
    ["--policy", "delete-all"],  # click's choice
    ["--no-such-flag"],  # click's unknown option
    ["--interval", "soon"],  # a parameter callback
    ["--txt-encrypt-enabled"],  # a missing companion flag
    ["--from-file", "/nonexistent/objects.yaml"],  # a path that is not there
])
@pytest.mark.parametrize("command", [["run", "--once"], ["plan", "--detailed-exitcode"]])
def test_exit_64_on_bad_flags_or_configuration_and_nothing_is_done(cli: CLI, command: list[str],
                                                                   args: list[str]) -> None:
    if command[0] == "plan" and args[0] == "--interval":
        args = ["--aws-zones-cache-duration", "soon"]
    good = cli.file(service("a", "192.0.2.1"))
    code, out = cli(*command, "--from-file", good, *args)
    assert code == 64, out
    assert out.strip(), "a bad flag gets a message"
    assert cli.route53.change_batches == []


@pytest.mark.kube
def test_live_run_once_uses_the_same_codes(cli: CLI, kube_cluster: KubeCluster, kube_namespace: str) -> None:
    """`run --once` from the cluster (not files): 0 when all is applied, 3 with a refusal."""
    def svc(name: str, ip: str) -> dict[str, object]:
        return {"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": name, "namespace": kube_namespace,
                             "annotations": {"external-dns.kubernetes.io/hostname": f"{name}.example.com"}},
                "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]},
                "status": {"loadBalancer": {"ingress": [{"ip": ip}]}}}

    kube_cluster.apply([svc("mine", "192.0.2.10")])
    live = ["run", "--once", "--kubeconfig", str(kube_cluster.admin_kubeconfig), "--namespace", kube_namespace,
            "--source", "service", "--no-emit-events"]
    code, out = cli(*live, "--txt-owner-id", "c1")
    assert code == 0, out
    kube_cluster.apply([svc("theirs", "192.0.2.11")])
    code, out = cli("run", "--once", "--from-file", cli.file(service("theirs", "192.0.2.99")), "--txt-owner-id", "other")
    assert code == 0, out
    code, out = cli(*live, "--txt-owner-id", "c1")
    assert code == 3, out
    assert "OwnedByOther" in out

"""Hostile `--from-file` input through the real CLI, against the strict Route 53 endpoint (issue 7,
items 6-9): bad values are refused, never rewritten; bad files and objects are reported by path,
document and object, and never stop the good ones."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.route53 import StrictRoute53Server
from zonekeeper.cli import main

pytestmark = pytest.mark.integration


@pytest.fixture
def env(route53: StrictRoute53Server, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    route53.create_zone("example.com")
    values = {"AWS_ENDPOINT_URL_ROUTE_53": route53.endpoint, "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t",
              "AWS_DEFAULT_REGION": "us-east-1"}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return values


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def plan_json(*paths: Path, extra: tuple[str, ...] = ()) -> tuple[int, dict]:
    args = [a for p in paths for a in ("--from-file", str(p))]
    code, out = invoke("plan", "--output", "json", "--source", "service", "--source", "crd", *args, *extra)
    return code, json.loads(out)


def service(name: str, annotations: dict[str, str], lb: str = "203.0.113.10") -> str:
    body = "\n".join(f"    {k}: {json.dumps(v)}" for k, v in annotations.items())
    return (f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: default\n  annotations:\n"
            f"{body}\nspec: {{type: LoadBalancer}}\nstatus: {{loadBalancer: {{ingress: [{{ip: {lb}}}]}}}}\n")


HOST = "external-dns.kubernetes.io/hostname"
TARGET = "external-dns.kubernetes.io/target"


def test_bad_values_are_refused_not_rewritten(env: dict[str, str], tmp_path: Path,
                                              route53: StrictRoute53Server) -> None:
    path = tmp_path / "values.yaml"
    path.write_text("---\n".join([
        service("space", {HOST: "sp ace.example.com"}),
        service("dots", {HOST: "x.example.com.."}),
        service("commas", {HOST: "commas.example.com", TARGET: ",,,"}),
        service("good", {HOST: "good.example.com"}),
        textwrap.dedent("""
            apiVersion: externaldns.k8s.io/v1alpha1
            kind: DNSEndpoint
            metadata: {name: hc, namespace: default}
            spec:
              endpoints:
                - dnsName: hc.example.com
                  recordType: A
                  targets: [192.0.2.1]
                  setIdentifier: primary
                  providerSpecific:
                    - {name: aws/failover, value: PRIMARY}
                    - {name: aws/health-check-id, value: not-a-uuid}
            """),
    ]))
    code, doc = plan_json(path)
    assert code == 0, doc
    names = sorted({c["name"] for c in doc["changes"]})
    assert names == ["good.example.com"], names  # not space.example.com, x.example.com, commas -> 203.0.113.10
    by_subject = {p["subject"]: p["message"] for p in doc["problems"]}
    assert "'sp ace.example.com'" in by_subject["service/default/space"]
    assert "'x.example.com..'" in by_subject["service/default/dots"]
    assert "target" in by_subject["service/default/commas"]
    assert "not-a-uuid" in by_subject["crd/default/hc"]

    code, out = invoke("run", "--once", "--source", "service", "--source", "crd", "--from-file", str(path))
    sent = sorted(r["ResourceRecordSet"]["Name"] for b in route53.accepted_change_batches for r in b["Changes"]
                  if r["ResourceRecordSet"]["Type"] != "TXT")
    assert sent == ["good.example.com."], out

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
from zonekeeper import exitcodes
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


def a_records(route53: StrictRoute53Server) -> list[str]:
    return sorted(c["ResourceRecordSet"]["Name"] for b in route53.accepted_change_batches for c in b["Changes"]
                  if c["ResourceRecordSet"]["Type"] == "A" and c["Action"] == "CREATE")


def test_one_binary_file_does_not_stop_51_good_ones(env: dict[str, str], tmp_path: Path,
                                                    route53: StrictRoute53Server) -> None:
    for i in range(51):
        (tmp_path / f"svc-{i:02}.yaml").write_text(service(f"svc-{i}", {HOST: f"svc-{i}.example.com"},
                                                           lb=f"203.0.113.{i + 1}"))
    (tmp_path / "blob.yaml").write_bytes(bytes(range(256)) * 8)
    code, out = invoke("run", "--once", "--from-file", str(tmp_path))
    # Bad input is a reported problem like any other source problem: "done, with refusals".
    assert code == exitcodes.REFUSED, out
    assert len(a_records(route53)) == 51
    assert "blob.yaml" in out and "binary" in out and "Traceback" not in out


@pytest.mark.timeout(120)
def test_alias_bomb_deep_nesting_and_huge_numbers_are_reported_not_fatal(env: dict[str, str], tmp_path: Path) -> None:
    from tests.unit.test_manifests import bomb

    (tmp_path / "bomb.yaml").write_text(bomb(9))
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 3000 + "]" * 3000 + "\n")
    (tmp_path / "number.yaml").write_text(service("num", {HOST: "num.example.com"}) + "extra: " + "9" * 5000 + "\n")
    (tmp_path / "latin.yaml").write_bytes(("# caf\u00e9\n" + service("latin", {HOST: "latin.example.com"}))
                                          .encode("latin-1"))
    (tmp_path / "good.yaml").write_text(service("good", {HOST: "good.example.com"}))
    code, doc = plan_json(tmp_path)
    assert code == 0, doc
    assert [c["name"] for c in doc["changes"] if c["type"] == "A"] == ["good.example.com"]
    problems = {Path(p["subject"]).name: p["message"] for p in doc["problems"]}
    assert set(problems) == {"bomb.yaml", "deep.yaml", "number.yaml", "latin.yaml"}, problems
    assert "document 1" in problems["bomb.yaml"] and "100,000 nodes" in problems["bomb.yaml"]
    assert "deeper than 100" in problems["deep.yaml"]
    assert "line 10" in problems["number.yaml"] and "5,000 characters" in problems["number.yaml"]
    assert "UTF-8" in problems["latin.yaml"]


def test_wrong_shapes_are_reported_through_the_cli(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "shapes.yaml"
    path.write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: Service
        metadata: {name: s, namespace: default, annotations: {external-dns.kubernetes.io/hostname: s.example.com}}
        spec: {type: LoadBalancer}
        status: {loadBalancer: {ingress: 203.0.113.9}}
        ---
        apiVersion: externaldns.k8s.io/v1alpha1
        kind: DNSEndpoint
        metadata: {name: d, namespace: default}
        spec: {endpoints: d.example.com}
        ---
        - apiVersion: v1
          kind: Service
          metadata: {name: in-a-list}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: t, namespace: default, annotations: {external-dns.kubernetes.io/hostname: t.example.com,
                                                              external-dns.kubernetes.io/ttl: 60}}
        spec: {type: LoadBalancer}
        status: {loadBalancer: {ingress: [{ip: 203.0.113.10}]}}
        """))
    code, doc = plan_json(path)
    assert code == 0, doc
    messages = [p["message"] for p in doc["problems"]]
    assert len(messages) == 4, messages
    assert "document 1 (line 1): Service default/s: status.loadBalancer.ingress: expected a list" in messages[0]
    assert "document 2 (line 6): DNSEndpoint default/d: spec.endpoints: expected a list" in messages[1]
    assert "document 3 (line 11): a list, not a Kubernetes object" in messages[2]
    assert "document 4 (line 15): Service default/t: metadata.annotations['external-dns.kubernetes.io/ttl']" \
        in messages[3] and "expected a string, got a number (60)" in messages[3]
    # t is still published, with the default TTL rather than a TTL guessed from the number.
    assert [(c["name"], c["ttl"]) for c in doc["changes"] if c["type"] == "A"] == [("t.example.com", 300)]  # the default, not 60


def test_records_of_an_unreadable_file_are_not_deleted(env: dict[str, str], tmp_path: Path,
                                                       route53: StrictRoute53Server) -> None:
    (tmp_path / "a.yaml").write_text(service("a", {HOST: "a.example.com"}))
    (tmp_path / "b.yaml").write_text(service("b", {HOST: "b.example.com"}))
    code, out = invoke("run", "--once", "--from-file", str(tmp_path))
    assert code == 0 and a_records(route53) == ["a.example.com.", "b.example.com."], out
    (tmp_path / "b.yaml").write_bytes(b"\x00\x01binary now")
    (tmp_path / "c.yaml").write_text(service("c", {HOST: "c.example.com"}))
    before = len(route53.change_batches)
    code, out = invoke("run", "--once", "--from-file", str(tmp_path))
    batches = [b for b in route53.change_batches[before:] if b["Status"] == "accepted"]
    deleted = [c["ResourceRecordSet"]["Name"] for b in batches for c in b["Changes"] if c["Action"] == "DELETE"]
    created = [c["ResourceRecordSet"]["Name"] for b in batches for c in b["Changes"]
               if c["Action"] == "CREATE" and c["ResourceRecordSet"]["Type"] == "A"]
    assert deleted == [], out  # b's records stay: we cannot know what the file wanted
    assert created == ["c.example.com."]  # while the rest goes on
    assert "b.yaml" in out

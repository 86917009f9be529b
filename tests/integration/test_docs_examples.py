"""Every command marked ```sh test in the README and docs/ runs, and the troubleshooting messages are
the ones zonekeeper really prints."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.route53 import StrictRoute53Server
from zonekeeper.cli import main
from zonekeeper.config import Settings
from zonekeeper.endpoint import Endpoint
from zonekeeper.wiring import build

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def commands() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for block in re.findall(r"^[ \t]*```sh test\n(.*?)^[ \t]*```", doc.read_text(), flags=re.S | re.M):
            for line in (raw.strip() for raw in block.splitlines()):
                if line.startswith("zonekeeper "):
                    found.append((doc.name, line))
    return found


@pytest.fixture(autouse=True)
def aws(route53: StrictRoute53Server, monkeypatch: pytest.MonkeyPatch) -> StrictRoute53Server:
    route53.create_zone("example.com")
    for k, v in {"AWS_ENDPOINT_URL_ROUTE_53": route53.endpoint, "AWS_ACCESS_KEY_ID": "t",
                 "AWS_SECRET_ACCESS_KEY": "t"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(ROOT)
    return route53


def test_docs_have_runnable_examples() -> None:
    assert len(commands()) >= 4


def _option_values(args: list[str], name: str) -> list[str]:
    values = [a.split("=", 1)[1] for a in args if a.startswith(f"{name}=")]
    return values + [args[i + 1] for i, a in enumerate(args[:-1]) if a == name]


def _reports_broken_example(args: list[str]) -> bool:
    """examples/cluster.yaml holds one deliberately broken Service: a command that reads it with the
    service source ends "done, with refusals" (3)."""
    files = [(ROOT / f).resolve() for f in _option_values(args, "--from-file")]
    reads_it = any(f == ROOT / "examples" or f == ROOT / "examples" / "cluster.yaml" for f in files)
    return reads_it and "service" in _option_values(args, "--source")


@pytest.mark.parametrize(("doc", "line"), commands())
def test_documented_command_runs(doc: str, line: str) -> None:
    args = shlex.split(line)[1:]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    expected = 3 if "--once" in args and _reports_broken_example(args) else 0
    if "--detailed-exitcode" in args:
        # 2 also means "changes pending": only a JSON plan that lists changes tells it from the others.
        assert "--output" in args and "json" in args, f"{doc}: {line}: use --output json with --detailed-exitcode"
        expected = 2 if json.loads(result.output)["changes"] else 3 if _reports_broken_example(args) else 0
    assert result.exit_code == expected, f"{doc}: {line}\n{result.output}"
    if "--output" in args and "json" in args:
        doc_json = json.loads(result.output)
        assert not doc_json["errors"], doc_json["errors"]


def _problems(route53: StrictRoute53Server, desired: list[Endpoint], **settings: object) -> list[str]:
    wired = build(Settings.of(aws_endpoint_url=route53.endpoint, txt_owner_id="cluster-a", **settings))  # type: ignore[arg-type]
    result = wired.pipeline.run(desired, apply=False)
    return [f"{p.subject}: {p.message} [{p.reason}]" for p in result.all_problems] + [
        f"zone {z.zone.name} failed: {z.error}" for z in result.zones if z.error]


def _documented(fragment: str) -> bool:
    return fragment in (ROOT / "docs" / "troubleshooting.md").read_text()


def test_troubleshooting_messages_are_real(aws: StrictRoute53Server) -> None:
    zone = aws.harness.list_hosted_zones()["HostedZones"][0]["Id"].split("/")[-1]
    aws.harness.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
        "Action": "CREATE", "ResourceRecordSet": {"Name": "web.example.com.", "Type": "AAAA", "TTL": 300,
                                                  "ResourceRecords": [{"Value": "2001:db8::1"}]}}]})
    web = Endpoint.new("web.example.com", "A", ["10.0.0.1"], labels={"resource": "service/default/web"})
    shop = Endpoint.new("shop.example.org", "A", ["10.0.0.2"], labels={"resource": "ingress/shop/shop"})
    apex = Endpoint.new("example.com", "A", ["10.0.0.3"], labels={"resource": "ingress/shop/shop"})
    messages = _problems(aws, [web, shop, apex])
    expected = [
        "service/default/web: cannot create web.example.com A: web.example.com already has a AAAA record not owned "
        "by any zonekeeper/external-dns instance [OwnedByOther]",
        "ingress/shop/shop: shop.example.org is not inside any managed hosted zone [NoMatchingZone]",
        "ingress/shop/shop: example.com A: its ownership TXT record a-example.com would fall outside the zone "
        "example.com;",
    ]
    for message in expected:
        assert any(m.startswith(message) for m in messages), (message, messages)
        assert _documented(message.split("; ")[0].rstrip(";")), message
    aws.inject_error("ListResourceRecordSets", "AccessDenied", "User: arn:aws:sts::123456789012:assumed-role/zk/x "
                     "is not authorized to perform: route53:ListResourceRecordSets", status=403, times=10)
    failed = _problems(aws, [web])
    assert any(m.startswith("zone example.com failed: AccessDenied: User:") and
               "route53:ListResourceRecordSets" in m for m in failed), failed

"""The DynamoDB registry end to end: `zonekeeper run --once --from-file --registry=dynamodb` against the
strict Route 53 endpoint and a DynamoDB endpoint (moto server), items in external-dns v0.23's layout."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.support.dynamodb import DynamoDBServer
from tests.support.route53 import StrictRoute53Server
from zonekeeper.cli import main

pytestmark = pytest.mark.integration

OURS_TXT = '"heritage=external-dns,external-dns/owner=c1,external-dns/resource=service/default/web"'


def service(ip: str, host: str = "web.example.com", name: str = "web") -> str:
    return textwrap.dedent(f"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: default
          annotations:
            external-dns.alpha.kubernetes.io/hostname: {host}
        spec:
          type: LoadBalancer
        status:
          loadBalancer:
            ingress:
              - ip: {ip}
        """)


@pytest.fixture
def zone(route53: StrictRoute53Server, dynamodb: DynamoDBServer, monkeypatch: pytest.MonkeyPatch) -> str:
    zone_id = route53.create_zone("example.com")
    for key, value in {"AWS_ENDPOINT_URL_ROUTE_53": route53.endpoint, "AWS_ENDPOINT_URL_DYNAMODB": dynamodb.endpoint,
                       "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return zone_id


def put(route53: StrictRoute53Server, zone: str, *records: tuple[str, str, list[str]]) -> None:
    changes = [{"Action": "CREATE", "ResourceRecordSet": {"Name": name, "Type": rtype, "TTL": 300,
                                                          "ResourceRecords": [{"Value": v} for v in values]}}
               for name, rtype, values in records]
    route53.harness.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})


def zone_records(route53: StrictRoute53Server, zone: str) -> dict[tuple[str, str], list[str]]:
    out = {}
    for page in route53.harness.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone):
        for r in page["ResourceRecordSets"]:
            if r["Type"] not in ("SOA", "NS"):
                out[(r["Name"], r["Type"])] = [v["Value"] for v in r.get("ResourceRecords", [])]
    return out


def run_once(objects: Path, *args: str, owner: str = "c1") -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", "--once", "--from-file", str(objects), "--registry", "dynamodb",
                                       "--txt-owner-id", owner, "--policy", "sync", *args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


WEB = "web.example.com#A#"


def test_create_update_delete_keep_one_item_per_record(zone: str, route53: StrictRoute53Server,
                                                       dynamodb: DynamoDBServer, tmp_path: Path) -> None:
    dynamodb.create_table()
    objects = tmp_path / "objects.yaml"
    objects.write_text(service("203.0.113.10"))
    code, out = run_once(objects)
    assert code == 0, out
    # No TXT record: ownership is the item, exactly as external-dns writes it.
    assert zone_records(route53, zone) == {("web.example.com.", "A"): ["203.0.113.10"]}
    assert dynamodb.items() == {WEB: ("c1", {"resource": "service/default/web"})}

    objects.write_text(service("203.0.113.11"))
    code, out = run_once(objects)
    assert code == 0, out
    assert zone_records(route53, zone) == {("web.example.com.", "A"): ["203.0.113.11"]}
    assert dynamodb.items() == {WEB: ("c1", {"resource": "service/default/web"})}

    batches = len(route53.accepted_change_batches)
    run_once(objects)  # steady state: nothing sent
    assert len(route53.accepted_change_batches) == batches

    objects.write_text("")
    code, out = run_once(objects)
    assert code == 0, out
    assert zone_records(route53, zone) == {}
    assert dynamodb.items() == {}


def test_records_whose_item_names_another_owner_are_never_touched(zone: str, route53: StrictRoute53Server,
                                                                  dynamodb: DynamoDBServer, tmp_path: Path) -> None:
    dynamodb.create_table()
    put(route53, zone, ("web.example.com", "A", ["198.51.100.1"]))
    dynamodb.put(WEB, "other", resource="service/team/web")
    dynamodb.put("free.example.com#A#", "other")  # claimed, no record yet: not created by us either
    objects = tmp_path / "objects.yaml"
    objects.write_text(service("203.0.113.10") + "---" + service("203.0.113.12", "free.example.com", "free"))

    run_once(objects)
    objects.write_text("")
    run_once(objects)  # sync, nothing desired: still not deleted
    assert route53.accepted_change_batches == []
    assert zone_records(route53, zone) == {("web.example.com.", "A"): ["198.51.100.1"]}
    assert dynamodb.items() == {WEB: ("other", {"resource": "service/team/web"}),
                                "free.example.com#A#": ("other", {})}


def test_a_zone_refused_by_route53_is_reported_alone(zone: str, route53: StrictRoute53Server,
                                                     dynamodb: DynamoDBServer, tmp_path: Path) -> None:
    dynamodb.create_table()
    route53.create_zone("example.org")
    objects = tmp_path / "objects.yaml"
    objects.write_text(service("203.0.113.10") + "---" + service("203.0.113.20", "web.example.org", "org"))
    # Zones go in name order: example.com's batch is the first, and is refused.
    route53.inject_error("ChangeResourceRecordSets", "AccessDenied", "not allowed", status=403)

    code, out = run_once(objects)
    assert code != 0 and "web.example.com" in out, out
    # The refused create took its item back; the other zone went on.
    assert dynamodb.items() == {"web.example.org#A#": ("c1", {"resource": "service/default/org"})}
    assert zone_records(route53, zone) == {}

    code, out = run_once(objects)  # next pass: the refused zone catches up
    assert code == 0, out
    assert set(dynamodb.items()) == {WEB, "web.example.org#A#"}


@pytest.mark.parametrize(("schema", "message"), [
    (None, "DynamoDB table 'external-dns' does not exist"),
    ({"key": "id"}, 'table "external-dns" must have attribute "k" of type "S"'),
    ({"range_key": "r"}, 'table "external-dns" must not have a range key'),
])
def test_a_missing_or_wrong_table_is_a_clear_error(zone: str, route53: StrictRoute53Server, dynamodb: DynamoDBServer,
                                                   tmp_path: Path, schema: dict[str, str] | None,
                                                   message: str) -> None:
    if schema is not None:
        dynamodb.create_table(**schema)
    objects = tmp_path / "objects.yaml"
    objects.write_text(service("203.0.113.10"))
    code, out = run_once(objects)
    assert code != 0 and message in out, out
    assert route53.change_batches == []


def test_ownership_migrates_from_txt_records_without_record_churn(zone: str, route53: StrictRoute53Server,
                                                                  dynamodb: DynamoDBServer, tmp_path: Path) -> None:
    dynamodb.create_table()
    put(route53, zone, ("web.example.com", "A", ["203.0.113.10"]), ("a-web.example.com", "TXT", [OURS_TXT]))
    objects = tmp_path / "objects.yaml"
    objects.write_text(service("203.0.113.10"))
    flags = ("--managed-record-types", "A", "--managed-record-types", "TXT")

    code, out = run_once(objects, *flags)
    assert code == 0, out
    assert route53.change_batches == []  # the item is inserted; the record is not rewritten
    assert dynamodb.items() == {WEB: ("c1", {"resource": "service/default/web"})}

    code, out = run_once(objects, *flags)  # TXT is managed: our ownership TXT has no more purpose
    assert code == 0, out
    assert zone_records(route53, zone) == {("web.example.com.", "A"): ["203.0.113.10"]}
    changes = [c for b in route53.accepted_change_batches for c in b["Changes"]]
    assert [(c["Action"], c["ResourceRecordSet"]["Name"]) for c in changes] == [("DELETE", "a-web.example.com.")]


def test_txt_records_stay_when_txt_is_not_managed(zone: str, route53: StrictRoute53Server,
                                                  dynamodb: DynamoDBServer, tmp_path: Path) -> None:
    dynamodb.create_table()
    put(route53, zone, ("web.example.com", "A", ["203.0.113.10"]), ("a-web.example.com", "TXT", [OURS_TXT]))
    objects = tmp_path / "objects.yaml"
    objects.write_text(service("203.0.113.10"))
    run_once(objects)
    run_once(objects)
    assert route53.change_batches == []
    assert ("a-web.example.com.", "TXT") in zone_records(route53, zone)
    assert set(dynamodb.items()) == {WEB}


def test_the_endpoint_answers_external_dns_partiql_statements_as_dynamodb_does(dynamodb: DynamoDBServer) -> None:
    """The test endpoint's stand-in for the PartiQL moto lacks (external-dns writes with it)."""
    dynamodb.create_table()
    table = '"external-dns"'

    def insert(owner: str) -> dict[str, object]:
        return {"Statement": f"INSERT INTO {table} VALUE {{'k':?, 'o':?, 'l':?}}",
                "Parameters": [{"S": WEB}, {"S": owner}, {"M": {"resource": {"S": f"service/{owner}/web"}}}]}

    def delete(owner: str) -> dict[str, object]:
        return {"Statement": f'DELETE FROM {table} WHERE "k"=? AND "o"=?', "Parameters": [{"S": WEB}, {"S": owner}]}

    update = {"Statement": f'UPDATE {table} SET "l"=? WHERE "k"=?',
              "Parameters": [{"M": {"resource": {"S": "service/c1/new"}}}, {"S": WEB}]}

    def owned_update(owner: str) -> dict[str, object]:
        return {"Statement": f'UPDATE {table} SET "l"=? WHERE "k"=? AND "o"=?',
                "Parameters": [{"M": {"resource": {"S": f"service/{owner}/newer"}}}, {"S": WEB}, {"S": owner}]}

    answers = dynamodb.client.batch_execute_statement(
        Statements=[insert("c1"), insert("other"), update, delete("other"), owned_update("other")])["Responses"]
    assert [a.get("Error", {}).get("Code") for a in answers] == [
        None, "DuplicateItem", None, "ConditionalCheckFailed", "ConditionalCheckFailed"]
    assert dynamodb.items() == {WEB: ("c1", {"resource": "service/c1/new"})}
    answers = dynamodb.client.batch_execute_statement(Statements=[owned_update("c1")])["Responses"]
    assert answers[0].get("Error") is None
    assert dynamodb.items() == {WEB: ("c1", {"resource": "service/c1/newer"})}
    answers = dynamodb.client.batch_execute_statement(Statements=[delete("c1"), update])["Responses"]
    assert [a.get("Error", {}).get("Code") for a in answers] == [None, "ConditionalCheckFailed"]
    assert dynamodb.items() == {}


def test_one_full_pass_reads_the_table_once_whatever_the_number_of_zones(
        route53: StrictRoute53Server, dynamodb: DynamoDBServer) -> None:
    from collections import Counter

    from zonekeeper.endpoint import Endpoint
    from zonekeeper.pipeline import Pipeline, PipelineOptions
    from zonekeeper.plan import PlanOptions
    from zonekeeper.providers.route53 import Route53Provider
    from zonekeeper.registry.dynamodb import DynamoDBRegistry, DynamoDBTable

    dynamodb.create_table()
    for name in ("example.com", "example.org", "example.net"):
        route53.create_zone(name)
    client = boto3_dynamodb(dynamodb)
    calls: Counter[str] = Counter()
    client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.update([model.name]))
    provider = Route53Provider(route53.client())
    registry = DynamoDBRegistry(provider, "c1", DynamoDBTable(client, "external-dns"))
    pipeline = Pipeline(provider, registry, PipelineOptions(plan=PlanOptions(owner_id="c1")))
    desired = [Endpoint.new(f"web.example.{tld}", "A", ["192.0.2.1"], labels={"resource": "service/default/web"})
               for tld in ("com", "org", "net")]

    result = pipeline.run(desired, apply=True)
    assert result.ok, result
    # One write call per zone that has item writes (here: one insert each).
    assert calls == {"DescribeTable": 1, "Scan": 1, "BatchExecuteStatement": 3}
    assert len(dynamodb.items()) == 3


def boto3_dynamodb(dynamodb: DynamoDBServer) -> Any:
    import boto3

    return boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t", region_name="us-east-1").client(
        "dynamodb", endpoint_url=dynamodb.endpoint)


def test_a_create_that_loses_the_race_for_its_item_is_not_sent(route53: StrictRoute53Server,
                                                              dynamodb: DynamoDBServer) -> None:
    from zonekeeper.changes import Change
    from zonekeeper.endpoint import Endpoint
    from zonekeeper.providers.route53 import Route53Provider
    from zonekeeper.registry.dynamodb import DynamoDBRegistry, DynamoDBTable

    dynamodb.create_table()
    route53.create_zone("example.com")
    provider = Route53Provider(route53.client())
    registry = DynamoDBRegistry(provider, "c1", DynamoDBTable(boto3_dynamodb(dynamodb), "external-dns"))
    zone = provider.zones()[0]
    state = registry.records(zone)
    dynamodb.put(WEB, "other")  # another owner claims the name after our reading
    web = Endpoint.new("web.example.com", "A", ["192.0.2.1"], labels={"resource": "service/default/web"})
    ok = Endpoint.new("ok.example.com", "A", ["192.0.2.2"], labels={"resource": "service/default/ok"})

    result = registry.apply(state, [Change.create(web), Change.create(ok)])
    assert [(c.key.name, "another owner" in reason) for c, reason in result.failed] == [("web.example.com", True)]
    assert [c.key.name for c in result.applied] == ["ok.example.com"]
    assert zone_records(route53, zone.id) == {("ok.example.com.", "A"): ["192.0.2.2"]}
    assert dynamodb.items() == {WEB: ("other", {}), "ok.example.com#A#": ("c1", {"resource": "service/default/ok"})}


def test_a_full_reading_stays_plannable_while_an_event_pass_reads_a_few_names(
        route53: StrictRoute53Server, dynamodb: DynamoDBServer) -> None:
    # A full pass lets event passes (which read only their names) run between its reading of a zone and
    # its apply; an older full reading, though, is one a later full read replaced.
    from zonekeeper.changes import Change
    from zonekeeper.endpoint import Endpoint
    from zonekeeper.providers.route53 import Route53Provider
    from zonekeeper.registry.dynamodb import DynamoDBRegistry, DynamoDBTable

    dynamodb.create_table()
    route53.create_zone("example.com")
    provider = Route53Provider(route53.client())
    registry = DynamoDBRegistry(provider, "c1", DynamoDBTable(boto3_dynamodb(dynamodb), "external-dns"))
    zone = provider.zones()[0]
    replaced = registry.records(zone)
    full = registry.records(zone)
    other = Endpoint.new("other.example.com", "A", ["192.0.2.9"], labels={"resource": "service/default/other"})
    assert registry.apply(registry.records(zone, names=["other.example.com"]), [Change.create(other)]).applied

    web = Endpoint.new("web.example.com", "A", ["192.0.2.1"], labels={"resource": "service/default/web"})
    result = registry.apply(full, [Change.create(web)])
    assert [c.key.name for c in result.applied] == ["web.example.com"] and not result.failed
    assert dynamodb.items()[WEB] == ("c1", {"resource": "service/default/web"})
    with pytest.raises(ValueError, match="last reading"):
        registry.apply(replaced, [Change.create(web)])

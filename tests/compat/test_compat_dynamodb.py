"""The DynamoDB registry shared with external-dns v0.23.0: external-dns (`--registry=dynamodb`) writes the
zone and the table, zonekeeper takes over with zero changes; and back, zonekeeper writing first.

Both tools reach the same DynamoDB endpoint (moto, through AWS_ENDPOINT_URL_DYNAMODB); what either
sends to Route 53 is read at the strict layer by access key id, the table is compared item by item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.dynamodb import DynamoDBServer
from tests.support.external_dns import EXTERNAL_DNS_KEY, ZONEKEEPER_KEY, Controllers, RecordSet, Run, record_sets
from tests.support.kube import KubeCluster

from .objects import GA, NLB_US_EAST_1, ZONE, service, shared_args

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(300)]

NAMESPACE = "compat-dynamodb"
OWNER = "compat-ddb"
Items = dict[str, tuple[str, dict[str, str]]]


def objects() -> list[dict[str, Any]]:
    h = GA + "hostname"
    return [
        service("ddb-alias", NAMESPACE, {h: "ddb-alias.example.com"}, NLB_US_EAST_1),
        service("ddb-ip", NAMESPACE, {h: "ddb-ip.example.com"}, "192.0.2.71"),
        service("ddb-two", NAMESPACE, {h: "ddb-two.example.com", GA + "ttl": "60"}, "192.0.2.72", "192.0.2.73"),
        service("ddb-v6", NAMESPACE, {h: "ddb-v6.example.com"}, "2001:db8::71"),
    ]


@dataclass(frozen=True, slots=True)
class Outcome:
    external_dns: Run
    external_dns_records: frozenset[RecordSet]
    external_dns_items: Items
    takeover_plan: Run
    takeover_run: Run
    takeover_changes: list[dict[str, Any]]
    takeover_items: Items
    zonekeeper: Run
    zonekeeper_records: frozenset[RecordSet]
    zonekeeper_items: Items
    back_run: Run
    back_changes: list[dict[str, Any]]
    back_items: Items


def _fresh(controllers: Controllers, dynamodb: DynamoDBServer) -> str:
    controllers.route53.reset()  # moto's reset: the table goes too
    dynamodb.reset()
    dynamodb.create_table()
    return controllers.route53.create_zone(ZONE)


@pytest.fixture(scope="module")
def outcome(controllers: Controllers, kube_cluster: KubeCluster, dynamodb_server: DynamoDBServer) -> Outcome:
    kube_cluster.ensure_namespace(NAMESPACE)
    kube_cluster.apply(objects())
    args = [a.replace("--registry=txt", "--registry=dynamodb")
            for a in shared_args(str(kube_cluster.admin_kubeconfig), NAMESPACE, OWNER)]
    args += ["--dynamodb-table=external-dns", "--dynamodb-region=us-east-1"]
    controllers.extra_env["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb_server.endpoint
    r53 = controllers.route53
    try:
        zone = _fresh(controllers, dynamodb_server)
        external_dns = controllers.external_dns("--once", *args)
        external_dns_records, external_dns_items = record_sets(r53, zone, ZONE), dynamodb_server.items()
        takeover_plan = controllers.zonekeeper("plan", "--detailed-exitcode", *args)
        takeover_run = controllers.zonekeeper("run", "--once", *args)
        takeover_changes, takeover_items = controllers.changes_sent(ZONEKEEPER_KEY), dynamodb_server.items()

        zone = _fresh(controllers, dynamodb_server)
        zonekeeper = controllers.zonekeeper("run", "--once", *args)
        zonekeeper_records, zonekeeper_items = record_sets(r53, zone, ZONE), dynamodb_server.items()
        back_run = controllers.external_dns("--once", *args)
        back_changes, back_items = controllers.changes_sent(EXTERNAL_DNS_KEY), dynamodb_server.items()
    finally:
        controllers.extra_env.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
        r53.reset()
    return Outcome(external_dns, external_dns_records, external_dns_items, takeover_plan, takeover_run,
                   takeover_changes, takeover_items, zonekeeper, zonekeeper_records, zonekeeper_items, back_run,
                   back_changes, back_items)


NAMES = {"ddb-alias.example.com", "ddb-ip.example.com", "ddb-two.example.com", "ddb-v6.example.com"}


def test_external_dns_keeps_ownership_in_the_table(outcome: Outcome) -> None:
    assert outcome.external_dns.code == 0, outcome.external_dns
    assert {r.name for r in outcome.external_dns_records} == NAMES
    assert not [r for r in outcome.external_dns_records if r.type == "TXT"]
    items = outcome.external_dns_items
    assert items["ddb-ip.example.com#A#"] == (OWNER, {"resource": f"service/{NAMESPACE}/ddb-ip"})
    assert len(items) == len(outcome.external_dns_records), items


def test_zonekeeper_takes_over_external_dns_table_with_no_change(outcome: Outcome) -> None:
    assert outcome.takeover_plan.code == 0, outcome.takeover_plan  # --detailed-exitcode: nothing to do
    assert outcome.takeover_run.code == 0, outcome.takeover_run
    assert outcome.takeover_changes == []
    assert outcome.takeover_items == outcome.external_dns_items


def test_zonekeeper_writes_what_external_dns_writes(outcome: Outcome) -> None:
    assert outcome.zonekeeper.code == 0, outcome.zonekeeper
    assert outcome.zonekeeper_records == outcome.external_dns_records
    assert outcome.zonekeeper_items == outcome.external_dns_items


def test_external_dns_takes_over_zonekeeper_table_with_no_change(outcome: Outcome) -> None:
    assert outcome.back_run.code == 0, outcome.back_run
    assert outcome.back_changes == []
    assert outcome.back_items == outcome.zonekeeper_items


@dataclass(frozen=True, slots=True)
class Migration:
    txt_run: Run
    txt_records: frozenset[RecordSet]
    migrate_run: Run
    migrate_changes: list[dict[str, Any]]
    migrated_items: Items
    after_records: frozenset[RecordSet]
    back_run: Run
    back_changes: list[dict[str, Any]]
    back_items: Items


@pytest.fixture(scope="module")
def migration(controllers: Controllers, kube_cluster: KubeCluster, dynamodb_server: DynamoDBServer) -> Migration:
    """external-dns with the TXT registry, then zonekeeper with the DynamoDB registry on its zone, then
    external-dns with the DynamoDB registry on the table zonekeeper filled."""
    kube_cluster.ensure_namespace(NAMESPACE)
    kube_cluster.apply(objects())
    txt_args = shared_args(str(kube_cluster.admin_kubeconfig), NAMESPACE, OWNER)
    ddb_args = [a.replace("--registry=txt", "--registry=dynamodb") for a in txt_args]
    controllers.extra_env["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb_server.endpoint
    r53 = controllers.route53
    try:
        zone = _fresh(controllers, dynamodb_server)
        txt_run = controllers.external_dns("--once", *txt_args)
        txt_records = record_sets(r53, zone, ZONE)
        migrate_run = controllers.zonekeeper("run", "--once", *ddb_args)
        migrate_changes, migrated_items = controllers.changes_sent(ZONEKEEPER_KEY), dynamodb_server.items()
        after_records = record_sets(r53, zone, ZONE)
        sent = len(r53.change_batches)  # external-dns's own TXT-registry run is not counted
        back_run = controllers.external_dns("--once", *ddb_args)
        back_changes = [c for b in r53.change_batches[sent:] for c in b["Changes"] or ()]
        back_items = dynamodb_server.items()
    finally:
        controllers.extra_env.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
        r53.reset()
    return Migration(txt_run, txt_records, migrate_run, migrate_changes, migrated_items, after_records, back_run,
                     back_changes, back_items)


def test_zonekeeper_moves_external_dns_txt_ownership_into_the_table_without_churn(migration: Migration) -> None:
    assert migration.txt_run.code == 0, migration.txt_run
    assert [r for r in migration.txt_records if r.type == "TXT"], migration.txt_records
    assert migration.migrate_run.code == 0, migration.migrate_run
    assert migration.migrate_changes == []  # items inserted; no record rewritten; TXT not managed: kept
    assert migration.after_records == migration.txt_records
    records = {r for r in migration.txt_records if r.type != "TXT"}
    assert len(migration.migrated_items) == len(records), migration.migrated_items
    assert migration.migrated_items["ddb-ip.example.com#A#"] == (OWNER, {"resource": f"service/{NAMESPACE}/ddb-ip"})


def test_external_dns_reads_the_migrated_table_with_no_change(migration: Migration) -> None:
    assert migration.back_run.code == 0, migration.back_run
    assert migration.back_changes == []
    assert migration.back_items == migration.migrated_items

"""Two owner ids on one zone, one per tool: external-dns (owner ``blue``) and zonekeeper (owner ``green``)
never touch each other's records -- not while both want the same name, not when one sees the other's
objects, not when either deletes its own.

Each tool first watches its own namespace, then every namespace (the objects selected by label), so it
wants the other's names too and must leave them alone. Each step compares the other owner's records before and
after, and reads every change the tool sent at the strict layer (by access key id).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.external_dns import (
    EXTERNAL_DNS_KEY,
    ZONEKEEPER_KEY,
    Controllers,
    RecordSet,
    Run,
    changed_keys,
    record_sets,
)
from tests.support.kube import KubeCluster

from .objects import ALB_EU_WEST_1, GA, NLB_US_EAST_1, ZONE, service

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(300)]

BLUE_NS, GREEN_NS = "compat-blue", "compat-green"
LABEL = {"compat-suite": "owners"}
SELECTOR = "--label-filter=compat-suite=owners"
# Each owner's names, by hand. shared.example.com is wanted by both; blue runs first and keeps it.
BLUE_NAMES = {"blue.example.com", "blue-ip.example.com", "shared.example.com"}
GREEN_NAMES = {"green.example.com", "green-ip.example.com", "green-extra.example.com"}
TXT_PREFIXES = ("a-", "aaaa-", "cname-")


def labelled(obj: dict[str, Any]) -> dict[str, Any]:
    obj["metadata"]["labels"] = dict(LABEL)
    return obj


def objects() -> list[dict[str, Any]]:
    h = GA + "hostname"
    return [labelled(o) for o in (
        service("blue-web", BLUE_NS, {h: "blue.example.com"}, NLB_US_EAST_1),
        service("blue-ip", BLUE_NS, {h: "blue-ip.example.com"}, "192.0.2.11"),
        service("shared-blue", BLUE_NS, {h: "shared.example.com"}, "192.0.2.111"),
        service("green-web", GREEN_NS, {h: "green.example.com"}, ALB_EU_WEST_1),
        service("green-ip", GREEN_NS, {h: "green-ip.example.com"}, "192.0.2.22"),
        service("green-extra", GREEN_NS, {h: "green-extra.example.com"}, "192.0.2.23"),
        service("shared-green", GREEN_NS, {h: "shared.example.com"}, "192.0.2.222"),
    )]


def owned_name(record: RecordSet) -> str:
    """The name a record (or its ownership TXT) is about."""
    return about(record.name, record.type)


def about(name: str, record_type: str) -> str:
    if record_type == "TXT":
        for prefix in TXT_PREFIXES:
            if name.startswith(prefix):
                return name.removeprefix(prefix)
    return name


def of(records: frozenset[RecordSet], names: set[str]) -> frozenset[RecordSet]:
    return frozenset(r for r in records if owned_name(r) in names)


def touched(changes: list[dict[str, Any]]) -> set[str]:
    return {about(name, record_type) for name, record_type, _ in changed_keys(changes)}


@dataclass(frozen=True, slots=True)
class Step:
    run: Run
    before: frozenset[RecordSet]
    after: frozenset[RecordSet]
    changes: list[dict[str, Any]]


@pytest.fixture(scope="module")
def steps(controllers: Controllers, kube_cluster: KubeCluster) -> Iterator[dict[str, Step]]:
    for ns in (BLUE_NS, GREEN_NS):
        kube_cluster.ensure_namespace(ns)
    kube_cluster.apply(objects())
    r53 = controllers.route53
    r53.reset()
    zone = r53.create_zone(ZONE)
    kubeconfig = f"--kubeconfig={kube_cluster.admin_kubeconfig}"
    common = ["--provider=aws", "--registry=txt", "--policy=sync", "--source=service", kubeconfig, SELECTOR,
              f"--domain-filter={ZONE}"]
    blue_everywhere = [*common, "--txt-owner-id=blue"]
    blue = [*blue_everywhere, f"--namespace={BLUE_NS}"]
    green_everywhere = [*common, "--txt-owner-id=green"]
    green = [*green_everywhere, f"--namespace={GREEN_NS}"]
    out: dict[str, Step] = {}

    def step(name: str, tool: str, *args: str) -> None:
        before = record_sets(r53, zone, ZONE)
        sent = len(r53.change_batches)
        if tool == "external-dns":
            run, key = controllers.external_dns("--once", *args), EXTERNAL_DNS_KEY
        else:
            run, key = controllers.zonekeeper("run", "--once", *args), ZONEKEEPER_KEY
        changes = [c for b in r53.change_batches[sent:] if b["AccessKeyId"] == key for c in b["Changes"] or ()]
        out[name] = Step(run, before, record_sets(r53, zone, ZONE), changes)

    step("blue creates", "external-dns", *blue)
    step("green creates, wanting blue's names too", "zonekeeper", *green_everywhere)
    # Seeing shared-green too, external-dns adds its target to blue's own shared record (it merges the
    # targets of every object that asks for a name); green's records stay as they are.
    step("blue again, wanting green's names too", "external-dns", *blue_everywhere)
    step("blue a third time", "external-dns", *blue_everywhere)
    step("green again", "zonekeeper", *green_everywhere)
    delete = kube_cluster.dynamic.resources.get(api_version="v1", kind="Service").delete
    delete(name="blue-ip", namespace=BLUE_NS)
    step("blue deletes one of its own", "external-dns", *blue_everywhere)
    delete(name="green-ip", namespace=GREEN_NS)
    step("green deletes one of its own", "zonekeeper", *green)
    yield out
    r53.reset()


def test_each_owner_creates_its_own_and_the_first_keeps_the_shared_name(steps: dict[str, Step]) -> None:
    assert steps["blue creates"].run.code == 0, steps["blue creates"].run
    created = steps["green creates, wanting blue's names too"]
    assert created.run.code == 3, created.run  # done, with refusals: blue's names are blue's
    records = created.after
    assert {owned_name(r) for r in records} == BLUE_NAMES | GREEN_NAMES
    for names, owner in ((BLUE_NAMES, "blue"), (GREEN_NAMES, "green")):
        txt = [r for r in of(records, names) if r.type == "TXT"]
        assert txt and all(f"external-dns/owner={owner}," in r.values[0] for r in txt), txt
    shared = [r for r in records if r.name == "shared.example.com"]
    assert [r.values for r in shared] == [("192.0.2.111",)]


@pytest.mark.parametrize(("step", "others"), [
    ("green creates, wanting blue's names too", BLUE_NAMES),
    ("blue again, wanting green's names too", GREEN_NAMES),
    ("green again", BLUE_NAMES),
    ("blue deletes one of its own", GREEN_NAMES),
    ("green deletes one of its own", BLUE_NAMES),
])
def test_no_run_touches_the_other_owners_records(steps: dict[str, Step], step: str, others: set[str]) -> None:
    s = steps[step]
    assert s.run.code in (0, 3), s.run
    assert of(s.after, others) == of(s.before, others)
    assert of(s.before, others)  # there was something to touch
    assert not touched(s.changes) & others, s.changes


@pytest.mark.parametrize("step", ["blue a third time", "green again"])
def test_a_second_run_sends_nothing(steps: dict[str, Step], step: str) -> None:
    assert steps[step].changes == [], steps[step].changes


@pytest.mark.parametrize(("step", "gone"), [
    ("blue deletes one of its own", "blue-ip.example.com"),
    ("green deletes one of its own", "green-ip.example.com"),
])
def test_deleting_an_object_deletes_only_its_records(steps: dict[str, Step], step: str, gone: str) -> None:
    s = steps[step]
    assert {owned_name(r) for r in s.before} - {owned_name(r) for r in s.after} == {gone}
    assert touched(s.changes) == {gone}
    assert all(c["Action"] == "DELETE" for c in s.changes), s.changes

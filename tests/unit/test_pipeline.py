"""The pass as a whole: zone assignment and the mass-deletion guard."""

from __future__ import annotations

from zonekeeper.endpoint import Endpoint
from zonekeeper.pipeline import Pipeline, PipelineOptions, assign_zones
from zonekeeper.plan import PlanOptions
from zonekeeper.providers.base import Zone
from zonekeeper.providers.inmemory import InMemoryProvider
from zonekeeper.registry.txt import TXTRegistry


def records(n: int) -> list[Endpoint]:
    return [Endpoint.new(f"s{i}.example.com", "A", [f"10.0.0.{i}"], labels={"resource": f"service/ns/s{i}"})
            for i in range(n)]


def pipeline(fraction: float = 0.5) -> tuple[Pipeline, InMemoryProvider]:
    provider = InMemoryProvider(["example.com"])
    registry = TXTRegistry(provider, "me")
    return Pipeline(provider, registry, PipelineOptions(plan=PlanOptions(owner_id="me"),
                                                        max_delete_fraction=fraction)), provider


def test_mass_deletion_is_refused_and_reported() -> None:
    pipe, provider = pipeline()
    assert pipe.run(records(20), apply=True).ok
    result = pipe.run([], apply=True)  # every source object "vanished" at once
    zone = result.zones[0]
    assert zone.guarded and not result.ok
    assert zone.plan.changes == [] and len(zone.plan.withheld) == 20
    assert [p.reason for p in zone.plan.problems] == ["MassDeletionRefused"]
    assert "20 of the 20 records" in zone.plan.problems[0].message
    assert len(provider.records(provider.zones()[0])) == 40  # records and TXTs untouched


def test_ordinary_deletes_pass_the_guard_also_on_incremental_passes() -> None:
    pipe, _ = pipeline()
    assert pipe.run(records(20), apply=True).ok
    remaining = records(20)[3:]
    gone = {f"s{i}.example.com" for i in range(3)}
    result = pipe.run(remaining, apply=True, only_names=gone)
    assert result.ok and len(result.changes) == 3
    # 8 deletions touching only 8 names: weighed against the 20 owned in the zone, not the 8 read.
    more = {f"s{i}.example.com" for i in range(3, 11)}
    result = pipe.run(records(20)[11:], apply=True, only_names=more)
    assert result.ok and len(result.changes) == 8


def test_hold_deletes_plans_but_does_not_delete() -> None:
    pipe, _ = pipeline(fraction=1.0)
    pipe.run(records(2), apply=True)
    result = pipe.run([], apply=True, hold_deletes=True)
    assert result.changes == [] and len(result.zones[0].plan.withheld) == 2
    assert not result.zones[0].guarded


def test_zone_assignment() -> None:
    public = Zone("Z1", "example.com")
    child = Zone("Z2", "dev.example.com")
    private = Zone("Z3", "example.com", private=True)
    eps = [Endpoint.new("a.dev.example.com", "A", ["10.0.0.1"]), Endpoint.new("x.other.org", "A", ["10.0.0.2"]),
           Endpoint.new("p.example.com", "A", ["10.0.0.3"], provider_specific={"aws/hosted-zone-id": "Z3"})]
    by_zone, problems = assign_zones(eps, [public, child, private])
    assert {z.id: [e.name for e in v] for z, v in by_zone.items()} == {
        "Z2": ["a.dev.example.com"], "Z3": ["a.dev.example.com", "p.example.com"]}
    assert [p.reason for p in problems] == ["NoMatchingZone"]

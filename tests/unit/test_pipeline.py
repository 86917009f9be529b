"""The pass as a whole: zone assignment and the mass-deletion guard."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from zonekeeper.changes import Change, ChangeGroup
from zonekeeper.endpoint import Endpoint, Key
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


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_mass_deletion_is_refused_and_reported() -> None:
    pipe, provider = pipeline()
    assert pipe.run(records(20), apply=True).ok
    result = pipe.run([], apply=True)  # every source object "vanished" at once
    zone = result.zones[0]
    assert zone.guarded and not result.ok
    assert zone.plan.changes == [] and len(zone.plan.withheld) == 20
    assert [p.reason for p in zone.plan.problems] == ["MassDeletionRefused"]
    message = zone.plan.problems[0].message
    assert "20 more were asked for" in message and "of the 20 records we own" in message
    assert "docs/troubleshooting.md#mass-deletion-guard" in message
    assert len(provider.records(provider.zones()[0])) == 40  # records and TXTs untouched


def test_deletes_add_up_across_passes_within_the_window() -> None:
    clock = Clock()
    pipe, provider = pipeline()
    pipe.clock = clock
    assert pipe.run(records(20), apply=True).ok
    gone = {f"s{i}.example.com" for i in range(3)}
    result = pipe.run(records(20)[3:], apply=True, only_names=gone)
    assert result.ok and len(result.changes) == 3
    # 6 more deletions touching only 6 names: weighed against the 20 owned in the zone, not the 6 read,
    # and together with the 3 before: 9 of 20, within half.
    clock.now += 60
    more = {f"s{i}.example.com" for i in range(3, 9)}
    result = pipe.run(records(20)[9:], apply=True, only_names=more)
    assert result.ok and len(result.changes) == 6
    # Two more would make 11 of 20 within the hour: held, each small pass notwithstanding.
    clock.now += 60
    result = pipe.run(records(20)[11:], apply=True, only_names={"s9.example.com", "s10.example.com"})
    zone = result.zones[0]
    assert zone.guarded and zone.plan.changes == [] and len(zone.plan.withheld) == 2
    # Once tripped, even a single deletion is held, while creates go on.
    clock.now += 60
    new = Endpoint.new("new.example.com", "A", ["10.1.0.1"], labels={"resource": "service/ns/new"})
    result = pipe.run([*records(20)[12:], new], apply=True,
                      only_names={"s11.example.com", "new.example.com"})
    zone = result.zones[0]
    assert [(c.action.value, c.endpoint.name) for c in zone.plan.changes] == [("create", "new.example.com")]
    assert [c.endpoint.name for c in zone.plan.withheld] == ["s11.example.com"]
    assert zone.guard is not None and zone.guard.state.held == {Key("s9.example.com", "A"), Key("s10.example.com", "A"),
                                                  Key("s11.example.com", "A")}
    names = {k.name for k in provider.records(provider.zones()[0]) if k.type == "A"}
    assert names == {f"s{i}.example.com" for i in range(9, 20)} | {"new.example.com"}


def test_the_window_slides() -> None:
    clock = Clock()
    pipe, provider = pipeline()
    pipe.clock = clock
    assert pipe.run(records(20), apply=True).ok
    # 2 deletions every half hour: 14 of 20 in all, but never more than 4 within an hour, of the 12 or
    # more we owned when that hour began.
    for step in range(7):
        clock.now += 1800
        result = pipe.run(records(20)[2 * (step + 1):], apply=True)
        assert result.ok and len(result.changes) == 2, (step, result.all_problems)
    assert len([k for k in provider.records(provider.zones()[0]) if k.type == "A"]) == 6
    # Without the window sliding, the same deletions trip the guard.
    pipe, _ = pipeline()
    pipe.clock = clock
    assert pipe.run(records(20), apply=True).ok
    oks = []
    for step in range(7):
        clock.now += 1
        oks.append(pipe.run(records(20)[2 * (step + 1):], apply=True).ok)
    assert oks == [True] * 5 + [False] * 2


def test_a_tripped_guard_releases_when_nothing_is_left_to_delete() -> None:
    pipe, _ = pipeline()
    assert pipe.run(records(20), apply=True).ok
    assert pipe.run([], apply=True).zones[0].guarded
    # An incremental pass that sees nothing to delete proves nothing about the rest of the zone.
    result = pipe.run(records(20), apply=True, only_names={"s0.example.com"})
    decision = result.zones[0].guard
    assert not result.zones[0].guarded and decision is not None and decision.state.trip is not None
    # The objects came back: a full pass finds nothing to delete, and the guard lets go.
    result = pipe.run(records(20), apply=True)
    decision = result.zones[0].guard
    assert decision is not None and decision.released and decision.state.trip is None
    result = pipe.run(records(20)[1:], apply=True)
    assert result.ok and len(result.changes) == 1


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


def test_a_record_pinned_to_a_zone_that_does_not_contain_its_name_goes_nowhere() -> None:
    # aws/hosted-zone-id names a managed zone, but not one the name is in: writing it there would make
    # a record Route 53 refuses (or, in a parent zone, one that answers for nobody).
    zones = [Zone("Z1", "example.com"), Zone("Z2", "example.org")]
    eps = [Endpoint.new("a.example.com", "A", ["10.0.0.1"], provider_specific={"aws/hosted-zone-id": "Z2"}),
           Endpoint.new("b.example.com", "A", ["10.0.0.2"], provider_specific={"aws/hosted-zone-id": "Z9"}),
           Endpoint.new("c.example.org", "A", ["10.0.0.3"],
                        provider_specific={"aws/hosted-zone-id": "/hostedzone/Z2"})]
    by_zone, problems = assign_zones(eps, zones)
    assert {z.id: [e.name for e in v] for z, v in by_zone.items()} == {"Z2": ["c.example.org"]}
    assert [(p.reason, p.message) for p in problems] == [
        ("ZoneNotManaged", f"{eps[0].key}: hosted zone Z2 is not managed or does not contain the name"),
        ("ZoneNotManaged", f"{eps[1].key}: hosted zone Z9 is not managed or does not contain the name")]


def test_a_ptr_outside_every_managed_reverse_zone_is_left_out_silently() -> None:
    reverse = Zone("Z9", "2.0.192.in-addr.arpa")
    eps = [Endpoint.new("1.2.0.192.in-addr.arpa", "PTR", ["web.example.com"]),
           Endpoint.new("7.113.0.203.in-addr.arpa", "PTR", ["web.example.com"])]
    by_zone, problems = assign_zones(eps, [Zone("Z1", "example.com"), reverse])
    assert {z.id: [e.name for e in v] for z, v in by_zone.items()} == {"Z9": ["1.2.0.192.in-addr.arpa"]}
    assert problems == []


def test_a_rebuilt_pipeline_keeps_the_trip() -> None:
    pipe, provider = pipeline()
    assert pipe.run(records(20), apply=True).ok
    assert pipe.run([], apply=True).zones[0].guarded
    rebuilt = Pipeline(provider, TXTRegistry(provider, "me"), pipe.options)
    rebuilt.carry_guard(pipe)  # `run --from-file` rebuilds the wiring every --interval
    result = rebuilt.run(records(20)[2:], apply=True)
    assert result.zones[0].guarded and result.changes == []


def test_a_full_pass_takes_external_dns_census_and_an_incremental_one_does_not() -> None:
    pipe, provider = pipeline()
    zone = provider.zones()[0]
    foreign = Endpoint.new("taken.example.com", "A", ["10.9.9.9"])  # no owner: someone else's
    provider.apply(zone, [ChangeGroup(foreign.name, [Change.create(foreign)])])
    desired = [*records(2), Endpoint.new("taken.example.com", "AAAA", ["2001:db8::9"],
                                         labels={"resource": "service/ns/t"}), records(1)[0]]
    first = pipe.run(desired, apply=True)
    assert first.census is not None
    # Every endpoint the sources gave, duplicates included (external-dns counts before the plan).
    assert first.census.source_by_type == {"a": 3, "aaaa": 1}
    # Read before the pass applied anything: only the foreign record (ownership TXTs are not records).
    assert first.census.registry_by_type == {"a": 1}
    assert first.census.verified_by_type == {}
    assert first.census.owner_mismatch == {("a", "me", "", "example.com"): 1}
    second = pipe.run(desired, apply=True)
    assert second.census is not None and second.census.registry_by_type == {"a": 3}
    assert second.census.verified_by_type == {"a": 3}
    assert pipe.run(desired, apply=True, only_names={"s0.example.com"}).census is None


@given(st.lists(st.sampled_from(["a", "b", "example", "com", "ex-ample", "xample"]), min_size=1, max_size=4),
       st.lists(st.tuples(st.lists(st.sampled_from(["a", "b", "example", "com", "xample"]), min_size=1, max_size=3),
                          st.booleans()), max_size=6))
def test_zones_are_matched_by_name_suffix_exactly_as_zone_contains_says(labels: list[str],
                                                                        specs: list[tuple[list[str], bool]]) -> None:
    name = ".".join(labels)
    zones = [Zone(f"Z{i}", ".".join(parts), private=private) for i, (parts, private) in enumerate(specs)]
    by_zone, problems = assign_zones([Endpoint.new(name, "A", ["192.0.2.1"])], zones)
    matching = [z for z in zones if z.contains(name)]
    public = [z for z in matching if not z.private]
    expected = [z.id for z in matching if z.private] + ([max(public, key=lambda z: len(z.name)).id] if public else [])
    assert [zone.id for zone in by_zone] == expected
    assert len(problems) == (0 if expected else 1)


def test_matching_private_zones_keep_the_order_they_were_given_in() -> None:
    zones = [Zone("Z0", "example.com", private=True), Zone("Z1", "a.example.com", private=True),
             Zone("Z2", "example.com")]
    by_zone, _ = assign_zones([Endpoint.new("www.a.example.com", "A", ["192.0.2.1"])], zones)
    assert [zone.id for zone in by_zone] == ["Z0", "Z1", "Z2"]

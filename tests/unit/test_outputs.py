"""The controller's outputs index against the plain scan it replaces (every object's endpoints, filtered)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from zonekeeper.endpoint import Endpoint, Problem
from zonekeeper.outputs import Outputs
from zonekeeper.sources.base import SourceResult

NAMES = [f"n{i}.example.com" for i in range(5)]
KEYS = [("service", "ns", f"s{i}") for i in range(4)]


def result(names: list[str], problem: bool, tag: int) -> SourceResult:
    eps = [Endpoint.new(n, "A", [f"10.0.{tag}.{i}"]) for i, n in enumerate(names)]
    problems = [Problem(f"service/ns/p{tag}", "Bad", f"bad {tag}")] if problem else []
    return SourceResult(endpoints=eps, problems=problems)


ops = st.lists(st.tuples(st.sampled_from(KEYS), st.none() | st.tuples(
    st.lists(st.sampled_from(NAMES), max_size=3), st.booleans())), max_size=30)


@settings(max_examples=200, deadline=None)
@given(ops, st.sets(st.sampled_from(NAMES)))
def test_the_index_finds_what_a_scan_of_every_object_finds(steps: list, asked: set[str]) -> None:
    outputs, plain = Outputs(), {}
    for tag, (key, value) in enumerate(steps):
        if value is None:
            assert outputs.pop(key, None) == plain.pop(key, None)
        else:
            outputs[key] = plain[key] = result(value[0], value[1], tag)
    assert dict(outputs) == plain and len(outputs) == len(plain)
    scanned = [e for out in plain.values() for e in out.endpoints if e.name in asked]
    assert Counter(outputs.endpoints_at(asked)) == Counter(scanned)
    assert outputs.problems() == [p for key in sorted(plain) for p in plain[key].problems]


def test_replacing_an_object_forgets_its_old_names_and_problems() -> None:
    outputs = Outputs()
    key = KEYS[0]
    outputs[key] = result([NAMES[0]], True, 1)
    outputs[key] = result([NAMES[1]], False, 2)
    assert outputs.endpoints_at({NAMES[0]}) == []
    assert [e.name for e in outputs.endpoints_at({NAMES[0], NAMES[1]})] == [NAMES[1]]
    assert outputs.problems() == []
    del outputs[key]
    assert outputs.endpoints_at(set(NAMES)) == [] and key not in outputs


def test_a_name_held_by_one_object_costs_no_set() -> None:
    # 100,000 Services, a name each: a set per name was 21 MB of the controller's heap.
    outputs = Outputs()
    one, other = KEYS[0], KEYS[1]
    outputs[one] = SourceResult(endpoints=[Endpoint.new(NAMES[0], "A", ["10.0.0.1"]),
                                           Endpoint.new(NAMES[0], "AAAA", ["2001:db8::1"])])
    assert outputs._by_name == {NAMES[0]: one}
    outputs[other] = result([NAMES[0]], False, 2)
    assert outputs._by_name == {NAMES[0]: {one, other}}
    del outputs[one]
    assert outputs._by_name == {NAMES[0]: other}
    assert [e.targets for e in outputs.endpoints_at({NAMES[0]})] == [("10.0.2.0",)]
    del outputs[other]
    assert outputs._by_name == {}

"""The planner on plain data: ownership, conflicts, policies, and the properties that keep it safe."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from zonekeeper.changes import Action, Change
from zonekeeper.endpoint import Endpoint, Key, Problem
from zonekeeper.plan import PlanOptions, Policy, calculate

OWNER = "cluster-a"
OPTS = PlanOptions(owner_id=OWNER)


def ep(name: str, rtype: str = "A", *targets: str, ttl: int = 300, setid: str = "", resource: str = "",
       owner: str | None = None, props: dict[str, str] | None = None) -> Endpoint:
    labels = {}
    if resource:
        labels["resource"] = resource
    if owner:
        labels["owner"] = owner
    return Endpoint.new(name, rtype, targets or ("1.2.3.4",), ttl=ttl, set_identifier=setid,
                        labels=labels, provider_specific=props)


def actions(plan: object) -> list[tuple[str, str, str]]:
    return sorted((c.action.value, c.endpoint.name, c.endpoint.type) for c in plan.changes)  # type: ignore[attr-defined]


def test_create_when_name_is_free() -> None:
    plan = calculate([], [ep("app.example.com", resource="service/default/app")], OPTS)
    assert actions(plan) == [("create", "app.example.com", "A")]
    created = plan.changes[0].new
    assert created is not None and created.owner == OWNER and created.resource == "service/default/app"


def test_unchanged_records_give_no_changes() -> None:
    current = [ep("app.example.com", owner=OWNER, resource="service/default/app")]
    desired = [ep("app.example.com", resource="service/default/app")]
    assert calculate(current, desired, OPTS).changes == []


def test_update_of_owned_record_keeps_exact_old_record() -> None:
    current = ep("app.example.com", "A", "1.1.1.1", owner=OWNER, resource="service/default/app")
    plan = calculate([current], [ep("app.example.com", "A", "2.2.2.2", resource="service/default/app")], OPTS)
    assert len(plan.changes) == 1
    change = plan.changes[0]
    assert change.action is Action.UPDATE and change.old == current
    assert change.new is not None and change.new.targets == ("2.2.2.2",) and change.new.owner == OWNER


def test_ttl_change_is_an_update() -> None:
    current = ep("app.example.com", owner=OWNER, resource="r", ttl=300)
    assert actions(calculate([current], [ep("app.example.com", ttl=60, resource="r")], OPTS)) == [
        ("update", "app.example.com", "A")
    ]


def test_delete_only_owned_records() -> None:
    mine = ep("mine.example.com", owner=OWNER, resource="r")
    theirs = ep("theirs.example.com", owner="cluster-b")
    nobody = ep("manual.example.com")
    plan = calculate([mine, theirs, nobody], [], OPTS)
    assert actions(plan) == [("delete", "mine.example.com", "A")]


def test_foreign_record_is_never_updated_and_reported() -> None:
    theirs = ep("app.example.com", "A", "9.9.9.9", owner="cluster-b")
    plan = calculate([theirs], [ep("app.example.com", "A", "1.1.1.1", resource="service/default/app")], OPTS)
    assert plan.changes == []
    assert [p.reason for p in plan.problems] == ["OwnedByOther"]
    assert "cluster-b" in plan.problems[0].message and plan.problems[0].subject == "service/default/app"


def test_unowned_record_blocks_new_types_at_its_name() -> None:
    manual = ep("app.example.com", "A", "9.9.9.9")
    plan = calculate([manual], [ep("app.example.com", "AAAA", "::1", resource="service/default/app")], OPTS)
    assert plan.changes == []
    assert plan.problems[0].reason == "OwnedByOther"
    assert "not owned" in plan.problems[0].message


def test_foreign_set_identified_records_may_share_a_name() -> None:
    theirs = ep("app.example.com", setid="cluster-b", owner="cluster-b", props={"aws/weight": "1"})
    mine = ep("app.example.com", setid="cluster-a", resource="service/default/app", props={"aws/weight": "1"})
    assert actions(calculate([theirs], [mine], OPTS)) == [("create", "app.example.com", "A")]


def test_plain_record_beside_foreign_weighted_records_is_refused() -> None:
    theirs = ep("app.example.com", setid="cluster-b", owner="cluster-b", props={"aws/weight": "1"})
    plan = calculate([theirs], [ep("app.example.com", resource="service/default/app")], OPTS)
    assert plan.changes == [] and plan.problems[0].reason == "OwnedByOther"


def test_cname_not_created_beside_foreign_address_record() -> None:
    theirs = ep("app.example.com", "A", setid="b", owner="cluster-b", props={"aws/weight": "1"})
    mine = ep("app.example.com", "CNAME", "lb.example.org", setid="a", props={"aws/weight": "1"}, resource="r")
    plan = calculate([theirs], [mine], OPTS)
    assert plan.changes == [] and plan.problems[0].reason == "OwnedByOther"


def test_blocked_keys_are_never_touched() -> None:
    mine = ep("app.example.com", owner=OWNER, resource="r")
    blocked = {Key("app.example.com", "A"): "several ownership TXT records claim this record"}
    plan = calculate([mine], [ep("app.example.com", "A", "5.5.5.5", resource="r")], OPTS, blocked)
    assert plan.changes == [] and plan.problems[0].reason == "OwnershipUnclear"
    assert calculate([mine], [], OPTS, blocked).changes == []
    # A blocked record nobody asks for is skipped, and the records after it are still planned.
    gone = ep("gone.example.com", owner=OWNER, resource="r")
    assert actions(calculate([mine, gone], [], OPTS, blocked)) == [("delete", "gone.example.com", "A")]


def test_contested_keys_are_reported_also_when_nothing_asks_for_them() -> None:
    record = ep("app.example.com")  # blocked records carry no owner: nothing may act on them
    blocked = {Key("app.example.com", "A"): "the TXT records claiming this record disagree"}
    contested = {Key("app.example.com", "A"): "service/default/app"}
    gone = calculate([record], [], OPTS, blocked, contested)
    assert gone.changes == []
    assert gone.problems == [Problem("service/default/app", "OwnershipUnclear",
                                     "app.example.com A: the TXT records claiming this record disagree")]
    # Still asked for: reported once, against the object asking.
    wanted = calculate([record], [ep("app.example.com", "A", "5.5.5.5", resource="service/x/y")], OPTS, blocked,
                       contested)
    assert wanted.changes == [] and [p.subject for p in wanted.problems] == ["service/x/y"]
    # Blocked for someone else's reasons only (not contested with us): nothing to say when not asked.
    assert calculate([record], [], OPTS, blocked).problems == []


def test_conflict_is_resolved_by_current_owner_then_name() -> None:
    # Of two sources (one source's objects share the record: test_plan_rules).
    a = ep("app.example.com", "A", "1.1.1.1", resource="ingress/ns/a")
    b = ep("app.example.com", "A", "2.2.2.2", resource="service/ns/b")
    fresh = calculate([], [b, a], OPTS)
    assert fresh.changes[0].new is not None and fresh.changes[0].new.resource == "ingress/ns/a"
    assert [p.subject for p in fresh.problems] == ["service/ns/b"]
    # b already owns the record: it keeps it (sticky), whatever the order.
    current = ep("app.example.com", "A", "2.2.2.2", owner=OWNER, resource="service/ns/b")
    sticky = calculate([current], [a, b], OPTS)
    assert sticky.changes == []
    assert [p.subject for p in sticky.problems] == ["ingress/ns/a"]


def test_cname_loses_to_address_records_for_the_same_name() -> None:
    a = ep("app.example.com", "A", "1.1.1.1", resource="ingress/ns/a")
    c = ep("app.example.com", "CNAME", "x.example.org", resource="ingress/ns/c")
    plan = calculate([], [a, c], OPTS)
    assert actions(plan) == [("create", "app.example.com", "A")]
    assert plan.problems[0].subject == "ingress/ns/c"


def test_cname_to_a_swap_deletes_and_creates() -> None:
    current = ep("app.example.com", "CNAME", "old.example.org", owner=OWNER, resource="r")
    plan = calculate([current], [ep("app.example.com", "A", "1.1.1.1", resource="r")], OPTS)
    assert actions(plan) == [("create", "app.example.com", "A"), ("delete", "app.example.com", "CNAME")]


def test_force_update_rewrites_unchanged_record() -> None:
    current = ep("app.example.com", owner=OWNER, resource="r")
    assert actions(calculate([current], [ep("app.example.com", resource="r")], OPTS, force_update={current.key})) == [
        ("update", "app.example.com", "A")
    ]


def test_resource_takeover_updates_ownership() -> None:
    current = ep("app.example.com", owner=OWNER, resource="service/ns/old")
    plan = calculate([current], [ep("app.example.com", resource="service/ns/new")], OPTS)
    assert plan.changes[0].action is Action.UPDATE
    assert plan.changes[0].new is not None and plan.changes[0].new.resource == "service/ns/new"


def test_unmanaged_types_are_ignored() -> None:
    txt = ep("app.example.com", "TXT", '"hello"', owner=OWNER)
    assert calculate([txt], [], OPTS).changes == []
    excluded = PlanOptions(owner_id=OWNER, exclude_types=("AAAA",))
    assert calculate([], [ep("x.example.com", "AAAA", "::1")], excluded).changes == []


def test_policies() -> None:
    current = [ep("upd.example.com", "A", "1.1.1.1", owner=OWNER, resource="r"),
               ep("del.example.com", owner=OWNER, resource="r")]
    desired = [ep("upd.example.com", "A", "2.2.2.2", resource="r"), ep("new.example.com", resource="r")]
    sync = calculate(current, desired, PlanOptions(owner_id=OWNER, policy=Policy.SYNC))
    upsert = calculate(current, desired, PlanOptions(owner_id=OWNER, policy=Policy.UPSERT_ONLY))
    create = calculate(current, desired, PlanOptions(owner_id=OWNER, policy=Policy.CREATE_ONLY))
    assert [c.action.value for c in sync.changes] == ["delete", "create", "update"]
    assert sorted(c.action.value for c in upsert.changes) == ["create", "update"]
    assert [c.action.value for c in create.changes] == ["create"]
    assert sorted(c.action.value for c in create.withheld) == ["delete", "update"]


def test_noop_registry_owns_everything() -> None:
    manual = ep("manual.example.com")
    plan = calculate([manual], [], PlanOptions(owner_id=""))
    assert actions(plan) == [("delete", "manual.example.com", "A")]


# -- properties ---------------------------------------------------------------------------------

NAMES = st.sampled_from(["a.example.com", "b.example.com", "c.example.com", "example.com"])
TYPES = st.sampled_from(["A", "AAAA", "CNAME"])
OWNERS = st.sampled_from([OWNER, "cluster-b", ""])
RESOURCES = st.sampled_from(["service/ns/x", "service/ns/y", "ingress/ns/z"])
SETIDS = st.sampled_from(["", "", "one"])


def _target(rtype: str, n: int) -> str:
    return {"A": f"10.0.0.{n}", "AAAA": f"fd00::{n}", "CNAME": f"t{n}.example.org"}[rtype]


@st.composite
def endpoints(draw: st.DrawFn, with_owner: bool) -> list[Endpoint]:
    out: dict[Key, Endpoint] = {}
    for _ in range(draw(st.integers(0, 8))):
        rtype = draw(TYPES)
        setid = draw(SETIDS)
        props = {"aws/weight": "1"} if setid else {}
        e = Endpoint.new(draw(NAMES), rtype, [_target(rtype, draw(st.integers(1, 3)))],
                         ttl=draw(st.sampled_from([60, 300])), set_identifier=setid, provider_specific=props,
                         labels={"resource": draw(RESOURCES)})
        if with_owner:
            owner = draw(OWNERS)
            e = e.with_labels(owner=owner or None)
        out[e.key] = e
    return list(out.values())


def apply_changes(current: list[Endpoint], changes: list[Change]) -> list[Endpoint]:
    state = {e.key: e for e in current}
    for c in changes:
        if c.old is not None:
            assert state.get(c.old.key) == c.old, "update/delete must name the record exactly as it is"
            del state[c.old.key]
        if c.new is not None:
            assert c.new.key not in state, "create must not overwrite"
            state[c.new.key] = c.new
    return list(state.values())


@settings(max_examples=300, deadline=None)
@given(endpoints(with_owner=True), endpoints(with_owner=False), st.sampled_from(list(Policy)))
def test_properties(current: list[Endpoint], desired: list[Endpoint], policy: Policy) -> None:
    options = PlanOptions(owner_id=OWNER, policy=policy)
    plan = calculate(current, desired, options)

    for change in plan.changes:
        # Foreign and unowned records are never in a change.
        if change.old is not None:
            assert change.old.owner == OWNER
        # Policies never go beyond what they allow.
        assert policy.allows(change.action)
        if change.new is not None:
            assert change.new.owner == OWNER

    # Applying the plan then planning again gives nothing (no perpetual diffs, no flapping).
    after = apply_changes(current, plan.changes)
    second = calculate(after, desired, options)
    assert second.changes == [], second.changes


@settings(max_examples=200, deadline=None)
@given(endpoints(with_owner=False))
def test_order_of_desired_does_not_matter(desired: list[Endpoint]) -> None:
    forward = calculate([], desired, OPTS)
    backward = calculate([], list(reversed(desired)), OPTS)
    assert forward.changes == backward.changes


def test_the_record_that_blocks_a_create_is_reported_as_skipped() -> None:
    # external-dns's owner-mismatch gauge counts the foreign records that keep a create away; an
    # update refused because the record is foreign is not such a case.
    manual = ep("app.example.com", "A", "9.9.9.9")
    plan = calculate([manual], [ep("app.example.com", "AAAA", "::1", resource="service/default/app")], OPTS)
    assert plan.skipped == [manual]
    theirs = ep("app.example.com", "A", "9.9.9.9", owner="cluster-b")
    plan = calculate([theirs], [ep("app.example.com", "A", "1.1.1.1", resource="service/default/app")], OPTS)
    assert plan.skipped == []
    assert calculate([], [ep("app.example.com")], OPTS).skipped == []


def test_managed_record_types_leave_out_the_excluded() -> None:
    assert PlanOptions(managed_types=("A", "AAAA", "TXT"), exclude_types=("AAAA",)).managed == ("A", "TXT")

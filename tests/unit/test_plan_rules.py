"""Planner rules the broader planner tests leave implicit, each on a small hand-made zone."""

from __future__ import annotations

from zonekeeper.changes import Action
from zonekeeper.endpoint import Endpoint, Key
from zonekeeper.plan import Plan, PlanOptions, Policy, calculate

OWNER = "cluster-a"
OPTS = PlanOptions(owner_id=OWNER)


def ep(name: str, rtype: str = "A", *targets: str, setid: str = "", resource: str = "", owner: str = "",
       props: dict[str, str] | None = None) -> Endpoint:
    labels = {k: v for k, v in (("resource", resource), ("owner", owner)) if v}
    return Endpoint.new(name, rtype, targets or ("192.0.2.1",), ttl=300, set_identifier=setid, labels=labels,
                        provider_specific=props)


def acts(plan: Plan) -> list[tuple[str, str, str, str]]:
    return [(c.action.value, c.endpoint.name, c.endpoint.type, c.endpoint.set_identifier) for c in plan.changes]


def test_managed_types_minus_excluded_ones() -> None:
    options = PlanOptions(managed_types=("A", "AAAA", "TXT"), exclude_types=("AAAA",))
    assert options.manages("A") and options.manages("TXT")
    assert not options.manages("AAAA")  # listed but excluded
    assert not options.manages("CNAME")  # not listed
    assert not PlanOptions(managed_types=("A",), exclude_types=("A",)).manages("A")


def test_plan_counts_its_changes_by_action() -> None:
    current = [ep("old.example.com", owner=OWNER, resource="r"), ep("upd.example.com", owner=OWNER, resource="r")]
    desired = [ep("new1.example.com", resource="r"), ep("new2.example.com", resource="r"),
               ep("upd.example.com", "A", "192.0.2.9", resource="r")]
    plan = calculate(current, desired, OPTS)
    assert (plan.count(Action.CREATE), plan.count(Action.UPDATE), plan.count(Action.DELETE)) == (2, 1, 1)


def test_without_an_owner_id_every_record_is_ours() -> None:
    # The noop registry: no ownership at all, as in external-dns's --registry=noop.
    foreign = ep("gone.example.com", owner="someone-else")
    changed = ep("app.example.com", "A", "192.0.2.1", owner="someone-else")
    unowned = ep("bare.example.com")
    plan = calculate([foreign, changed, unowned], [ep("app.example.com", "A", "192.0.2.2")], PlanOptions())
    assert sorted(acts(plan)) == [("delete", "bare.example.com", "A", ""), ("delete", "gone.example.com", "A", ""),
                                  ("update", "app.example.com", "A", "")]
    assert plan.problems == []


def test_unmanaged_desired_types_are_skipped_without_stopping_the_rest() -> None:
    desired = [ep("t.example.com", "TXT", '"x"', resource="r"), ep("a.example.com", resource="r"),
               ep("m.example.com", "MX", "10 mail.example.com", resource="r"), ep("b.example.com", resource="r")]
    assert acts(calculate([], desired, OPTS)) == [("create", "a.example.com", "A", ""),
                                                 ("create", "b.example.com", "A", "")]


def test_an_unchanged_key_does_not_stop_the_planning_of_the_next() -> None:
    current = [ep("a.example.com", owner=OWNER, resource="r"), ep("b.example.com", owner=OWNER, resource="r")]
    desired = [ep("a.example.com", resource="r"), ep("b.example.com", "A", "192.0.2.7", resource="r"),
               ep("c.example.com", resource="r")]
    assert acts(calculate(current, desired, OPTS)) == [("update", "b.example.com", "A", ""),
                                                      ("create", "c.example.com", "A", "")]


def test_a_change_of_provider_specific_properties_alone_is_an_update() -> None:
    current = [ep("w.example.com", setid="blue", owner=OWNER, resource="r", props={"aws/weight": "10"})]
    desired = [ep("w.example.com", setid="blue", resource="r", props={"aws/weight": "20"})]
    plan = calculate(current, desired, OPTS)
    assert acts(plan) == [("update", "w.example.com", "A", "blue")]
    assert plan.changes[0].new is not None and plan.changes[0].new.prop("aws/weight") == "20"


def test_a_blocked_key_is_reported_and_the_next_keys_still_planned() -> None:
    blocked = {Key("a.example.com", "A"): "several ownership TXT records claim this record"}
    desired = [ep("a.example.com"), ep("b.example.com", resource="service/x/b")]
    plan = calculate([], desired, OPTS, blocked)
    assert acts(plan) == [("create", "b.example.com", "A", "")]
    # Without a resource the record itself is the subject.
    assert [(p.subject, p.reason, p.message) for p in plan.problems] == [
        ("a.example.com A", "OwnershipUnclear", "a.example.com A: several ownership TXT records claim this record")]


def test_a_blocked_current_record_is_not_deleted() -> None:
    blocked = {Key("a.example.com", "A"): "unclear"}
    assert calculate([ep("a.example.com", owner=OWNER)], [], OPTS, blocked).changes == []


def test_cname_beside_address_records_is_a_conflict_and_dropped() -> None:
    desired = [ep("x.example.com", "CNAME", "lb.example.org", resource="ingress/a/x"),
               ep("x.example.com", "A", "192.0.2.1", resource="service/a/x")]
    plan = calculate([], desired, OPTS)
    assert acts(plan) == [("create", "x.example.com", "A", "")]
    assert [(p.subject, p.reason) for p in plan.problems] == [("ingress/a/x", "Conflict")]
    assert "CNAME x.example.com conflicts with address records" in plan.problems[0].message


def test_problems_and_withheld_changes_come_sorted() -> None:
    current = [ep("z.example.com", owner=OWNER, resource="r"), ep("y.example.com", owner=OWNER, resource="r")]
    desired = [ep("b.example.com", resource="service/b/b"), ep("a.example.com", resource="service/a/a")]
    taken = [ep("b.example.com", owner="other"), ep("a.example.com", owner="other")]
    plan = calculate(current + taken, desired, PlanOptions(owner_id=OWNER, policy=Policy.CREATE_ONLY))
    assert [p.subject for p in plan.problems] == ["service/a/a", "service/b/b"]
    assert [(c.action.value, c.endpoint.name) for c in plan.withheld] == [("delete", "y.example.com"),
                                                                         ("delete", "z.example.com")]


def test_a_foreign_record_after_one_of_ours_still_blocks_a_create() -> None:
    # At the name: our plain AAAA, then someone else's set-identified CNAME. A weighted A may sit beside
    # other owners' weighted records, but never beside a CNAME.
    at_name = [ep("w.example.com", "AAAA", "2001:db8::1", owner=OWNER, resource="r"),
               ep("w.example.com", "CNAME", "elsewhere.example.org", setid="s0", owner="other")]
    desired = [ep("w.example.com", "AAAA", "2001:db8::1", resource="r"),
               ep("w.example.com", "A", "192.0.2.1", setid="s2", resource="r", props={"aws/weight": "1"})]
    plan = calculate(at_name, desired, OPTS)
    assert plan.changes == []
    assert [p.reason for p in plan.problems] == ["OwnedByOther"]
    assert plan.problems[0].message == (
        "cannot create w.example.com A [s2]: w.example.com already has a CNAME record [s0] owned by 'other'")


def test_set_identified_records_of_other_owners_do_not_block() -> None:
    at_name = [ep("w.example.com", "A", "192.0.2.9", setid="theirs", owner="other", props={"aws/weight": "1"})]
    desired = [ep("w.example.com", "A", "192.0.2.1", setid="ours", resource="r", props={"aws/weight": "1"})]
    assert acts(calculate(at_name, desired, OPTS)) == [("create", "w.example.com", "A", "ours")]


def test_a_record_nobody_owns_is_described_so() -> None:
    plan = calculate([ep("n.example.com", "AAAA", "2001:db8::2")], [ep("n.example.com", resource="r")], OPTS)
    assert [p.message for p in plan.problems] == [
        "cannot create n.example.com A: n.example.com already has a AAAA record not owned by any "
        "zonekeeper/external-dns instance"]


def test_identical_requests_from_several_resources_are_no_conflict() -> None:
    desired = [ep("s.example.com", resource="service/a/one"), ep("s.example.com", resource="service/b/two")]
    plan = calculate([], desired, OPTS)
    assert plan.problems == []
    assert [(c.endpoint.name, c.endpoint.resource) for c in plan.changes] == [("s.example.com", "service/a/one")]


def test_differing_requests_of_several_sources_keep_the_smallest_resource_and_report_the_others() -> None:
    desired = [ep("s.example.com", "A", "192.0.2.2", resource="service/b/two"),
               ep("s.example.com", "A", "192.0.2.1", resource="ingress/a/one"),
               ep("s.example.com", "A", "192.0.2.3", resource="node/three")]
    plan = calculate([], desired, OPTS)
    assert [(c.endpoint.targets, c.endpoint.resource) for c in plan.changes] == [(("192.0.2.1",), "ingress/a/one")]
    assert [(p.subject, p.reason, p.message) for p in plan.problems] == [
        ("node/three", "Conflict",
         "s.example.com A is also requested by ingress/a/one, which keeps it; this request is ignored"),
        ("service/b/two", "Conflict",
         "s.example.com A is also requested by ingress/a/one, which keeps it; this request is ignored")]


def test_the_resource_that_owns_the_record_keeps_it() -> None:
    current = [ep("s.example.com", "A", "192.0.2.2", owner=OWNER, resource="ingress/b/two")]
    desired = [ep("s.example.com", "A", "192.0.2.1", resource="service/a/one"),
               ep("s.example.com", "A", "192.0.2.2", resource="ingress/b/two")]
    plan = calculate(current, desired, OPTS)
    assert plan.changes == []
    assert [(p.subject, p.reason) for p in plan.problems] == [("service/a/one", "Conflict")]


def test_one_source_s_objects_asking_for_one_record_share_it_as_external_dns_merges() -> None:
    """endpoint.MergeEndpoints: same name, type, set identifier and TTL within a source -> one record
    set with every target; the owning resource (else the smallest) labels it, nobody is reported."""
    desired = [ep("s.example.com", "A", "192.0.2.2", resource="service/b/two"),
               ep("s.example.com", "A", "192.0.2.1", "192.0.2.2", resource="service/a/one"),
               ep("s.example.com", "A", "192.0.2.3", resource="service/c/three")]
    plan = calculate([], desired, OPTS)
    assert plan.problems == []
    assert [(c.endpoint.targets, c.endpoint.resource) for c in plan.changes] == [
        (("192.0.2.1", "192.0.2.2", "192.0.2.3"), "service/a/one")]
    current = [ep("s.example.com", "A", "192.0.2.1", "192.0.2.2", "192.0.2.3", owner=OWNER, resource="service/c/three")]
    assert calculate(current, desired, OPTS).changes == []  # the owner keeps its label: no churn


def test_requests_external_dns_does_not_merge_stay_conflicts() -> None:
    def other_ttl(e: Endpoint) -> Endpoint:
        return e.evolve(ttl=60)

    one = ep("s.example.com", "A", "192.0.2.1", resource="service/a/one")
    for other in (other_ttl(ep("s.example.com", "A", "192.0.2.2", resource="service/b/two")),   # another TTL
                  ep("s.example.com", "A", "192.0.2.2", resource="service/b/two", props={"aws/weight": "1"}),
                  ep("s.example.com", "A", "lb.example.org", resource="service/b/two", props={"alias": "true"})):
        plan = calculate([], [one, other], OPTS)
        assert [c.endpoint.targets for c in plan.changes] == [("192.0.2.1",)], other
        assert [(p.subject, p.reason) for p in plan.problems] == [("service/b/two", "Conflict")], other
    cnames = [ep("c.example.com", "CNAME", "a.example.org", resource="service/a/one"),
              ep("c.example.com", "CNAME", "b.example.org", resource="service/b/two")]
    assert [c.endpoint.targets for c in calculate([], cnames, OPTS).changes] == [("a.example.org",)]


def test_ptr_requests_merge_across_sources() -> None:
    desired = [ep("1.2.0.192.in-addr.arpa", "PTR", "web.example.com", resource="service/a/web"),
               ep("1.2.0.192.in-addr.arpa", "PTR", "shop.example.com", resource="ingress/a/shop")]
    plan = calculate([], desired, PlanOptions(owner_id=OWNER, managed_types=("A", "PTR")))
    assert plan.problems == []
    assert [c.endpoint.targets for c in plan.changes] == [("shop.example.com", "web.example.com")]

"""The TXT registry's reading of a zone: the counts and reasons it reports, on plain data."""

from __future__ import annotations

from zonekeeper.endpoint import Endpoint, Key
from zonekeeper.providers.inmemory import InMemoryProvider
from zonekeeper.registry.txt import TXTRegistry

OWNER = "cluster-a"


def heritage(owner: str = OWNER, resource: str | None = "service/default/app") -> str:
    tail = f",external-dns/resource={resource}" if resource is not None else ""
    return f'"heritage=external-dns,external-dns/owner={owner}{tail}"'


def seeded(*records: Endpoint) -> InMemoryProvider:
    provider = InMemoryProvider(["example.com"])
    store = provider._records[provider.zones()[0].id]
    for r in records:
        store[r.key] = r
    return provider


def record(name: str, rtype: str = "A", target: str = "10.0.0.1", **kw: object) -> Endpoint:
    return Endpoint.new(name, rtype, [target], ttl=300, **kw)  # type: ignore[arg-type]


def txt(name: str, *values: str) -> Endpoint:
    return Endpoint.new(name, "TXT", list(values), ttl=300)


def read(*records: Endpoint):  # type: ignore[no-untyped-def]
    provider = seeded(*records)
    return TXTRegistry(provider, OWNER).records(provider.zones()[0])


def test_owned_count_counts_our_records_only() -> None:
    state = read(record("app.example.com"), txt("a-app.example.com", heritage()),
                 record("theirs.example.com"), txt("a-theirs.example.com", heritage(owner="other")),
                 record("nobody.example.com"), record("manual.example.com"))
    assert state.owned_count == 1


def test_a_contested_record_is_reported_under_our_claims_resource() -> None:
    state = read(record("app.example.com"),
                 txt("a-app.example.com", heritage(owner="other", resource="service/other/x")),
                 txt("app.example.com", heritage(resource="service/default/app")))
    key = Key("app.example.com", "A")
    assert key in state.blocked
    assert state.contested == {key: "service/default/app"}


def test_a_contested_record_without_a_resource_is_reported_under_its_key() -> None:
    state = read(record("app.example.com"),
                 txt("a-app.example.com", heritage(owner="other", resource="service/other/x")),
                 txt("app.example.com", heritage(resource=None)))
    assert state.contested == {Key("app.example.com", "A"): "app.example.com A"}


def test_a_contested_alias_names_the_pre_v022_format() -> None:
    alias = record("app.example.com", target="lb.elb.amazonaws.com", provider_specific={"alias": "true"})
    state = read(alias, txt("a-app.example.com", heritage()), txt("cname-app.example.com", heritage(owner="other")))
    reason = state.blocked[Key("app.example.com", "A")]
    assert "'other' in cname-app.example.com (pre-v0.22 alias format)" in reason
    assert "owners: cluster-a, other" in reason


def test_a_foreign_legacy_claim_on_an_empty_name_blocks_every_type_but_aaaa_and_txt() -> None:
    state = read(txt("app.example.com", heritage(owner="other")))
    blocked = {k.type for k in state.blocked if k.name == "app.example.com"}
    assert "A" in blocked and "CNAME" in blocked and "MX" in blocked
    assert "AAAA" not in blocked and "TXT" not in blocked


def test_every_foreign_claim_is_weighed_after_one_that_blocks_nothing() -> None:
    # The first claim's record exists (judged record by record); the second's does not yet.
    state = read(record("here.example.com"), txt("a-here.example.com", heritage(owner="other")),
                 txt("a-later.example.com", heritage(owner="other")))
    assert Key("later.example.com", "A") in state.blocked


def test_a_missing_record_claimed_by_two_owners_names_both() -> None:
    state = read(txt("a-app.example.com", heritage(owner="c"), heritage(owner="b")))
    reason = state.blocked[Key("app.example.com", "A")]
    assert reason.startswith("a-app.example.com already claims this name for 'b', 'c';")


def test_an_ownerless_claim_is_named_as_such() -> None:
    state = read(txt("a-app.example.com", '"heritage=external-dns"'))
    assert state.blocked[Key("app.example.com", "A")].startswith("a-app.example.com already claims this name for ''")

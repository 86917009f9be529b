"""What a full pass saw, counted as external-dns's controller counts it: plain data in, counts out."""

from __future__ import annotations

from zonekeeper.census import Census, naked_domain, take
from zonekeeper.endpoint import Endpoint


def ep(name: str, rtype: str = "A", owner: str = "") -> Endpoint:
    labels = {"owner": owner} if owner else {}
    return Endpoint.new(name, rtype, ["192.0.2.1"] if rtype == "A" else ["x.example.org"], labels=labels)


def test_sources_registry_and_verified_by_lower_case_record_type() -> None:
    desired = [ep("web.example.com"), ep("www.example.com", "CNAME"), ep("other.example.org"),
               ep("api.example.com")]
    records = [[ep("web.example.com", owner="me"), ep("www.example.com", "CNAME", owner="other")],
               [ep("mail.example.net", "MX"), ep("api.example.com", "AAAA")]]
    census = take(desired, records, skipped=[], owner_id="me")
    assert census.source_by_type == {"a": 3, "cname": 1}
    assert census.registry_by_type == {"a": 1, "cname": 1, "mx": 1, "aaaa": 1}
    # (name, type) present on both sides; api.example.com has an AAAA, not an A.
    assert census.verified_by_type == {"a": 1, "cname": 1}
    assert (census.source_total, census.registry_total) == (4, 4)


def test_owner_mismatch_labels_use_the_naked_domain_and_count_each_record_once() -> None:
    blocker = ep("www.Shop.Example.com", "CNAME", owner="Other")
    unowned = ep("example.com", "A")
    census = take([], [], skipped=[blocker, blocker, unowned], owner_id="me")
    assert census.owner_mismatch == {("cname", "me", "other", "shop.example.com"): 1,
                                     ("a", "me", "", "example.com"): 1}


def test_no_owner_id_means_no_owner_mismatch() -> None:
    assert take([], [], skipped=[ep("a.example.com", owner="x")], owner_id="").owner_mismatch == {}


def test_naked_domain_is_external_dns_get_naked_domain() -> None:
    assert naked_domain("a.b.example.com") == "b.example.com"
    assert naked_domain("www.example.com") == "example.com"
    assert naked_domain("example.com") == "example.com"
    assert naked_domain("localhost") == "localhost"
    assert naked_domain("") == ""


def test_empty_census() -> None:
    assert take([], [], skipped=[], owner_id="me") == Census()

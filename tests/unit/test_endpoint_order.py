"""The order desired endpoints are planned and shown in (`by_resource`): by object first, then
record set, targets, TTL, provider-specific; every field decides a tie the earlier ones leave."""

from __future__ import annotations

from zonekeeper.endpoint import Endpoint, by_resource


def ep(name: str, rtype: str = "A", targets: tuple[str, ...] = ("10.0.0.1",), *, resource: str = "service/ns/a",
       ttl: int = 0, set_identifier: str = "", weight: str = "") -> Endpoint:
    return Endpoint.new(name, rtype, targets, ttl=ttl, set_identifier=set_identifier,
                        provider_specific={"aws/weight": weight} if weight else None,
                        labels={"resource": resource})


def test_endpoints_sort_by_object_then_record_set_then_values() -> None:
    expected = [
        ep("z.example.com", resource="ingress/ns/a"),  # the object first: ingress/... before service/...
        ep("a.example.com", "A"),
        ep("a.example.com", "A", set_identifier="eu"),  # the SetIdentifier ("" first) ...
        ep("a.example.com", "AAAA", ("2001:db8::1",)),  # ... after the type
        ep("b.example.com", "A", ("10.0.0.1",)),
        ep("b.example.com", "A", ("10.0.0.2",)),  # the targets
        ep("c.example.com", ttl=60),
        ep("c.example.com", ttl=300),  # the TTL
        ep("d.example.com", weight="10"),
        ep("d.example.com", weight="20"),  # provider-specific last
        ep("a.example.com", resource="service/ns/b"),
    ]
    assert sorted(reversed(expected), key=by_resource) == expected
    assert sorted(expected[3:] + expected[:3], key=by_resource) == expected

"""Route 53 record sets (boto3's ResourceRecordSet dicts) and zonekeeper's Endpoints, both ways. Pure.

`endpoint_from_rrset(rrset_from_endpoint(ep)) == ep` for every adjusted endpoint; a record set
read from Route 53 whose canonical form does not rebuild it byte for byte (case, escapes, a
`dualstack.` alias name…) is kept raw beside it by the record cache (`same_rrset`), so a DELETE
always names exactly what Route 53 holds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from zonekeeper.endpoint import ALIAS, EVALUATE_TARGET_HEALTH, Endpoint, normalize_name
from zonekeeper.providers.aws_rules import (
    FAILOVER,
    GEO_CONTINENT,
    GEO_COUNTRY,
    GEO_SUBDIVISION,
    GEOPROX_BIAS,
    GEOPROX_COORDS,
    GEOPROX_LZG,
    GEOPROX_REGION,
    GEOPROXIMITY,
    HEALTH_CHECK,
    MULTI_VALUE,
    REGION,
    TARGET_HOSTED_ZONE,
    WEIGHT,
)
from zonekeeper.providers.base import Zone

RRSet = dict[str, Any]

# Record types zonekeeper reads; others (SOA, …) are left alone entirely, as is the apex NS.
READ_TYPES = frozenset({"A", "AAAA", "CNAME", "TXT", "SRV", "NS", "MX", "NAPTR", "CAA", "PTR", "SPF"})

# Record set fields that are one property each: (field, property, field → property, property → field).
_SCALARS: tuple[tuple[str, str, Callable[[Any], str], Callable[[str], Any]], ...] = (
    ("Weight", WEIGHT, str, int),
    ("Region", REGION, str, str),
    ("Failover", FAILOVER, str, str.upper),
    ("HealthCheckId", HEALTH_CHECK, str, str),
)
_GEOLOCATION = (("ContinentCode", GEO_CONTINENT), ("CountryCode", GEO_COUNTRY), ("SubdivisionCode", GEO_SUBDIVISION))
_GEOPROXIMITY = (("AWSRegion", GEOPROX_REGION), ("LocalZoneGroup", GEOPROX_LZG))


def unescape(name: str) -> str:
    """Route 53 returns special characters as \\NNN octal escapes (`\\052` for `*`)."""
    if "\\" not in name:
        return name
    out, i = [], 0
    while i < len(name):
        if name[i] == "\\" and i + 3 < len(name) and name[i + 1 : i + 4].isdigit():
            out.append(chr(int(name[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(name[i])
            i += 1
    return "".join(out)


def is_read(rrset: Mapping[str, Any], zone: Zone) -> bool:
    """Whether zonekeeper reads this record set at all (the zone's own delegation is never ours)."""
    apex_ns = rrset["Type"] == "NS" and normalize_name(rrset["Name"]) == zone.name
    return rrset["Type"] in READ_TYPES and not apex_ns


def _routing_props(rrset: Mapping[str, Any]) -> dict[str, str]:
    props = {prop: to_prop(rrset[field]) for field, prop, to_prop, _ in _SCALARS if field in rrset}
    if rrset.get("MultiValueAnswer"):
        props[MULTI_VALUE] = "true"
    geo = rrset.get("GeoLocation") or {}
    props.update({prop: geo[field] for field, prop in _GEOLOCATION if field in geo})
    prox = rrset.get("GeoProximityLocation") or {}
    if prox:
        props.update({prop: prox[field] for field, prop in _GEOPROXIMITY if field in prox})
        if "Coordinates" in prox:
            props[GEOPROX_COORDS] = f"{prox['Coordinates']['Latitude']},{prox['Coordinates']['Longitude']}"
        props[GEOPROX_BIAS] = str(prox.get("Bias", 0))
    return props


def endpoint_from_rrset(rrset: Mapping[str, Any]) -> Endpoint:
    """A Route 53 record set in zonekeeper's canonical form."""
    props = _routing_props(rrset)
    alias = rrset.get("AliasTarget")
    if alias:
        props[ALIAS] = "true"
        props[EVALUATE_TARGET_HEALTH] = "true" if alias.get("EvaluateTargetHealth") else "false"
        props[TARGET_HOSTED_ZONE] = alias["HostedZoneId"]
        targets = [alias["DNSName"]]
        ttl = 0
    else:
        targets = [r["Value"] for r in rrset.get("ResourceRecords", [])]
        ttl = int(rrset.get("TTL", 0))
    return Endpoint.new(
        unescape(rrset["Name"]),
        rrset["Type"],
        targets,
        ttl=ttl,
        set_identifier=rrset.get("SetIdentifier", ""),
        provider_specific=props,
    )


def _geoproximity_location(props: Mapping[str, str]) -> dict[str, Any]:
    prox: dict[str, Any] = {field: props[prop] for field, prop in _GEOPROXIMITY if prop in props}
    if GEOPROX_COORDS in props:
        lat, lon = (s.strip() for s in props[GEOPROX_COORDS].split(",", 1))
        prox["Coordinates"] = {"Latitude": lat, "Longitude": lon}
    prox["Bias"] = int(props.get(GEOPROX_BIAS, "0"))
    return prox


def _routing_fields(props: Mapping[str, str]) -> RRSet:
    fields: RRSet = {field: to_field(props[prop]) for field, prop, _, to_field in _SCALARS if prop in props}
    if props.get(MULTI_VALUE) == "true":
        fields["MultiValueAnswer"] = True
    geo = {field: props[prop] for field, prop in _GEOLOCATION if prop in props}
    if geo:
        fields["GeoLocation"] = geo
    if any(p in props for p in GEOPROXIMITY):
        fields["GeoProximityLocation"] = _geoproximity_location(props)
    return fields


def rrset_from_endpoint(ep: Endpoint) -> RRSet:
    """The Route 53 record set for a canonical endpoint (the inverse of endpoint_from_rrset)."""
    props = dict(ep.provider_specific)
    rrset: RRSet = {"Name": ep.name + ".", "Type": ep.type}
    if ep.set_identifier:
        rrset["SetIdentifier"] = ep.set_identifier
    rrset.update(_routing_fields(props))
    if ep.is_alias:
        rrset["AliasTarget"] = {
            "HostedZoneId": props[TARGET_HOSTED_ZONE],
            "DNSName": ep.targets[0] + ".",
            "EvaluateTargetHealth": props.get(EVALUATE_TARGET_HEALTH, "true") == "true",
        }
    else:
        rrset["TTL"] = ep.ttl
        rrset["ResourceRecords"] = [{"Value": t} for t in ep.targets]
    return rrset


def same_rrset(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Equal as Route 53 sees them: the order of values does not matter."""

    def canon(r: Mapping[str, Any]) -> Mapping[str, Any]:
        r = dict(r)
        if "ResourceRecords" in r:
            r["ResourceRecords"] = sorted(v["Value"] for v in r["ResourceRecords"])
        return r

    return canon(a) == canon(b)


def canonical_key(rrset: Mapping[str, Any]) -> tuple[str, str]:
    """(name, type) of a record set, the name in canonical form."""
    return normalize_name(unescape(rrset["Name"])), rrset["Type"]

"""Route 53's ChangeResourceRecordSets rules, as a pure function over the zone's current records.

``check_batch`` validates a whole change batch against the current records with the changes applied
in order on a scratch overlay, and returns either the overlay to commit or every error message,
the way Route 53 answers (all messages of a failed batch at once; nothing applied).

Every text the server sends is in ``MESSAGES`` so it can be corrected in one place. The comment on
each entry says where the wording comes from:

* ``verified``: seen verbatim in Route 53 answers quoted in public issues/logs (boto, external-dns,
  cli53, cert-manager, aws-sdk-java, terraform users, AWS re:Post), or AWS documentation.
* ``pattern``: the same family as a verified text (same prefix/shape), details inferred.
* ``unverified``: no public sample found; a faithful best effort.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Key = tuple[str, str, str | None]  # (canonical name, type, SetIdentifier)
Record = dict[str, Any]  # a ResourceRecordSet as boto3 spells it, Name canonical

MAX_RECORDS_PER_REQUEST = 1000
MAX_VALUE_CHARS_PER_REQUEST = 32000
MAX_CHARACTER_STRING = 255

RR_TYPES = ("SOA", "A", "TXT", "NS", "CNAME", "MX", "NAPTR", "PTR", "SRV", "SPF", "AAAA", "CAA", "DS",
            "TLSA", "SSHFP", "SVCB", "HTTPS")  # botocore's RRType enum, in its order
ACTIONS = ("CREATE", "DELETE", "UPSERT")

MESSAGES: dict[str, str] = {
    # --- whole request (code InvalidChangeBatch) ---
    # verified (moto implements it from the same observation; AWS quotas page)
    "records_limit": "Number of records limit of 1000 exceeded.",
    # unverified: the limit is documented (UPSERT counts twice), the wording follows records_limit
    "chars_limit": "Number of characters limit of 32000 exceeded.",
    # --- request shape (code InvalidInput, first problem only, like an XML schema check) ---
    # pattern (moto's text for a bad Action; AWS's XML schema validator wording)
    "enum": ("Invalid XML ; cvc-enumeration-valid: Value '{value}' is not facet-valid with respect to "
             "enumeration '[{allowed}]'. It must be a value from the enumeration."),
    # pattern (AWS's generic constraint-validation message)
    "max_value": ("1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: "
                  "Member must have value less than or equal to {limit}"),
    # verified ("found more than one" and "found none" both seen)
    "shape": ("Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], "
              "or TrafficPolicyInstanceId], but found {found} in Change with {change}"),
    # verified (found none)
    "policy": ("Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, "
               "MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found {found} in "
               "Change with {change}"),
    # unverified
    "missing_set_identifier": "Invalid request: Missing field 'SetIdentifier' in Change with {change}",
    # --- unknown health check (code NoSuchHealthCheck, HTTP 404; the model lists it for this call) ---
    # unverified wording (moto uses it for GetHealthCheck)
    "no_such_health_check": "A health check with id {id} does not exist.",
    # --- per change (code InvalidChangeBatch, all collected, joined as "[m1, m2]") ---
    # verified (", set-identifier='x'" part: cli53 issue #317)
    "already_exists": "Tried to create resource record set [name='{name}', type='{type}'{sid}] but it already exists",
    # verified
    "not_found": "Tried to delete resource record set [name='{name}', type='{type}'{sid}] but it was not found",
    # verified
    "values_mismatch": ("Tried to delete resource record set [name='{name}', type='{type}'{sid}] but the values "
                        "provided do not match the current values"),
    # verified
    "out_of_zone": "RRSet with DNS name {name} is not permitted in zone {zone}",
    # verified
    "cname_apex": "RRSet of type CNAME with DNS name {name} is not permitted at apex in zone {zone}",
    # verified (a CNAME where other types exist)
    "cname_beside_other": ("RRSet of type CNAME with DNS name {name} is not permitted as it conflicts with other "
                           "records with the same DNS name in zone {zone}"),
    # verified (another type where a CNAME exists)
    "other_beside_cname": ("RRSet of type {type} with DNS name {name} is not permitted because a conflicting RRSet "
                           "of type CNAME with the same DNS name already exists in zone {zone}"),
    # unverified
    "cname_multiple": "RRSet of type CNAME with DNS name {name} is not permitted to have more than one value",
    # verified
    "duplicate_change": "The request contains an invalid set of changes for a resource record set '{type} {name}'",
    # verified (seen in terraform/ansible reports)
    "duplicate_value": "Duplicate Resource Record: '{value}'",
    # verified
    "apex_ns": "A HostedZone must contain at least one NS record for the zone itself.",
    # verified
    "apex_soa": "A HostedZone must contain exactly one SOA record.",
    # verified (simple record where routing records exist)
    "simple_vs_routing": ("RRSet with DNS name {name}, type {type} cannot be created as other RRSets exist with "
                          "the same name and type."),
    # verified for latency ("Region Name=eu-west-2", "non-latency"), geolocation ("routing to [continent =
    # (NA, North America)]", "non-GEO") and failover ("marked as primary", "non-failover"); the weighted,
    # geoproximity and CIDR descriptions are pattern
    "routing_vs_other": ("RRSet with DNS name {name}, type {type}, SetIdentifier {sid}, and {desc} cannot be "
                         "created because a {nonkind} RRSet with the same name and type already exists."),
    # verified (cert-manager #5388)
    "multivalue_vs_other": ("RRSet with DNS name {name}, type {type}, SetIdentifier {sid} cannot be created "
                            "because a non multivalue answer rrset exists with the same name and type."),
    # unverified
    "failover_duplicate": ("RRSet with DNS name {name}, type {type}, SetIdentifier {sid}, and {desc} cannot be "
                           "created because another RRSet with the same name and type is already {desc}."),
    # unverified
    "geo_duplicate": ("RRSet with DNS name {name}, type {type}, SetIdentifier {sid}, and {desc} cannot be "
                      "created because another RRSet with the same name, type and location already exists."),
    # --- record data (code InvalidChangeBatch) ---
    # verified
    "bad_ipv4": ("Invalid Resource Record: FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid "
                 "IPv4 address) encountered with '{value}'"),
    # pattern
    "bad_ipv6": ("Invalid Resource Record: FATAL problem: AAAARRDATAIllegalIPv6Address (Value is not a valid "
                 "IPv6 address) encountered with '{value}'"),
    # verified
    "unquoted": ("Invalid Resource Record: FATAL problem: InvalidCharacterString (Value should be enclosed in "
                 "quotation marks) encountered with '{value}'"),
    # pattern (a user report quotes "FATAL problem: TXTRDATATooLong encountered at ...", value elided)
    "txt_too_long": "Invalid Resource Record: FATAL problem: TXTRDATATooLong encountered at {value}",
    # pattern ("MX record doesn't have 2 fields")
    "mx_fields": ("Invalid Resource Record: FATAL problem: MXRRDATANotTwoFields (MX record doesn't have 2 "
                  "fields) encountered with '{value}'"),
    # unverified
    "mx_priority": ("Invalid Resource Record: FATAL problem: MXRRDATAIllegalPriority (MX priority is not a "
                    "valid 16-bit integer) encountered with '{value}'"),
    # unverified
    "srv_fields": ("Invalid Resource Record: FATAL problem: SRVRDATANotFourFields (SRV record doesn't have 4 "
                   "fields) encountered with '{value}'"),
    # unverified
    "srv_number": ("Invalid Resource Record: FATAL problem: SRVRDATAIllegalNumber (SRV priority, weight and "
                   "port must be 16-bit integers) encountered with '{value}'"),
    # unverified
    "caa_fields": ("Invalid Resource Record: FATAL problem: CAARDATANotThreeFields (CAA record doesn't have 3 "
                   "fields) encountered with '{value}'"),
    # unverified
    "caa_flags": ("Invalid Resource Record: FATAL problem: CAARDATAIllegalFlags (CAA flags must be an integer "
                  "from 0 to 255) encountered with '{value}'"),
    # unverified
    "caa_tag": ("Invalid Resource Record: FATAL problem: CAARDATAIllegalTag (CAA tag must be alphanumeric) "
                "encountered with '{value}'"),
    # --- names (code InvalidChangeBatch) ---
    # pattern (moto's text; AWS's FATAL-problem family)
    "unsupported_char": ("FATAL problem: UnsupportedCharacter (Value contains unsupported characters) "
                         "encountered with '{char}'"),
    # unverified
    "empty_label": "FATAL problem: DomainLabelEmpty (Domain label is empty) encountered with '{name}'",
    # unverified
    "label_too_long": "FATAL problem: DomainLabelTooLong (Domain label is too long) encountered with '{label}'",
    # unverified
    "name_too_long": "FATAL problem: DomainNameTooLong (Domain name is too long) encountered with '{name}'",
}

CONTINENTS = {
    "AF": "Africa", "AN": "Antarctica", "AS": "Asia", "EU": "Europe",
    "NA": "North America", "OC": "Oceania", "SA": "South America",
}

POLICY_FIELDS = ("Weight", "Region", "Failover", "GeoLocation", "MultiValueAnswer", "GeoProximityLocation",
                 "CidrRoutingConfig")
NON_KIND = {
    "Weight": "non-weighted",
    "Region": "non-latency",
    "Failover": "non-failover",
    "GeoLocation": "non-GEO",
    "GeoProximityLocation": "non-geoproximity",
    "CidrRoutingConfig": "non-CIDR",
}
DOMAIN_VALUED_TYPES = ("CNAME", "NS", "PTR")


class RequestRejected(Exception):
    """A whole-request error: one code, one message, one HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400, messages: list[str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.messages = messages if messages is not None else [message]


# --------------------------------------------------------------------------------------------- names

_NAME_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


class BadName(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _labels(raw: str) -> list[list[int]]:
    """Split a presentation-format name into labels of octets; ``\\ooo`` is octal as Route 53 uses."""
    labels: list[list[int]] = [[]]
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\" and i + 1 < n:
            octal = raw[i + 1:i + 4]
            if len(octal) == 3 and all(c in "01234567" for c in octal):
                labels[-1].append(int(octal, 8) & 0xFF)
                i += 4
                continue
            labels[-1].extend(raw[i + 1].encode())
            i += 2
            continue
        if ch == ".":
            labels.append([])
        else:
            code = ord(ch)
            if code <= 32 or 127 <= code <= 255:
                raise BadName(MESSAGES["unsupported_char"].format(char=ch))
            labels[-1].extend(ch.encode())
        i += 1
    return labels


def canonical_name(raw: str) -> str:
    """Route 53's spelling of a name: lower case, trailing dot, anything but ``a-z0-9-_`` as ``\\ooo``.

    So ``*.Example.com`` becomes ``\\052.example.com.`` (what ListResourceRecordSets returns) and
    ``\\052.example.com`` is the same name. Raises BadName with Route 53's message for bad names.
    """
    text = raw[:-1] if raw.endswith(".") and not raw.endswith("\\.") else raw
    if text == "":
        return "."
    labels = _labels(text)
    out = []
    for label in labels:
        if not label:
            raise BadName(MESSAGES["empty_label"].format(name=raw))
        if len(label) > 63:
            raise BadName(MESSAGES["label_too_long"].format(label=bytes(label).decode("latin-1")))
        chars = []
        for octet in label:
            ch = chr(octet).lower() if octet < 128 else ""
            chars.append(ch if ch in _NAME_SAFE else f"\\{octet:03o}")
        out.append("".join(chars))
    if sum(len(label) + 1 for label in labels) + 1 > 255:
        raise BadName(MESSAGES["name_too_long"].format(name=raw))
    return ".".join(out) + "."


def safe_canonical_name(raw: str) -> str:
    try:
        return canonical_name(raw)
    except BadName:
        return raw.lower() if raw.endswith(".") else raw.lower() + "."


def in_zone(name: str, zone: str) -> bool:
    """Label-boundary suffix test on canonical names (``notexample.com.`` is not in ``example.com.``)."""
    return name == zone or name.endswith("." + zone)


def sort_key(name: str) -> str:
    """Route 53 lists names with labels reversed: ``www.example.com.`` sorts as ``com.example.www``."""
    return ".".join(reversed(name.rstrip(".").split(".")))


# --------------------------------------------------------------------------------------------- values

def _character_strings(value: str) -> list[bytes] | None:
    """TXT/SPF RDATA as Route 53 takes it: quoted strings, or one bare word. None: not acceptable."""
    strings: list[bytes] = []
    bare = 0
    i, n = 0, len(value)
    while i < n:
        if value[i].isspace():
            i += 1
            continue
        if value[i] == '"':
            i += 1
            buf = bytearray()
            while True:
                if i >= n:
                    return None  # unterminated
                ch = value[i]
                if ch == '"':
                    i += 1
                    break
                if ch == "\\" and i + 1 < n:
                    octal = value[i + 1:i + 4]
                    if len(octal) == 3 and all(c in "01234567" for c in octal):
                        buf.append(int(octal, 8) & 0xFF)
                        i += 4
                    else:
                        buf.extend(value[i + 1].encode())
                        i += 2
                    continue
                buf.extend(ch.encode())
                i += 1
            strings.append(bytes(buf))
        else:
            start = i
            while i < n and not value[i].isspace() and value[i] != '"':
                i += 1
            bare += 1
            strings.append(value[start:i].encode())
    if not strings or (bare and len(strings) > 1):
        return None
    return strings


def _u16(text: str) -> bool:
    return text.isdigit() and int(text) <= 65535


def value_problems(rtype: str, values: list[str]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for value in values:
        if value in seen:
            problems.append(MESSAGES["duplicate_value"].format(value=value))
            continue
        seen.add(value)
        if rtype == "A":
            try:
                ipaddress.IPv4Address(value)
            except ValueError:
                problems.append(MESSAGES["bad_ipv4"].format(value=value))
        elif rtype == "AAAA":
            try:
                ipaddress.IPv6Address(value)
            except ValueError:
                problems.append(MESSAGES["bad_ipv6"].format(value=value))
        elif rtype in ("TXT", "SPF"):
            strings = _character_strings(value)
            if strings is None:
                problems.append(MESSAGES["unquoted"].format(value=value))
            elif any(len(s) > MAX_CHARACTER_STRING for s in strings):
                problems.append(MESSAGES["txt_too_long"].format(value=value))
        elif rtype == "MX":
            fields = value.split()
            if len(fields) != 2:
                problems.append(MESSAGES["mx_fields"].format(value=value))
            elif not _u16(fields[0]):
                problems.append(MESSAGES["mx_priority"].format(value=value))
        elif rtype == "SRV":
            fields = value.split()
            if len(fields) != 4:
                problems.append(MESSAGES["srv_fields"].format(value=value))
            elif not all(_u16(f) for f in fields[:3]):
                problems.append(MESSAGES["srv_number"].format(value=value))
        elif rtype == "CAA":
            m = re.fullmatch(r"\s*(\S+)\s+(\S+)\s+(.+?)\s*", value)
            if not m:
                problems.append(MESSAGES["caa_fields"].format(value=value))
            elif not (m.group(1).isdigit() and int(m.group(1)) <= 255):
                problems.append(MESSAGES["caa_flags"].format(value=value))
            elif not m.group(2).isalnum():
                problems.append(MESSAGES["caa_tag"].format(value=value))
            elif _character_strings(m.group(3)) is None or not m.group(3).startswith('"'):
                problems.append(MESSAGES["unquoted"].format(value=value))
    return problems


def _norm_value(rtype: str, value: str) -> str:
    if rtype in ("A", "AAAA"):
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            return value
    if rtype in DOMAIN_VALUED_TYPES:
        return value.lower().rstrip(".")
    return value


def comparable(rec: Record) -> tuple[Any, ...]:
    """Everything a DELETE must match: TTL, values as a set, alias target, routing fields."""
    rtype = rec["Type"]
    values = frozenset(_norm_value(rtype, rr["Value"]) for rr in rec.get("ResourceRecords") or ())
    alias = rec.get("AliasTarget")
    alias_key = None
    if alias is not None:
        alias_key = (alias.get("HostedZoneId"), str(alias.get("DNSName", "")).lower().rstrip("."),
                     bool(alias.get("EvaluateTargetHealth")))
    rest = tuple(
        (k, repr(rec.get(k))) for k in ("TTL", *POLICY_FIELDS, "HealthCheckId", "TrafficPolicyInstanceId")
        if not (k == "MultiValueAnswer" and not rec.get(k)) and rec.get(k) is not None
    )
    return values, alias_key, rest


def policy_of(rec: Record) -> str | None:
    for f in POLICY_FIELDS:
        if f == "MultiValueAnswer":
            if rec.get(f):
                return f
        elif rec.get(f) is not None:
            return f
    return None


def _routing_desc(rec: Record) -> str:
    policy = policy_of(rec)
    if policy == "Weight":
        return f"Weight={rec['Weight']}"
    if policy == "Region":
        return f"Region Name={rec['Region']}"
    if policy == "Failover":
        return f"marked as {str(rec['Failover']).lower()}"
    if policy == "GeoLocation":
        geo = rec["GeoLocation"]
        if geo.get("ContinentCode"):
            code = geo["ContinentCode"]
            return f"routing to [continent = ({code}, {CONTINENTS.get(code, code)})]"
        parts = [f"country = ({geo.get('CountryCode')})"]
        if geo.get("SubdivisionCode"):
            parts.append(f"subdivision = ({geo['SubdivisionCode']})")
        return f"routing to [{', '.join(parts)}]"
    if policy == "GeoProximityLocation":
        geo = rec["GeoProximityLocation"]
        where = geo.get("AWSRegion") or geo.get("LocalZoneGroup") or geo.get("Coordinates")
        return f"routing to [geoproximity = ({where}, bias {geo.get('Bias', 0)})]"
    if policy == "CidrRoutingConfig":
        cidr = rec["CidrRoutingConfig"]
        return f"routing to [CIDR location = ({cidr.get('CollectionId')}, {cidr.get('LocationName')})]"
    return "no routing"


# --------------------------------------------------------------------------------------------- state

@dataclass
class ZoneRecords:
    """The current records of one zone, with the by-name index the CNAME/routing rules need."""

    records: dict[Key, Record] = field(default_factory=dict)
    by_name: dict[str, set[Key]] = field(default_factory=dict)

    def put(self, key: Key, rec: Record) -> None:
        self.records[key] = rec
        self.by_name.setdefault(key[0], set()).add(key)

    def delete(self, key: Key) -> None:
        self.records.pop(key, None)
        keys = self.by_name.get(key[0])
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self.by_name[key[0]]

    def apply(self, overlay: dict[Key, Record | None]) -> None:
        for key, rec in overlay.items():
            if rec is None:
                self.delete(key)
            else:
                self.put(key, rec)


class Scratch:
    """The zone with the batch applied so far, without copying the zone (batches are O(changes))."""

    def __init__(self, base: ZoneRecords) -> None:
        self.base = base
        self.overlay: dict[Key, Record | None] = {}
        self.overlay_by_name: dict[str, set[Key]] = {}

    def get(self, key: Key) -> Record | None:
        if key in self.overlay:
            return self.overlay[key]
        return self.base.records.get(key)

    def keys_at(self, name: str) -> Iterable[Key]:
        keys = self.base.by_name.get(name, set()) | self.overlay_by_name.get(name, set())
        return [k for k in keys if self.get(k) is not None]

    def put(self, key: Key, rec: Record) -> None:
        self.overlay[key] = rec
        self.overlay_by_name.setdefault(key[0], set()).add(key)

    def delete(self, key: Key) -> None:
        self.overlay[key] = None
        self.overlay_by_name.setdefault(key[0], set()).add(key)


# --------------------------------------------------------------------------------------------- checks

def _change_ref(action: str, rrs: dict[str, Any]) -> str:
    return (f"[Action={action}, Name={rrs.get('Name')}, Type={rrs.get('Type')}, "
            f"SetIdentifier={rrs.get('SetIdentifier', 'null')}]")


def _check_limits(changes: list[dict[str, Any]]) -> None:
    records = chars = 0
    for change in changes:
        factor = 2 if change.get("Action") == "UPSERT" else 1
        values = [rr.get("Value", "") for rr in change.get("ResourceRecordSet", {}).get("ResourceRecords") or ()]
        records += factor * len(values)
        chars += factor * sum(len(v) for v in values)
    if records > MAX_RECORDS_PER_REQUEST:
        raise RequestRejected("InvalidChangeBatch", MESSAGES["records_limit"])
    if chars > MAX_VALUE_CHARS_PER_REQUEST:
        raise RequestRejected("InvalidChangeBatch", MESSAGES["chars_limit"])


def _check_shape(index: int, change: dict[str, Any], health_check_exists: Callable[[str], bool]) -> None:
    """What Route 53 rejects as InvalidInput before looking at the zone (first problem wins)."""
    action = change.get("Action", "")
    rrs = change.get("ResourceRecordSet", {})
    if action not in ACTIONS:
        raise RequestRejected("InvalidInput", MESSAGES["enum"].format(value=action, allowed=", ".join(ACTIONS)))
    if rrs.get("Type") not in RR_TYPES:
        raise RequestRejected("InvalidInput",
                              MESSAGES["enum"].format(value=rrs.get("Type"), allowed=", ".join(RR_TYPES)))
    if rrs.get("Failover") is not None and rrs["Failover"] not in ("PRIMARY", "SECONDARY"):
        raise RequestRejected("InvalidInput",
                              MESSAGES["enum"].format(value=rrs["Failover"], allowed="PRIMARY, SECONDARY"))
    if rrs.get("Weight") is not None and rrs["Weight"] > 255:
        path = f"changeBatch.changes.{index + 1}.member.resourceRecordSet.weight"
        raise RequestRejected("InvalidInput", MESSAGES["max_value"].format(value=rrs["Weight"], path=path, limit=255))
    ref = _change_ref(action, rrs)
    alternatives = sum((
        rrs.get("AliasTarget") is not None,
        rrs.get("TTL") is not None and bool(rrs.get("ResourceRecords")),
        rrs.get("TrafficPolicyInstanceId") is not None,
    ))
    partial = rrs.get("AliasTarget") is not None and (
        rrs.get("TTL") is not None or bool(rrs.get("ResourceRecords")))
    if alternatives > 1 or partial:
        raise RequestRejected("InvalidInput", MESSAGES["shape"].format(found="more than one", change=ref))
    if alternatives == 0:
        raise RequestRejected("InvalidInput", MESSAGES["shape"].format(found="none", change=ref))
    policies = sum(
        (bool(rrs.get(f)) if f == "MultiValueAnswer" else rrs.get(f) is not None) for f in POLICY_FIELDS
    )
    if rrs.get("SetIdentifier") is not None:
        if policies == 0:
            raise RequestRejected("InvalidInput", MESSAGES["policy"].format(found="none", change=ref))
        if policies > 1:
            raise RequestRejected("InvalidInput", MESSAGES["policy"].format(found="more than one", change=ref))
    elif policies:
        raise RequestRejected("InvalidInput", MESSAGES["missing_set_identifier"].format(change=ref))
    hc = rrs.get("HealthCheckId")
    if hc is not None and not health_check_exists(hc):
        raise RequestRejected("NoSuchHealthCheck", MESSAGES["no_such_health_check"].format(id=hc), 404)


def normalise_record(rrs: dict[str, Any], name: str) -> Record:
    rec: Record = {k: v for k, v in rrs.items() if v is not None}
    rec["Name"] = name
    if "MultiValueAnswer" in rec and not rec["MultiValueAnswer"]:
        del rec["MultiValueAnswer"]
    if "AliasTarget" in rec:
        alias = dict(rec["AliasTarget"])
        alias["DNSName"] = safe_canonical_name(str(alias.get("DNSName", "")))
        rec["AliasTarget"] = alias
    return rec


def _conflict(scratch: Scratch, key: Key, rec: Record, zone: str) -> str | None:
    name, rtype, sid = key
    others = [o for k in scratch.keys_at(name) if k != key and (o := scratch.get(k)) is not None]
    if rtype == "CNAME" and any(o["Type"] != "CNAME" for o in others):
        return MESSAGES["cname_beside_other"].format(name=name, zone=zone)
    if rtype != "CNAME" and any(o["Type"] == "CNAME" for o in others):
        return MESSAGES["other_beside_cname"].format(type=rtype, name=name, zone=zone)
    same = [o for o in others if o["Type"] == rtype]
    if not same:
        return None
    if sid is None:
        return MESSAGES["simple_vs_routing"].format(name=name, type=rtype)
    policy = policy_of(rec)
    if any(o.get("SetIdentifier") is None or policy_of(o) != policy for o in same):
        if policy == "MultiValueAnswer":
            return MESSAGES["multivalue_vs_other"].format(name=name, type=rtype, sid=sid)
        return MESSAGES["routing_vs_other"].format(
            name=name, type=rtype, sid=sid, desc=_routing_desc(rec), nonkind=NON_KIND.get(policy or "", "non-simple"))
    if policy == "Failover" and any(o.get("Failover") == rec["Failover"] for o in same):
        return MESSAGES["failover_duplicate"].format(name=name, type=rtype, sid=sid, desc=_routing_desc(rec))
    if policy == "GeoLocation" and any(o.get("GeoLocation") == rec["GeoLocation"] for o in same):
        return MESSAGES["geo_duplicate"].format(name=name, type=rtype, sid=sid, desc=_routing_desc(rec))
    return None


def check_batch(
    zone_name: str,
    current: ZoneRecords,
    changes: list[dict[str, Any]],
    health_check_exists: Callable[[str], bool] = lambda _id: True,
) -> tuple[dict[Key, Record | None], list[str]]:
    """Validate a batch. Returns (overlay to commit, []) or ({}, messages). Raises RequestRejected.

    ``zone_name`` is canonical (``example.com.``). Changes are boto3-style dicts.
    """
    _check_limits(changes)
    for index, change in enumerate(changes):
        _check_shape(index, change, health_check_exists)

    scratch = Scratch(current)
    messages: list[str] = []
    seen: set[tuple[str, Key]] = set()
    for change in changes:
        action = change["Action"]
        rrs = change["ResourceRecordSet"]
        rtype = rrs["Type"]
        try:
            name = canonical_name(str(rrs.get("Name", "")))
        except BadName as exc:
            messages.append(exc.message)
            continue
        if not in_zone(name, zone_name):
            messages.append(MESSAGES["out_of_zone"].format(name=name, zone=zone_name))
            continue
        sid = rrs.get("SetIdentifier")
        key: Key = (name, rtype, sid)
        sid_part = f", set-identifier='{sid}'" if sid is not None else ""
        if (action, key) in seen:
            messages.append(MESSAGES["duplicate_change"].format(type=rtype, name=name))
            continue
        seen.add((action, key))
        rec = normalise_record(rrs, name)
        values = [rr.get("Value", "") for rr in rec.get("ResourceRecords") or ()]
        if action != "DELETE":
            problems = value_problems(rtype, values)
            if rtype == "CNAME" and len(values) > 1:
                problems.append(MESSAGES["cname_multiple"].format(name=name))
            if problems:
                messages.extend(problems)
                continue
            if rtype == "CNAME" and name == zone_name:
                messages.append(MESSAGES["cname_apex"].format(name=name, zone=zone_name))
                continue
        current_rec = scratch.get(key)
        if action == "DELETE":
            if name == zone_name and rtype in ("NS", "SOA") and current_rec is not None:
                messages.append(MESSAGES["apex_ns" if rtype == "NS" else "apex_soa"])
            elif current_rec is None:
                messages.append(MESSAGES["not_found"].format(name=name, type=rtype, sid=sid_part))
            elif comparable(current_rec) != comparable(rec):
                messages.append(MESSAGES["values_mismatch"].format(name=name, type=rtype, sid=sid_part))
            else:
                scratch.delete(key)
            continue
        if action == "CREATE" and current_rec is not None:
            messages.append(MESSAGES["already_exists"].format(name=name, type=rtype, sid=sid_part))
            continue
        problem = _conflict(scratch, key, rec, zone_name)
        if problem:
            messages.append(problem)
            continue
        scratch.put(key, rec)
    if messages:
        return {}, messages
    return scratch.overlay, []

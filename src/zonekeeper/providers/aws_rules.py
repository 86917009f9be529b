"""What Route 53 accepts of a desired endpoint, and in which spelling. Pure: plain data in, the
adjusted endpoints or a Problem out; no request is ever made.

The rules are tables, read top to bottom:
  * PROPERTY_RULES: every provider-specific property Route 53 supports, the routing policy it
    selects (if any) and how its value is spelled. Where the annotation reader already has a rule
    for a value (`zonekeeper.annotations.validate_property`), the table calls it, so each value
    rule lives in one place; the provider keeps only its own leniencies (an empty health check id
    is dropped, an empty geoproximity bias is 0).
  * COMBINATION_RULES: what several properties decide together (a continent wins over a country,
    a geoproximity record has a bias).
  * ROUTING_CHECKS, PLAIN_CHECKS, ALIAS_CHECKS: the refusals, each a small function that answers
    why the record cannot be served, or None.

Whether a record becomes an alias follows external-dns's `AdjustEndpoints`: a CNAME to an AWS
service hostname (aws_alias) becomes an A and an AAAA alias unless CNAMEs are preferred, and the
`alias` property forces it (`A`/`AAAA` choose one of the two).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from zonekeeper.annotations import finish_properties, validate_property
from zonekeeper.endpoint import ALIAS, EVALUATE_TARGET_HEALTH, Endpoint, Problem
from zonekeeper.providers.aws_alias import canonical_hosted_zone
from zonekeeper.providers.base import Zone

TARGET_HOSTED_ZONE = "aws/target-hosted-zone"
WEIGHT = "aws/weight"
REGION = "aws/region"
FAILOVER = "aws/failover"
MULTI_VALUE = "aws/multi-value-answer"
HEALTH_CHECK = "aws/health-check-id"
GEO_CONTINENT = "aws/geolocation-continent-code"
GEO_COUNTRY = "aws/geolocation-country-code"
GEO_SUBDIVISION = "aws/geolocation-subdivision-code"
GEOPROX_REGION = "aws/geoproximity-region"
GEOPROX_LZG = "aws/geoproximity-local-zone-group"
GEOPROX_COORDS = "aws/geoproximity-coordinates"
GEOPROX_BIAS = "aws/geoproximity-bias"

GEOPROXIMITY = (GEOPROX_REGION, GEOPROX_LZG, GEOPROX_COORDS, GEOPROX_BIAS)
ALIAS_PROPERTIES = (ALIAS, EVALUATE_TARGET_HEALTH, TARGET_HOSTED_ZONE)

# How a record the rules refuse is reported.
UNSUPPORTED = "UnsupportedRecord"

_ALIAS_MODES = ("true", "A", "AAAA")
# The routing policies named in the refusal of a set identifier without one, as annotations.
_POLICY_ANNOTATIONS = ("aws-weight, aws-region, aws-failover, aws-geolocation-*, aws-geoproximity-* "
                       "or aws-multi-value-answer")


class Refused(ValueError):
    """Why a record cannot be served; raised inside this module, returned as a Problem."""


@dataclass(slots=True, frozen=True)
class RuleOptions:
    default_ttl: int = 300
    prefer_cname: bool = False  # --aws-prefer-cname: no automatic alias for AWS service hostnames
    evaluate_target_health: bool = True  # the alias default when the property is not set


# --- property values ----------------------------------------------------------------------------


Spelling = Callable[[str], str | None]  # the canonical value; None drops the property


def _as_written(value: str) -> str:
    return value


def _annotation_rule(name: str) -> Spelling:
    """The annotation reader's rule for `name`'s values (so both sides spell them alike)."""

    def spell(value: str) -> str | None:
        normalised, why = validate_property(name, value)
        if why is not None:
            raise Refused(f"{name} '{value}': {why}")
        return normalised or None  # "" is the reader's "drop it" (multi-value-answer=false)

    return spell


def _bias(value: str) -> str | None:
    return _annotation_rule(GEOPROX_BIAS)(value) if value.strip() else "0"


def _unless_empty(value: str) -> str | None:
    return value or None


@dataclass(slots=True, frozen=True)
class PropertyRule:
    name: str
    policy: str = ""  # the routing policy the property selects ("" for none)
    spell: Spelling = _as_written


PROPERTY_RULES: tuple[PropertyRule, ...] = (
    PropertyRule(WEIGHT, WEIGHT, _annotation_rule(WEIGHT)),
    PropertyRule(REGION, REGION),
    PropertyRule(FAILOVER, FAILOVER, _annotation_rule(FAILOVER)),
    PropertyRule(MULTI_VALUE, MULTI_VALUE, _annotation_rule(MULTI_VALUE)),
    PropertyRule(GEO_CONTINENT, "geolocation"),
    PropertyRule(GEO_COUNTRY, "geolocation"),
    PropertyRule(GEO_SUBDIVISION, "geolocation"),
    PropertyRule(GEOPROX_REGION, "geoproximity"),
    PropertyRule(GEOPROX_LZG, "geoproximity"),
    PropertyRule(GEOPROX_COORDS, "geoproximity", _annotation_rule(GEOPROX_COORDS)),
    PropertyRule(GEOPROX_BIAS, "geoproximity", _bias),
    # An empty id means "no health check" here; the annotation reader refuses it at the source.
    PropertyRule(HEALTH_CHECK, spell=_unless_empty),
    PropertyRule(ALIAS, spell=_annotation_rule(ALIAS)),
    PropertyRule(EVALUATE_TARGET_HEALTH, spell=_annotation_rule(EVALUATE_TARGET_HEALTH)),
    PropertyRule(TARGET_HOSTED_ZONE),
)


def _continent_wins(props: dict[str, str]) -> None:
    # Route 53 takes a continent or a country, not both; the continent wins (external-dns).
    if GEO_CONTINENT in props:
        props.pop(GEO_COUNTRY, None)
        props.pop(GEO_SUBDIVISION, None)


def _geoproximity_has_a_bias(props: dict[str, str]) -> None:
    finish_properties(props)


COMBINATION_RULES: tuple[Callable[[dict[str, str]], None], ...] = (_continent_wins, _geoproximity_has_a_bias)


def spelled_properties(provider_specific: Mapping[str, str]) -> dict[str, str]:
    """The supported properties in one spelling each, so reading back what we wrote compares equal;
    unsupported ones are dropped."""
    props: dict[str, str] = {}
    for rule in PROPERTY_RULES:
        if rule.name in provider_specific:
            value = rule.spell(provider_specific[rule.name])
            if value is not None:
                props[rule.name] = value
    for combine in COMBINATION_RULES:
        combine(props)
    return props


def routing_policies(props: Mapping[str, str]) -> tuple[str, ...]:
    """The routing policies the properties select, in the table's order, each once."""
    return tuple(dict.fromkeys(rule.policy for rule in PROPERTY_RULES if rule.policy and rule.name in props))


# --- refusals -----------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Record:
    """What the checks look at: the endpoint, its zone and what its properties decided."""

    endpoint: Endpoint
    zone: Zone
    props: Mapping[str, str]
    policies: tuple[str, ...]


Check = Callable[[Record], str | None]


def _set_identifier_needs_a_policy(r: Record) -> str | None:
    if r.endpoint.set_identifier and not r.policies:
        return f"set identifier '{r.endpoint.set_identifier}' needs a routing policy annotation ({_POLICY_ANNOTATIONS})"
    return None


def _policy_needs_a_set_identifier(r: Record) -> str | None:
    if r.policies and not r.endpoint.set_identifier:
        return f"routing policy {r.policies[0]} needs a set-identifier"
    return None


def _one_policy(r: Record) -> str | None:
    if len(r.policies) > 1:
        return f"only one routing policy per record, got {', '.join(r.policies)}"
    return None


def _no_cname_at_the_apex(r: Record) -> str | None:
    if r.endpoint.type == "CNAME" and r.endpoint.name == r.zone.name:
        return "a CNAME is not permitted at the zone apex; point it at an AWS load balancer (alias) or an IP address"
    return None


def _cname_has_one_target(r: Record) -> str | None:
    if r.endpoint.type == "CNAME" and len(r.endpoint.targets) != 1:
        return f"a CNAME has exactly one target, got {len(r.endpoint.targets)}"
    return None


def _has_targets(r: Record) -> str | None:
    return None if r.endpoint.targets else "no targets"


def _alias_has_one_target(r: Record) -> str | None:
    if len(r.endpoint.targets) != 1:
        return f"an alias record has exactly one target, got {', '.join(r.endpoint.targets) or 'none'}"
    return None


def _alias_target_zone_is_known(r: Record) -> str | None:
    target = r.endpoint.targets[0]
    if _alias_hosted_zone(r) is None:
        return (f"alias target {target} is not a known AWS endpoint and not in zone {r.zone.name}; "
                "set the aws-target-hosted-zone annotation")
    return None


ROUTING_CHECKS: tuple[Check, ...] = (_set_identifier_needs_a_policy, _policy_needs_a_set_identifier, _one_policy)
PLAIN_CHECKS: tuple[Check, ...] = (_no_cname_at_the_apex, _cname_has_one_target, _has_targets)
ALIAS_CHECKS: tuple[Check, ...] = (_alias_has_one_target, _alias_target_zone_is_known)


def _first_refusal(record: Record, checks: tuple[Check, ...]) -> None:
    for check in checks:
        why = check(record)
        if why is not None:
            raise Refused(why)


# --- shaping ------------------------------------------------------------------------------------


def wants_alias(ep: Endpoint, props: Mapping[str, str], options: RuleOptions) -> bool:
    mode = props.get(ALIAS, "")
    if ep.type in ("A", "AAAA", "CNAME") and mode in _ALIAS_MODES:
        return True
    if ep.type != "CNAME" or mode or options.prefer_cname:
        return False
    return TARGET_HOSTED_ZONE in props or (bool(ep.targets) and canonical_hosted_zone(ep.targets[0]) is not None)


def _alias_hosted_zone(r: Record) -> str | None:
    target = r.endpoint.targets[0]
    found = r.props.get(TARGET_HOSTED_ZONE) or canonical_hosted_zone(target)
    if found is None and r.zone.contains(target):
        return r.zone.id
    return found


def alias_types(record_type: str, mode: str | None) -> tuple[str, ...]:
    """The alias record types an endpoint becomes: its own for `alias=true` on an A or AAAA, the one
    `alias=A|AAAA` names, both otherwise (no `alias` property: a CNAME aliased automatically)."""
    if record_type in ("A", "AAAA") and mode == "true":
        return (record_type,)
    if mode in ("A", "AAAA"):
        return (mode,)
    return ("A", "AAAA")


def quote_txt(value: str) -> str:
    """Route 53 wants TXT values as quoted character-strings of at most 255 characters each."""
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    chunks = [escaped[i : i + 255] for i in range(0, len(escaped), 255)] or [""]
    return " ".join(f'"{c}"' for c in chunks)


def _plain(record: Record, options: RuleOptions) -> tuple[Endpoint, ...]:
    _first_refusal(record, PLAIN_CHECKS)
    ep = record.endpoint
    props = {k: v for k, v in record.props.items() if k not in ALIAS_PROPERTIES}
    if ep.type in ("TXT", "SPF"):
        ep = ep.evolve(targets=tuple(sorted(quote_txt(t) for t in ep.targets)))
    return (ep.evolve(ttl=ep.ttl or options.default_ttl).with_provider_specific(props),)


def _alias(record: Record, options: RuleOptions) -> tuple[Endpoint, ...]:
    _first_refusal(record, ALIAS_CHECKS)
    ep = record.endpoint
    hosted_zone = _alias_hosted_zone(record)
    assert hosted_zone is not None  # ALIAS_CHECKS refused the record otherwise
    types = alias_types(ep.type, record.props.get(ALIAS))
    props = dict(record.props)
    props[ALIAS] = "true"
    props[TARGET_HOSTED_ZONE] = hosted_zone.rpartition("/")[2]  # "/hostedzone/Z1" → "Z1"
    props.setdefault(EVALUATE_TARGET_HEALTH, "true" if options.evaluate_target_health else "false")
    # Route 53 keeps no TTL for an alias: it answers with the target's.
    return tuple(ep.evolve(type=t, ttl=0).with_provider_specific(props) for t in types)


def adjust_endpoint(zone: Zone, ep: Endpoint, options: RuleOptions) -> tuple[Endpoint, ...] | Problem:
    """The record sets `ep` becomes in `zone` (two for an A+AAAA alias), or why it cannot be served."""
    try:
        props = spelled_properties(dict(ep.provider_specific))
        record = Record(ep, zone, props, routing_policies(props))
        _first_refusal(record, ROUTING_CHECKS)
        return _alias(record, options) if wants_alias(ep, props, options) else _plain(record, options)
    except Refused as exc:
        return Problem(ep.resource or str(ep.key), UNSUPPORTED, f"{ep.key}: {exc}")

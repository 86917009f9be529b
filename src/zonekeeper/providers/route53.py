"""AWS Route 53 through boto3.

Frugal by design: the zone list and every zone's records are cached and the record cache is kept
current from what we applied, so a steady state costs no API calls; every HTTP attempt (retries
included) takes a token from one bucket shared by the whole process; changes go in as few
batches as Route 53's limits allow; and a batch Route 53 refuses is narrowed down to the changes
at fault, which are reported, while the rest is applied.

Updates are sent as DELETE of the record exactly as we last saw it plus CREATE of the new one,
not as UPSERT: Route 53 counts both the same, but the DELETE fails if someone changed the record
behind our back, so we never overwrite what we did not see. Such a refusal ("already exists", "not
found", "values do not match") means our view of those names is stale: they are read again (one
ListResourceRecordSets per name and type when that is fewer requests than listing the zone, the zone
otherwise) and handed back in `ApplyResult.replan` for the caller to plan again. A group refused that
way is never sent again identical while the records it was refused for still read the same.

Under leader election every HTTP attempt of a write asks the `fence` how long the lease is certainly
still ours, right before it is sent (after waiting for a rate-limit token, and before each retry);
with too little left it is not sent, and otherwise its read timeout is bounded by what is left.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zonekeeper.changes import Action, Change, ChangeGroup
from zonekeeper.endpoint import ALIAS, EVALUATE_TARGET_HEALTH, Endpoint, Key, Problem, normalize_name
from zonekeeper.providers import batching
from zonekeeper.providers.aws_alias import canonical_hosted_zone
from zonekeeper.providers.base import (
    NO_CALL_METRICS,
    NOT_LEADER,
    ApplyResult,
    CallMetrics,
    ProviderError,
    WriteFence,
    Zone,
)
from zonekeeper.ratelimit import TokenBucket
from zonekeeper.zoneidfilter import ZoneIDFilter

log = logging.getLogger(__name__)

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

_GEO = (GEO_CONTINENT, GEO_COUNTRY, GEO_SUBDIVISION)
_GEOPROX = (GEOPROX_REGION, GEOPROX_LZG, GEOPROX_COORDS, GEOPROX_BIAS)
_ROUTING = (WEIGHT, REGION, FAILOVER, MULTI_VALUE, *_GEO, *_GEOPROX)
_SUPPORTED = frozenset({*_ROUTING, HEALTH_CHECK, ALIAS, EVALUATE_TARGET_HEALTH, TARGET_HOSTED_ZONE})
_ALIAS_PROPS = (ALIAS, EVALUATE_TARGET_HEALTH, TARGET_HOSTED_ZONE)
# Record types zonekeeper reads; others (SOA, NS at the apex, …) are left alone entirely.
_READ_TYPES = frozenset({"A", "AAAA", "CNAME", "TXT", "SRV", "NS", "MX", "NAPTR", "CAA", "PTR", "SPF"})

# Errors that object to the content of a batch: some change in it is at fault, not the request.
_CHANGE_REJECTIONS = frozenset({"InvalidChangeBatch", "InvalidInput", "NoSuchHealthCheck"})

PAGE_SIZE = 300  # Route 53's maximum for ListResourceRecordSets

# Route 53's words for a change made against records that are no longer what we read.
_STALE = re.compile(r"but it already exists|but it was not found|but the values provided do not match")

# A write is not started with less lease than this left: it would time out on our side (and might
# still be applied on Route 53's), which is worse than not sending it.
MIN_WRITE_SECONDS = 0.5

# Refused groups remembered per provider so they are not sent again unchanged (oldest forgotten first).
_REFUSED_MEMORY = 10_000


class _LeaseExpired(Exception):
    """Raised from botocore's before-send hook: the write would not be over while we certainly lead."""


@dataclass(slots=True, frozen=True)
class Route53Options:
    zone_type: str = ""  # "", "public" or "private"
    zone_id_filter: tuple[str, ...] = ()
    zone_tags: tuple[tuple[str, str | None], ...] = ()
    prefer_cname: bool = False
    evaluate_target_health: bool = True
    batch_change_size: int = 1000
    batch_change_size_values: int = 1000
    batch_change_size_bytes: int = 32000
    zones_cache_seconds: float = 3600.0
    # 0 lists a zone on every call; the controller sets a long value and relies on its own
    # bookkeeping plus a periodic re-list to catch drift.
    records_cache_seconds: float = 0.0


def _unescape(name: str) -> str:
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


def endpoint_from_rrset(rrset: Mapping[str, Any]) -> Endpoint:
    """A Route 53 record set in zonekeeper's canonical form."""
    props: dict[str, str] = {}
    if "Weight" in rrset:
        props[WEIGHT] = str(rrset["Weight"])
    if "Region" in rrset:
        props[REGION] = rrset["Region"]
    if "Failover" in rrset:
        props[FAILOVER] = rrset["Failover"]
    if rrset.get("MultiValueAnswer"):
        props[MULTI_VALUE] = "true"
    geo = rrset.get("GeoLocation") or {}
    for field_name, prop in (("ContinentCode", GEO_CONTINENT), ("CountryCode", GEO_COUNTRY),
                             ("SubdivisionCode", GEO_SUBDIVISION)):
        if field_name in geo:
            props[prop] = geo[field_name]
    prox = rrset.get("GeoProximityLocation") or {}
    if prox:
        if "AWSRegion" in prox:
            props[GEOPROX_REGION] = prox["AWSRegion"]
        if "LocalZoneGroup" in prox:
            props[GEOPROX_LZG] = prox["LocalZoneGroup"]
        if "Coordinates" in prox:
            props[GEOPROX_COORDS] = f"{prox['Coordinates']['Latitude']},{prox['Coordinates']['Longitude']}"
        props[GEOPROX_BIAS] = str(prox.get("Bias", 0))
    if "HealthCheckId" in rrset:
        props[HEALTH_CHECK] = rrset["HealthCheckId"]
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
        _unescape(rrset["Name"]),
        rrset["Type"],
        targets,
        ttl=ttl,
        set_identifier=rrset.get("SetIdentifier", ""),
        provider_specific=props,
    )


def rrset_from_endpoint(ep: Endpoint) -> dict[str, Any]:
    """The Route 53 record set for a canonical endpoint (the inverse of endpoint_from_rrset)."""
    props = dict(ep.provider_specific)
    rrset: dict[str, Any] = {"Name": ep.name + ".", "Type": ep.type}
    if ep.set_identifier:
        rrset["SetIdentifier"] = ep.set_identifier
    if WEIGHT in props:
        rrset["Weight"] = int(props[WEIGHT])
    if REGION in props:
        rrset["Region"] = props[REGION]
    if FAILOVER in props:
        rrset["Failover"] = props[FAILOVER].upper()
    if props.get(MULTI_VALUE) == "true":
        rrset["MultiValueAnswer"] = True
    geo = {f: props[p] for f, p in (("ContinentCode", GEO_CONTINENT), ("CountryCode", GEO_COUNTRY),
                                     ("SubdivisionCode", GEO_SUBDIVISION)) if p in props}
    if geo:
        rrset["GeoLocation"] = geo
    if any(p in props for p in _GEOPROX):
        prox: dict[str, Any] = {}
        if GEOPROX_REGION in props:
            prox["AWSRegion"] = props[GEOPROX_REGION]
        if GEOPROX_LZG in props:
            prox["LocalZoneGroup"] = props[GEOPROX_LZG]
        if GEOPROX_COORDS in props:
            lat, lon = (s.strip() for s in props[GEOPROX_COORDS].split(",", 1))
            prox["Coordinates"] = {"Latitude": lat, "Longitude": lon}
        prox["Bias"] = int(props.get(GEOPROX_BIAS, "0"))
        rrset["GeoProximityLocation"] = prox
    if HEALTH_CHECK in props:
        rrset["HealthCheckId"] = props[HEALTH_CHECK]
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


def _same_rrset(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    def canon(r: Mapping[str, Any]) -> Mapping[str, Any]:
        r = dict(r)
        if "ResourceRecords" in r:
            r["ResourceRecords"] = sorted(v["Value"] for v in r["ResourceRecords"])
        return r

    return canon(a) == canon(b)


class _ZoneCache:
    __slots__ = ("fetched_at", "raw", "records")

    def __init__(self, records: dict[Key, Endpoint], raw: dict[Key, dict[str, Any]], fetched_at: float):
        self.records = records
        # Only record sets whose canonical form does not rebuild them byte for byte (case,
        # escapes, a `dualstack.` alias name…), so DELETEs always match what Route 53 holds.
        self.raw = raw
        self.fetched_at = fetched_at


class Route53Provider:
    name = "aws"
    default_ttl = 300

    def __init__(
        self,
        client: Any,
        options: Route53Options = Route53Options(),
        *,
        zone_filter: Callable[[str], bool] | None = None,
        bucket: TokenBucket | None = None,
        clock: Callable[[], float] = time.monotonic,
        metrics: CallMetrics = NO_CALL_METRICS,
    ) -> None:
        self.client = client
        self.options = options
        self.zone_filter = zone_filter
        self.bucket = bucket
        self.clock = clock
        self.calls: Counter[tuple[str, str]] = Counter()  # (operation, ok|throttled|error)
        # Public: the live controller plugs its metrics in after the wiring is built.
        self.metrics: CallMetrics = metrics
        # Asked right before every write attempt: a replica that lost its leadership must not write.
        self.fence: WriteFence | None = None
        self._zones: list[Zone] | None = None
        self._zones_at = 0.0
        self._cache: dict[str, _ZoneCache] = {}
        # Bumped whenever a zone's cached records change, so readers can keep derived state.
        self._generation: dict[str, int] = {}
        self._lock = threading.Lock()
        # (zone id, the group's changes as sent) → what its records read when Route 53 refused it as stale.
        self._refused: dict[tuple[str, str], tuple[Any, ...]] = {}
        events = client.meta.events
        events.register("before-send.route-53", self._before_send)
        events.register("needs-retry.route-53", self._on_response)

    # -- API accounting ----------------------------------------------------------------------

    def _before_send(self, event_name: str = "", request: Any = None, **_: Any) -> None:
        if self.bucket is not None:
            self.bucket.acquire()
        if self.fence is not None and event_name.endswith(".ChangeResourceRecordSets"):
            # After the token wait, before every attempt (retries included), as late as botocore lets us.
            budget = self.fence()
            if budget < MIN_WRITE_SECONDS:
                raise _LeaseExpired(f"{budget:.2f}s of leadership left")
            if request is not None:
                request.context["read_timeout"] = budget

    def _on_response(self, response: Any = None, operation: Any = None, caught_exception: Any = None,
                     **_: Any) -> None:
        op = getattr(operation, "name", "unknown")
        if isinstance(caught_exception, _LeaseExpired):
            return  # never sent: not an API call
        if response is None:
            self._count(op, "error")
            return
        http, parsed = response
        if http is not None and http.status_code < 300:
            self._count(op, "ok")
            return
        code = (parsed or {}).get("Error", {}).get("Code", "")
        if code in ("Throttling", "ThrottlingException", "PriorRequestNotComplete"):
            self._count(op, "throttled")
            if self.bucket is not None and code != "PriorRequestNotComplete":
                self.bucket.penalize(1.0)
        else:
            self._count(op, "error")

    def _count(self, operation: str, outcome: str) -> None:
        self.calls[(operation, outcome)] += 1
        self.metrics.observe_api_call(operation, outcome)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def _call(self, operation: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as exc:
            err = exc.response.get("Error", {})
            raise ProviderError(f"{err.get('Code', 'Error')}: {err.get('Message', exc)}") from exc
        except BotoCoreError as exc:
            raise ProviderError(str(exc)) from exc

    # -- zones -------------------------------------------------------------------------------

    def zones(self) -> list[Zone]:
        now = self.clock()
        with self._lock:
            if self._zones is not None and now - self._zones_at < self.options.zones_cache_seconds:
                return list(self._zones)
        found: list[tuple[Zone, str]] = []
        marker: str | None = None
        while True:
            kwargs: dict[str, Any] = {"MaxItems": "100"}
            if marker:
                kwargs["Marker"] = marker
            page = self._call("list_hosted_zones", **kwargs)
            for hz in page.get("HostedZones", []):
                zone_id = hz["Id"].rsplit("/", 1)[-1]
                zone = Zone(id=zone_id, name=normalize_name(hz["Name"]),
                            private=bool(hz.get("Config", {}).get("PrivateZone")))
                if self._keep_zone(zone):
                    found.append((zone, hz["Id"]))
            if not page.get("IsTruncated"):
                break
            marker = page.get("NextMarker")
        zones = [z for z, _ in found]
        if self.options.zone_tags:
            zones = self._filter_by_tags(zones)
        with self._lock:
            self._zones, self._zones_at = zones, now
        return list(zones)

    def _keep_zone(self, zone: Zone) -> bool:
        o = self.options
        if not ZoneIDFilter(o.zone_id_filter).matches(zone.id):
            return False
        if o.zone_type == "public" and zone.private:
            return False
        if o.zone_type == "private" and not zone.private:
            return False
        return self.zone_filter is None or self.zone_filter(zone.name)

    def _filter_by_tags(self, zones: list[Zone]) -> list[Zone]:
        kept: list[Zone] = []
        for i in range(0, len(zones), 10):  # ListTagsForResources takes at most 10 ids
            chunk = zones[i : i + 10]
            resp = self._call("list_tags_for_resources", ResourceType="hostedzone",
                              ResourceIds=[z.id for z in chunk])
            tags_by_id = {
                s["ResourceId"]: {t["Key"]: t.get("Value", "") for t in s.get("Tags", [])}
                for s in resp.get("ResourceTagSets", [])
            }
            for zone in chunk:
                tags = tags_by_id.get(zone.id, {})
                if all(k in tags and (v is None or tags[k] == v) for k, v in self.options.zone_tags):
                    kept.append(zone)
        return kept

    # -- records -----------------------------------------------------------------------------

    def records(self, zone: Zone) -> list[Endpoint]:
        now = self.clock()
        cached = self._cache.get(zone.id)
        if cached is not None and now - cached.fetched_at < self.options.records_cache_seconds:
            return list(cached.records.values())
        records: dict[Key, Endpoint] = {}
        raw: dict[Key, dict[str, Any]] = {}
        kwargs: dict[str, Any] = {"HostedZoneId": zone.id, "MaxItems": str(PAGE_SIZE)}
        while True:
            page = self._call("list_resource_record_sets", **kwargs)
            for rrset in page.get("ResourceRecordSets", []):
                if rrset["Type"] not in _READ_TYPES:
                    continue
                if rrset["Type"] == "NS" and normalize_name(rrset["Name"]) == zone.name:
                    continue  # the zone's own delegation is never ours to manage
                ep = endpoint_from_rrset(rrset)
                records[ep.key] = ep
                if not _same_rrset(rrset_from_endpoint(ep), rrset):
                    raw[ep.key] = dict(rrset)
            if not _continue_listing(page, kwargs):
                break
        self._cache[zone.id] = _ZoneCache(records, raw, now)
        self._bump(zone.id)
        return list(records.values())

    def _bump(self, zone_id: str) -> None:
        self._generation[zone_id] = self._generation.get(zone_id, 0) + 1

    def generation(self, zone: Zone) -> int:
        """Changes whenever the records `records(zone)` returns may have changed."""
        return self._generation.get(zone.id, 0)

    def invalidate(self, zone: Zone | None = None) -> None:
        """Forget cached records (one zone, or all) so the next read lists them again."""
        if zone is None:
            self._cache.clear()
            for zone_id in list(self._generation):
                self._bump(zone_id)
        else:
            self._cache.pop(zone.id, None)
            self._bump(zone.id)

    # -- desired endpoints -------------------------------------------------------------------

    def adjust(self, zone: Zone, endpoints: Sequence[Endpoint]) -> tuple[list[Endpoint], list[Problem]]:
        out: list[Endpoint] = []
        problems: list[Problem] = []
        for ep in endpoints:
            try:
                out.extend(self._adjust_one(zone, ep))
            except ValueError as exc:
                problems.append(Problem(ep.resource or str(ep.key), "UnsupportedRecord", f"{ep.key}: {exc}"))
        return out, problems

    def _adjust_one(self, zone: Zone, ep: Endpoint) -> list[Endpoint]:
        props = {k: v for k, v in ep.provider_specific if k in _SUPPORTED}
        _normalise_routing(props)
        routing = [p for p in (WEIGHT, REGION, FAILOVER, MULTI_VALUE) if p in props]
        if any(p in props for p in _GEO):
            routing.append("geolocation")
        if any(p in props for p in _GEOPROX):
            routing.append("geoproximity")
        if ep.set_identifier and not routing:
            raise ValueError(
                f"set identifier '{ep.set_identifier}' needs a routing policy annotation "
                "(aws-weight, aws-region, aws-failover, aws-geolocation-*, aws-geoproximity-* "
                "or aws-multi-value-answer)"
            )
        if routing and not ep.set_identifier:
            raise ValueError(f"routing policy {routing[0]} needs a set-identifier")
        if len(routing) > 1:
            raise ValueError(f"only one routing policy per record, got {', '.join(routing)}")

        alias_mode = props.get(ALIAS, "")
        wants_alias = False
        if ep.type == "CNAME":
            if alias_mode in ("true", "A", "AAAA"):
                wants_alias = True
            elif alias_mode == "" and not self.options.prefer_cname:
                wants_alias = TARGET_HOSTED_ZONE in props or (
                    bool(ep.targets) and canonical_hosted_zone(ep.targets[0]) is not None
                )
        elif ep.type in ("A", "AAAA") and alias_mode in ("true", "A", "AAAA"):
            wants_alias = True

        if not wants_alias:
            for p in _ALIAS_PROPS:
                props.pop(p, None)
            if ep.type == "CNAME":
                if ep.name == zone.name:
                    raise ValueError(
                        "a CNAME is not permitted at the zone apex; point it at an AWS load balancer "
                        "(alias) or an IP address"
                    )
                if len(ep.targets) != 1:
                    raise ValueError(f"a CNAME has exactly one target, got {len(ep.targets)}")
            if not ep.targets:
                raise ValueError("no targets")
            if ep.type in ("TXT", "SPF"):
                ep = ep.evolve(targets=tuple(sorted(quote_txt(t) for t in ep.targets)))
            return [ep.evolve(ttl=ep.ttl or self.default_ttl).with_provider_specific(props)]

        if len(ep.targets) != 1:
            raise ValueError(f"an alias record has exactly one target, got {', '.join(ep.targets) or 'none'}")
        target = ep.targets[0]
        hosted_zone = props.get(TARGET_HOSTED_ZONE) or canonical_hosted_zone(target)
        if hosted_zone is None:
            if zone.contains(target):
                hosted_zone = zone.id
            else:
                raise ValueError(
                    f"alias target {target} is not a known AWS endpoint and not in zone {zone.name}; "
                    "set the aws-target-hosted-zone annotation"
                )
        props[ALIAS] = "true"
        props[TARGET_HOSTED_ZONE] = hosted_zone.rsplit("/", 1)[-1]
        eth = props.get(EVALUATE_TARGET_HEALTH, "true" if self.options.evaluate_target_health else "false")
        props[EVALUATE_TARGET_HEALTH] = "true" if eth.lower() == "true" else "false"
        if ep.type in ("A", "AAAA") and alias_mode == "true":
            types = [ep.type]
        else:
            types = {"A": ["A"], "AAAA": ["AAAA"]}.get(alias_mode, ["A", "AAAA"])
        return [ep.evolve(type=t, ttl=0).with_provider_specific(props) for t in types]

    # -- changes -----------------------------------------------------------------------------

    def _boto_changes(self, zone: Zone, change: Change) -> list[dict[str, Any]]:
        cache = self._cache.get(zone.id)
        out: list[dict[str, Any]] = []
        if change.action in (Action.DELETE, Action.UPDATE):
            assert change.old is not None
            old = (cache.raw.get(change.old.key) if cache else None) or rrset_from_endpoint(change.old)
            out.append({"Action": "DELETE", "ResourceRecordSet": old})
        if change.action in (Action.CREATE, Action.UPDATE):
            assert change.new is not None
            out.append({"Action": "CREATE", "ResourceRecordSet": rrset_from_endpoint(change.new)})
        return out

    def apply(self, zone: Zone, groups: Sequence[ChangeGroup]) -> ApplyResult:
        result = ApplyResult()
        all_boto = [[c for change in g.changes for c in self._boto_changes(zone, change)] for g in groups]
        kept = [i for i in range(len(groups)) if not self._refused_before(zone, groups[i], all_boto[i], result)]
        groups = [groups[i] for i in kept]
        boto_groups = [all_boto[i] for i in kept]
        limits = batching.Limits(
            max_values=self.options.batch_change_size_values,
            max_chars=self.options.batch_change_size_bytes,
            max_changes=self.options.batch_change_size,
        )
        # The batcher hands back the same change dicts; their identity leads back to our groups.
        index_of = {id(c): i for i, g in enumerate(boto_groups) for c in g}
        packed = batching.batch_changes(boto_groups, limits)
        for oversized in packed.oversized:
            group = groups[index_of[id(oversized.group[0])]]
            result.failed.extend((c, oversized.reason) for c in group.records)
        for batch in packed.batches:
            indices = [index_of[id(members[0])] for members in batch.groups]
            self._submit(zone, [groups[i] for i in indices], [boto_groups[i] for i in indices], result)
        return result

    def _submit(
        self,
        zone: Zone,
        groups: list[ChangeGroup],
        boto_groups: list[list[dict[str, Any]]],
        result: ApplyResult,
    ) -> None:
        from botocore.exceptions import ClientError

        changes = [c for g in boto_groups for c in g]
        if self.fence is not None and self.fence() < MIN_WRITE_SECONDS:
            for g in groups:
                result.failed.extend((c, NOT_LEADER) for c in g.records)
            return
        try:
            result.requests += 1
            self.client.change_resource_record_sets(
                HostedZoneId=zone.id, ChangeBatch={"Comment": "zonekeeper", "Changes": changes}
            )
        except _LeaseExpired:
            # Stopped before an attempt; an earlier attempt may have been applied without our knowing.
            self.invalidate(zone)
            for g in groups:
                result.failed.extend((c, NOT_LEADER) for c in g.records)
            return
        except ClientError as exc:
            err = exc.response.get("Error", {})
            code = err.get("Code", "")
            message = err.get("Message", str(exc))
            if code not in _CHANGE_REJECTIONS:
                self.invalidate(zone)
                for g in groups:
                    result.failed.extend((c, f"{code}: {message}") for c in g.records)
                return
            self._narrow_down(zone, groups, boto_groups, _messages(exc), result)
            return
        except Exception as exc:  # network trouble after retries: report, keep the others going
            self.invalidate(zone)
            for g in groups:
                result.failed.extend((c, f"request failed: {exc}") for c in g.records)
            return
        for g in groups:
            self._remember(zone, g)
            result.applied.extend(g.records)

    def _narrow_down(
        self,
        zone: Zone,
        groups: list[ChangeGroup],
        boto_groups: list[list[dict[str, Any]]],
        messages: list[str],
        result: ApplyResult,
    ) -> None:
        """Find the groups Route 53 objected to and apply the others.

        Route 53 names the offending record in its messages, so usually one more request applies
        the rest (none when every group is named). When the messages name nothing we recognise, bisect.
        """
        if len(groups) == 1:
            self._refused_groups(zone, groups, boto_groups, {0: messages}, result)
            return
        blamed: dict[int, list[str]] = {}
        for i, g in enumerate(boto_groups):
            names = {c["ResourceRecordSet"]["Name"].lower() for c in g}
            hits = [m for m in messages if any(f"'{n}'" in m.lower() or f" {n} " in m.lower()
                                               or f"{n}," in m.lower() for n in names)]
            if hits:
                blamed[i] = hits
        if blamed:
            self._refused_groups(zone, groups, boto_groups, blamed, result)
            rest = [i for i in range(len(groups)) if i not in blamed]
            if rest:
                self._submit(zone, [groups[i] for i in rest], [boto_groups[i] for i in rest], result)
            return
        left, right = batching.bisect(list(range(len(groups))))
        for half in (left, right):
            self._submit(zone, [groups[i] for i in half], [boto_groups[i] for i in half], result)

    def _refused_groups(
        self,
        zone: Zone,
        groups: list[ChangeGroup],
        boto_groups: list[list[dict[str, Any]]],
        blamed: Mapping[int, list[str]],
        result: ApplyResult,
    ) -> None:
        """Report refused groups. Refused as stale: read their records again and hand back the names
        whose records read differently, to be planned again."""
        for i, hits in blamed.items():
            result.failed.extend((c, "; ".join(hits)) for c in groups[i].records)
        stale = [i for i, hits in blamed.items() if any(_STALE.search(m) for m in hits)]
        if len(stale) < len(blamed):
            # Refused for what a change says, not for what we knew: read the zone again next time.
            self.invalidate(zone)
            for i in stale:
                result.replan |= _names(groups[i])
            return
        keys = {k for i in stale for k in _rrset_keys(boto_groups[i])}
        before = {i: self._snapshot(zone, _rrset_keys(boto_groups[i])) for i in stale}
        try:
            self._refresh(zone, keys)
        except ProviderError as exc:
            log.warning("zone %s: cannot read refused records again (%s); the next pass lists the zone", zone, exc)
            self.invalidate(zone)
            for i in stale:
                result.replan |= _names(groups[i])
            return
        for i in stale:
            after = self._snapshot(zone, _rrset_keys(boto_groups[i]))
            if after != before[i]:
                result.replan |= _names(groups[i])
            self._remember_refused(zone, boto_groups[i], after)

    # -- stale records: reading them again, remembering what was refused ---------------------------

    def _refresh(self, zone: Zone, keys: set[tuple[str, str]]) -> None:
        """Read the records at `keys` (name, type) again into the cache: one request per key when that
        is fewer than listing the zone, the whole zone otherwise."""
        cache = self._cache.get(zone.id)
        pages = math.ceil(len(cache.records) / PAGE_SIZE) if cache is not None else 0
        if cache is None or len(keys) >= max(1, pages):
            self._cache.pop(zone.id, None)
            self.records(zone)
            return
        fresh: dict[Key, Endpoint] = {}
        raw: dict[Key, dict[str, Any]] = {}
        for name, rtype in sorted(keys):
            for rrset in self._read_key(zone, name, rtype):
                ep = endpoint_from_rrset(rrset)
                fresh[ep.key] = ep
                if not _same_rrset(rrset_from_endpoint(ep), rrset):
                    raw[ep.key] = dict(rrset)
        for key in [k for k in cache.records if (k.name, k.type) in keys]:
            del cache.records[key]
            cache.raw.pop(key, None)
        cache.records.update(fresh)
        cache.raw.update(raw)
        self._bump(zone.id)

    def _read_key(self, zone: Zone, name: str, rtype: str) -> list[dict[str, Any]]:
        """Every record set at `name` with type `rtype` (all its set identifiers)."""
        out: list[dict[str, Any]] = []
        if rtype not in _READ_TYPES or (rtype == "NS" and name == zone.name):
            return out
        kwargs: dict[str, Any] = {"HostedZoneId": zone.id, "StartRecordName": name, "StartRecordType": rtype,
                                  "MaxItems": "10"}
        while True:
            page = self._call("list_resource_record_sets", **kwargs)
            for rrset in page.get("ResourceRecordSets", []):
                if rrset["Type"] != rtype or normalize_name(_unescape(rrset["Name"])) != name:
                    return out  # listed in order: past the key
                out.append(rrset)
            if not _continue_listing(page, kwargs):
                return out

    def _snapshot(self, zone: Zone, keys: set[tuple[str, str]]) -> tuple[Any, ...] | None:
        """What the cache holds at `keys`; None when the zone is not cached."""
        cache = self._cache.get(zone.id)
        if cache is None:
            return None
        return tuple(sorted((k, ep) for k, ep in cache.records.items() if (k.name, k.type) in keys))

    def _remember_refused(self, zone: Zone, boto_group: list[dict[str, Any]], snapshot: tuple[Any, ...] | None) -> None:
        if snapshot is None:
            return
        self._refused[(zone.id, _fingerprint(boto_group))] = snapshot
        while len(self._refused) > _REFUSED_MEMORY:
            del self._refused[next(iter(self._refused))]

    def _refused_before(self, zone: Zone, group: ChangeGroup, boto_group: list[dict[str, Any]],
                        result: ApplyResult) -> bool:
        """True (and the group reported) when Route 53 refused this very group as stale and its records
        still read the same: it would be refused again."""
        if not self._refused:
            return False
        key = (zone.id, _fingerprint(boto_group))
        seen = self._refused.get(key)
        if seen is None:
            return False
        if seen != self._snapshot(zone, _rrset_keys(boto_group)):
            del self._refused[key]  # the records changed since: worth a try
            return False
        result.failed.extend((c, "not sent again: Route 53 refused exactly this change, and the records it was "
                                 "refused for have not changed since") for c in group.records)
        return True

    def _remember(self, zone: Zone, group: ChangeGroup) -> None:
        """Keep the zone's cached records in step with what Route 53 accepted."""
        cache = self._cache.get(zone.id)
        if cache is None:
            return
        self._bump(zone.id)
        for change in group.changes:
            if change.old is not None:
                cache.records.pop(change.old.key, None)
                cache.raw.pop(change.old.key, None)
            if change.new is not None:
                cache.records[change.new.key] = change.new.evolve(labels=())


def _rrset_keys(boto_group: Sequence[Mapping[str, Any]]) -> set[tuple[str, str]]:
    """The (name, type) pairs a group's changes touch, in canonical form."""
    return {(normalize_name(_unescape(c["ResourceRecordSet"]["Name"])), c["ResourceRecordSet"]["Type"])
            for c in boto_group}


def _names(group: ChangeGroup) -> set[str]:
    return {group.name, *(c.endpoint.name for c in group.records)}


def _fingerprint(boto_group: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps(boto_group, sort_keys=True, default=str)


_MESSAGE_START = re.compile(r", (?=(?:Tried|RRSet|Invalid|The request|Number of|Duplicate|Missing|A health)\b)")


def _messages(exc: Any) -> list[str]:
    """The individual messages of an InvalidChangeBatch error (boto3 shows them as `[m1, m2]`)."""
    response = getattr(exc, "response", {}) or {}
    text = str(response.get("Error", {}).get("Message", exc))
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [m.strip() for m in _MESSAGE_START.split(text) if m.strip()] or [text]


def quote_txt(value: str) -> str:
    """Route 53 wants TXT values as quoted character-strings of at most 255 characters each."""
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    chunks = [escaped[i : i + 255] for i in range(0, len(escaped), 255)] or [""]
    return " ".join(f'"{c}"' for c in chunks)


def _normalise_routing(props: dict[str, str]) -> None:
    """One spelling per routing value, so reading back what we wrote compares equal."""
    if WEIGHT in props:
        props[WEIGHT] = str(int(props[WEIGHT]))
    if FAILOVER in props:
        props[FAILOVER] = props[FAILOVER].upper()
    if MULTI_VALUE in props:
        if props[MULTI_VALUE].lower() in ("", "true"):
            props[MULTI_VALUE] = "true"
        else:
            del props[MULTI_VALUE]
    if GEO_CONTINENT in props:
        # Route 53 takes a continent or a country, not both; the continent wins (external-dns).
        props.pop(GEO_COUNTRY, None)
        props.pop(GEO_SUBDIVISION, None)
    if any(p in props for p in _GEOPROX):
        props[GEOPROX_BIAS] = str(int(props.get(GEOPROX_BIAS, "0") or "0"))
    if HEALTH_CHECK in props and not props[HEALTH_CHECK]:
        del props[HEALTH_CHECK]


def _continue_listing(page: dict[str, Any], kwargs: dict[str, Any]) -> bool:
    """Point `kwargs` at the next page of ListResourceRecordSets; False when `page` was the last."""
    if not page.get("IsTruncated"):
        return False
    kwargs["StartRecordName"] = page["NextRecordName"]
    kwargs["StartRecordType"] = page["NextRecordType"]
    if "NextRecordIdentifier" in page:
        kwargs["StartRecordIdentifier"] = page["NextRecordIdentifier"]
    else:
        kwargs.pop("StartRecordIdentifier", None)
    return True

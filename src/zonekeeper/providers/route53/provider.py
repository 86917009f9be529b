"""The Route 53 provider: the Provider contract (providers/base.py) over the parts of this package.

Frugal by design: the zone list and every zone's records are cached and the record cache is kept
current from what we applied, so a steady state costs no API calls; every HTTP attempt (retries
included) takes a token from its account's bucket; changes go in as few batches as Route 53's
limits allow; and a batch Route 53 refuses is narrowed down to the changes at fault, which are
reported, while the rest is applied.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from zonekeeper.changes import ChangeGroup
from zonekeeper.endpoint import Endpoint, Problem
from zonekeeper.providers import aws_rules
from zonekeeper.providers.base import NO_CALL_METRICS, ApplyResult, CallMetrics, HttpRequest, WriteFence, Zone
from zonekeeper.providers.route53 import changes
from zonekeeper.providers.route53.account import Account
from zonekeeper.providers.route53.attempts import AttemptHooks
from zonekeeper.providers.route53.changes import Outgoing
from zonekeeper.providers.route53.options import Route53Options
from zonekeeper.providers.route53.records import DriftCheck, RecordCache
from zonekeeper.providers.route53.refused import NOT_SENT_AGAIN, RefusedMemory
from zonekeeper.providers.route53.send import Sender
from zonekeeper.providers.route53.zones import ZoneDirectory, ZoneFilter
from zonekeeper.ratelimit import AdaptiveRate, TokenBucket

_DEFAULTS = Route53Options()


class Route53Provider:
    name = "aws"
    default_ttl = 300

    def __init__(
        self,
        client: Any = None,
        options: Route53Options = _DEFAULTS,
        *,
        accounts: Sequence[Account] = (),
        zone_filter: ZoneFilter | None = None,
        bucket: TokenBucket | None = None,
        clock: Callable[[], float] = time.monotonic,
        metrics: CallMetrics = NO_CALL_METRICS,
        drift: DriftCheck | None = None,
    ) -> None:
        """Either `accounts`, or one boto3 `client` (an account named "default", paced by `bucket`)."""
        if (client is None) == (not accounts):
            raise ValueError("pass either a client or accounts")
        self.accounts: tuple[Account, ...] = tuple(accounts) or (Account(client, bucket=bucket),)
        self.options = options
        self.calls: Counter[tuple[str, str]] = Counter()  # (operation, ok|throttled|error)
        self.calls_by_account: Counter[tuple[str, str, str]] = Counter()  # (account name, operation, outcome)
        # Public: the live controller plugs its metrics in after the wiring is built.
        self.metrics: CallMetrics = metrics
        # Asked right before every write attempt: a replica that lost its leadership must not write.
        self.fence: WriteFence | None = None
        self.drift = drift  # how expired records are vouched for; None: the zone is listed again
        self._zones = ZoneDirectory(self.accounts, options, zone_filter, clock)
        self._cache = RecordCache(options.records_cache_seconds, clock, drift=drift,
                                  list_every=options.full_list_seconds)
        self._refused = RefusedMemory()
        self._sender = Sender(self._cache, self._refused, lambda: self.fence)
        self._rules = aws_rules.RuleOptions(default_ttl=self.default_ttl, prefer_cname=options.prefer_cname,
                                            evaluate_target_health=options.evaluate_target_health)
        for account in self.accounts:
            AttemptHooks(account, lambda: self.fence, functools.partial(self._count, account.name),
                         self._timed, adaptive=self._adaptive(account)).install()

    def _adaptive(self, account: Account) -> AdaptiveRate | None:
        if account.bucket is None or not self.options.adaptive_rate:
            return None
        # self.metrics is looked up at each change: the live controller plugs its own in later.
        return AdaptiveRate(account.bucket, observe=lambda rate: self.metrics.observe_api_rate(account.name, rate))

    def _count(self, account: str, operation: str, outcome: str) -> None:
        self.calls[(operation, outcome)] += 1
        self.calls_by_account[(account, operation, outcome)] += 1
        self.metrics.observe_api_call(operation, outcome, account)

    def _timed(self, request: HttpRequest) -> None:
        self.metrics.observe_http_request(request)

    def zones(self) -> list[Zone]:
        return self._zones.zones()

    def zone_errors(self) -> list[str]:
        return self._zones.errors()

    def records(self, zone: Zone) -> list[Endpoint]:
        return self._cache.records(self._zones.account(zone), zone)

    def generation(self, zone: Zone) -> int:
        """Changes whenever the records `records(zone)` returns may have changed."""
        return self._cache.generation(zone)

    def invalidate(self, zone: Zone | None = None) -> None:
        """Forget cached records (one zone, or all) so the next read lists them again."""
        self._cache.invalidate(zone)

    def preload(self) -> None:
        """List every zone's records into the cache, unless it keeps nothing (--aws-records-cache-duration=0:
        every read lists again, and this would only double the calls)."""
        if not self._cache.keeps:
            return
        for zone in self.zones():
            self.records(zone)

    def adjust(self, zone: Zone, endpoints: Sequence[Endpoint]) -> tuple[list[Endpoint], list[Problem]]:
        out: list[Endpoint] = []
        problems: list[Problem] = []
        for ep in endpoints:
            adjusted = aws_rules.adjust_endpoint(zone, ep, self._rules)
            if isinstance(adjusted, Problem):
                problems.append(adjusted)
            else:
                out.extend(adjusted)
        return out, problems

    def apply(self, zone: Zone, groups: Sequence[ChangeGroup]) -> ApplyResult:
        result = ApplyResult()
        account = self._zones.account(zone)
        outgoing = [changes.outgoing(g, lambda key: self._cache.raw(zone, key)) for g in groups]
        packed = changes.pack([g for g in outgoing if not self._refused_before(zone, g, result)],
                              changes.limits(self.options))
        for group, reason in packed.oversized:
            result.failed.extend((c, reason) for c in group.records)
        for batch in packed.batches:
            self._sender.submit(account, zone, batch, result)
        return result

    def _refused_before(self, zone: Zone, group: Outgoing, result: ApplyResult) -> bool:
        """True (and the group reported) when it would only be refused again (refused.py)."""
        if not self._refused.refused_again(zone.id, group, lambda: self._cache.snapshot(zone, group.keys)):
            return False
        result.failed.extend((c, NOT_SENT_AGAIN) for c in group.records)
        return True

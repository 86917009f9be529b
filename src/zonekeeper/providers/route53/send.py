"""Sending change requests, and what to do when Route 53 refuses one.

A request is atomic: Route 53 applies all of it or nothing. When it refuses a batch for its content
(errors.CHANGE_REJECTIONS), the groups its messages name are reported and the rest is sent again in
one more request; when the messages name nothing we recognise, the batch is bisected. A group refused
as stale (errors.is_stale) has its records read again; the names whose records read differently are
handed back in `ApplyResult.replan`, and the group is remembered so it is not sent again identical.

Any other failure (the fence, throttling beyond retries, the network) fails the whole batch and
forgets the zone's cached records: an earlier attempt may have been applied without our knowing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from zonekeeper.providers.base import NOT_LEADER, ApplyResult, ProviderError, WriteFence, Zone
from zonekeeper.providers.route53 import batching, errors
from zonekeeper.providers.route53.account import Account
from zonekeeper.providers.route53.attempts import LeaseExpired, too_little_lease
from zonekeeper.providers.route53.changes import Outgoing
from zonekeeper.providers.route53.records import RecordCache
from zonekeeper.providers.route53.refused import RefusedMemory

log = logging.getLogger(__name__)

Batch = list[Outgoing]


def _fail(batch: Batch, reason: str, result: ApplyResult) -> None:
    for group in batch:
        result.failed.extend((c, reason) for c in group.records)


def failure(exc: Exception) -> str | None:
    """Why a request failed as a whole, or None when Route 53 objected to some change in it."""
    from botocore.exceptions import ClientError

    if isinstance(exc, LeaseExpired):
        # Stopped before an attempt; an earlier attempt may have been applied without our knowing.
        return NOT_LEADER
    if isinstance(exc, ClientError):
        code, message = errors.error_of(exc.response, str(exc))
        return None if code in errors.CHANGE_REJECTIONS else f"{code}: {message}"
    return f"request failed: {exc}"  # network trouble after retries


class Sender:
    def __init__(self, cache: RecordCache, refused: RefusedMemory, fence: Callable[[], WriteFence | None]) -> None:
        self._cache = cache
        self._refused = refused
        self._fence = fence

    def submit(self, account: Account, zone: Zone, batch: Batch, result: ApplyResult) -> None:
        if too_little_lease(self._fence()):
            _fail(batch, NOT_LEADER, result)
            return
        changes = [c for group in batch for c in group.changes]
        result.requests += 1
        try:
            account.client.change_resource_record_sets(
                HostedZoneId=zone.id, ChangeBatch={"Comment": "zonekeeper", "Changes": changes}
            )
        except Exception as exc:  # every failure is reported; the other batches go on
            self._refusal(account, zone, batch, exc, result)
            return
        for group in batch:
            self._cache.remember(zone, group.group)
            result.applied.extend(group.records)

    def _refusal(self, account: Account, zone: Zone, batch: Batch, exc: Exception, result: ApplyResult) -> None:
        reason = failure(exc)
        if reason is not None:
            self._cache.invalidate(zone)
            _fail(batch, reason, result)
            return
        _, message = errors.error_of(getattr(exc, "response", {}) or {}, str(exc))
        self._narrow_down(account, zone, batch, errors.split_messages(message), result)

    def _narrow_down(self, account: Account, zone: Zone, batch: Batch, messages: list[str],
                     result: ApplyResult) -> None:
        """Find the groups Route 53 objected to and apply the others.

        Route 53 names the offending record in its messages, so usually one more request applies
        the rest (none when every group is named). When the messages name nothing we recognise, bisect.
        """
        if len(batch) == 1:
            self._refused_groups(account, zone, batch, {0: messages}, result)
            return
        blamed = errors.blame(messages, [group.sent_names for group in batch])
        if not blamed:
            for half in batching.bisect(batch):
                self.submit(account, zone, half, result)
            return
        self._refused_groups(account, zone, batch, blamed, result)
        rest = [group for i, group in enumerate(batch) if i not in blamed]
        if rest:
            self.submit(account, zone, rest, result)

    def _refused_groups(self, account: Account, zone: Zone, batch: Batch, blamed: Mapping[int, list[str]],
                        result: ApplyResult) -> None:
        """Report refused groups. Refused as stale: read their records again and hand back the names
        whose records read differently, to be planned again."""
        for i, hits in blamed.items():
            result.failed.extend((c, "; ".join(hits)) for c in batch[i].records)
        stale = [batch[i] for i, hits in blamed.items() if any(errors.is_stale(m) for m in hits)]
        if len(stale) < len(blamed):
            # Refused for what a change says, not for what we knew: read the zone again next time.
            self._cache.invalidate(zone)
            self._replan(stale, result)
            return
        self._reread(account, zone, stale, result)

    def _reread(self, account: Account, zone: Zone, stale: Batch, result: ApplyResult) -> None:
        before = [self._cache.snapshot(zone, group.keys) for group in stale]
        try:
            self._cache.refresh(account, zone, {k for group in stale for k in group.keys})
        except ProviderError as exc:
            log.warning("zone %s: cannot read refused records again (%s); the next pass lists the zone", zone, exc)
            self._cache.invalidate(zone)
            self._replan(stale, result)
            return
        for group, seen in zip(stale, before, strict=True):
            after = self._cache.snapshot(zone, group.keys)
            if after != seen:
                result.replan |= group.names
            self._refused.remember(zone.id, group, after)

    @staticmethod
    def _replan(groups: Batch, result: ApplyResult) -> None:
        for group in groups:
            result.replan |= group.names

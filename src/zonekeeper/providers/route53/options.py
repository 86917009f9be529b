"""The Route 53 provider's settings (from the command line, through the wiring)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class Route53Options:
    zone_type: str = ""  # "", "public" or "private"
    zone_id_filter: tuple[str, ...] = ()
    zone_tags: tuple[tuple[str, str | None], ...] = ()  # (key, value); None: any value
    prefer_cname: bool = False
    evaluate_target_health: bool = True
    batch_change_size: int = 1000
    batch_change_size_values: int = 1000
    batch_change_size_bytes: int = 32000
    zones_cache_seconds: float = 3600.0
    # 0 lists a zone on every call; the controller sets a long value and relies on its own
    # bookkeeping plus a periodic re-list to catch drift.
    records_cache_seconds: float = 0.0
    # With a drift check (records.py), expired records of a public zone are vouched for by its name
    # servers; the zone is still listed in full at least this often.
    full_list_seconds: float = 86400.0
    # Each account's bucket adapts its rate to Throttling answers (ratecontrol.py), up to the rate
    # it was built with; False: that rate, fixed.
    adaptive_rate: bool = True

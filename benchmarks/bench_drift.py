"""Route 53 API calls an idle controller spends finding drift, per hour, re-listing vs asking DNS.

A zone of N record sets (half A, half TXT, as owned records and their ownership TXTs) on the strict
Route 53 endpoint, served by a real Knot DNS server on loopback as Route 53's name servers would serve
it. The record cache expires every hour (`--aws-records-cache-duration`, default 1h): with
`--drift-check=list` every expiry re-lists the zone; with `--drift-check=dns` the name servers are asked
and the zone is listed in full once a day (`--drift-full-list-interval`). Three records are edited "in
the console" in the measured hour. Prints figures; not a test.
Run: uv run python benchmarks/bench_drift.py [N]   (needs Knot: apt-get install knot)
"""

from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.knot import KnotServer
from tests.support.route53 import StrictRoute53Server
from zonekeeper.providers.base import Zone
from zonekeeper.providers.route53 import Route53Options, Route53Provider
from zonekeeper.providers.route53.dnsprobe import DnsDriftCheck

HOUR = 3600.0


def rrsets(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n // 2):
        name = f"svc-{i}.example.com"
        out.append({"Name": name, "Type": "A", "TTL": 300,
                    "ResourceRecords": [{"Value": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"}]})
        out.append({"Name": f"a-{name}", "Type": "TXT", "TTL": 300, "ResourceRecords": [
            {"Value": f'"heritage=external-dns,external-dns/owner=bench,external-dns/resource=service/ns/svc-{i}"'}]})
    return out


def load(server: StrictRoute53Server, zone_id: str, records: list[dict[str, Any]]) -> None:
    for start in range(0, len(records), 250):
        server.harness.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
            {"Action": "CREATE", "ResourceRecordSet": r} for r in records[start:start + 250]]})


def listed(server: StrictRoute53Server, zone_id: str) -> list[dict[str, Any]]:
    pages = server.harness.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id)
    return [r for page in pages for r in page["ResourceRecordSets"]]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    with StrictRoute53Server() as server, KnotServer() as knot:
        zone_id = server.create_zone("example.com")
        records = rrsets(n)
        started = time.monotonic()
        load(server, zone_id, records)
        knot.serve("example.com", listed(server, zone_id))
        print(f"drift, a zone of {n:,} record sets (set up in {time.monotonic() - started:.0f} s)")
        zone = Zone(zone_id, "example.com")
        pages = math.ceil(n / 300)

        figures = {}
        for mode in ("list", "dns"):
            now = [0.0]
            check = DnsDriftCheck(servers=(("127.0.0.1", knot.port),), workers=8) if mode == "dns" else None
            provider = Route53Provider(server.client(), Route53Options(records_cache_seconds=HOUR),
                                       clock=lambda now=now: now[0], drift=check)
            provider.records(zone)  # start-up: the first list
            edits = [dict(r, ResourceRecords=[{"Value": "192.0.2.77"}]) for r in records[0:6:2]]
            server.harness.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
                {"Action": "UPSERT", "ResourceRecordSet": r} for r in edits]})
            knot.serve("example.com", listed(server, zone_id))
            now[0] += HOUR + 1
            server.reset_counts()
            cpu, wall = time.process_time(), time.monotonic()
            seen = {e.name: e.targets for e in provider.records(zone) if e.type == "A"}
            cpu, wall = time.process_time() - cpu, time.monotonic() - wall
            assert all(seen[r["Name"]] == ("192.0.2.77",) for r in edits), "drift missed"
            calls = server.counts["ListResourceRecordSets"]
            queries = check.queries if check else 0
            figures[mode] = (calls, queries, cpu, wall)
            # Put the console edits back for the next mode.
            server.harness.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
                {"Action": "UPSERT", "ResourceRecordSet": r} for r in records[0:6:2]]})
            knot.serve("example.com", listed(server, zone_id))

    list_calls = figures["list"][0]
    dns_calls = figures["dns"][0]
    # Per hour over a day: `list` re-lists at every expiry; `dns` lists once a day and reads drifted names.
    per_hour_list = list_calls
    per_hour_dns = (pages + 23 * dns_calls) / 24
    print(f"  one hourly check, --drift-check=list: {list_calls} ListResourceRecordSets "
          f"({figures['list'][2]:.2f} s CPU, {figures['list'][3]:.2f} s)")
    print(f"  one hourly check, --drift-check=dns:  {dns_calls} ListResourceRecordSets for 3 drifted names, "
          f"{figures['dns'][1]:,} DNS questions ({figures['dns'][2]:.2f} s CPU, {figures['dns'][3]:.2f} s)")
    print(f"  API calls per hour, averaged over a day: list {per_hour_list:.0f}, dns {per_hour_dns:.1f} "
          f"(a full list of {pages} pages daily + the drifted names)")


if __name__ == "__main__":
    main()

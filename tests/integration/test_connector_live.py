"""`zonekeeper run --source=connector` against the real connector server (tests/connector), a real
kube-apiserver and the strict Route 53: the server is read at each full pass (--interval), its records
follow what it serves, and when it goes away its last good endpoints are kept (nothing deleted)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_live_controller import (
    aws_env,  # noqa: F401  (an autouse fixture, used by being imported)
    controller_kubeconfig,  # noqa: F401
    eventually,
    records,
    settings_for,
    start,
    stop,
    value_of,
    zone,  # noqa: F401
)
from tests.support.connector import MISSING, SERVER, serving
from tests.support.route53 import StrictRoute53Server

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(180),
              pytest.mark.skipif(not SERVER.exists(), reason=MISSING)]

INTERVAL = 1.0


def served_endpoints(*targets: str) -> str:
    return json.dumps([
        {"dnsName": "web.example.com", "targets": list(targets), "recordType": "A", "recordTTL": 60},
        {"dnsName": "www.example.com", "targets": ["web.example.com"], "recordType": "CNAME"},
    ])


@pytest.fixture()
def connector_server(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    data = tmp_path / "endpoints.json"
    data.write_text(served_endpoints("10.0.0.1"))
    with serving(data) as (address, proc):
        yield address, data, proc


async def test_records_follow_the_connector_server_at_each_full_pass(
        kube_namespace: str, controller_kubeconfig: Path,  # noqa: F811
        route53: StrictRoute53Server, zone: str,  # noqa: F811
        connector_server: tuple[str, Path, subprocess.Popen[bytes]]) -> None:
    address, data, proc = connector_server
    settings = settings_for(controller_kubeconfig, route53, kube_namespace, sources=("connector",),
                            connector_source_server=address, interval=INTERVAL)
    task = await start(settings)

    def a_value() -> str:
        return value_of(records(route53, zone).get(("web.example.com", "A", ""), {}))

    try:
        await eventually(lambda: a_value() == "10.0.0.1", what="the served A record")
        got: dict[tuple[str, str, str], Any] = records(route53, zone)
        assert value_of(got[("www.example.com", "CNAME", "")]) == "web.example.com"
        assert "heritage=external-dns" in value_of(got[("a-web.example.com", "TXT", "")])

        # The server serves something else: the next full pass (one --interval at most) follows it.
        data.write_text(served_endpoints("10.0.0.2", "10.0.0.3"))
        changed = time.monotonic()
        await eventually(lambda: a_value() == "10.0.0.2,10.0.0.3", what="the A record follows the server")
        latency = time.monotonic() - changed
        print(f"connector change -> Route 53: {latency:.2f}s (--interval={INTERVAL:g}s)")
        assert latency < INTERVAL + 2.0, latency

        # The server goes away: the last good read is kept, nothing is deleted.
        proc.terminate()
        proc.wait()
        await asyncio.sleep(3 * INTERVAL)
        assert a_value() == "10.0.0.2,10.0.0.3"
        assert ("www.example.com", "CNAME", "") in records(route53, zone)
        assert not task.done()
        assert all(b["Status"] == "accepted" for b in route53.change_batches), route53.errors
    finally:
        await stop(task)

"""The edge of --resolve-service-load-balancer-hostname: real lookups of names that need no network
(`localhost` from /etc/hosts; `.invalid` never resolves, RFC 6761)."""

from __future__ import annotations

import asyncio
import ipaddress

from zonekeeper import lbresolve
from zonekeeper.sources.base import SourceConfig
from zonekeeper.sources.objects import ObjectStore

MISSING = "nothing-here.invalid"


def lb_service(name: str, *hostnames: str, type: str = "LoadBalancer") -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"},
            "spec": {"type": type},
            "status": {"loadBalancer": {"ingress": [{"hostname": h} for h in hostnames]}}}


def test_localhost_resolves_to_loopback_addresses_and_an_invalid_name_to_nothing() -> None:
    table = lbresolve.resolve_all(["localhost", MISSING])
    assert table[MISSING] == ()
    assert table["localhost"], table
    assert all(ipaddress.ip_address(a).is_loopback for a in table["localhost"])
    assert "127.0.0.1" in table["localhost"] or "::1" in table["localhost"]


def test_hostnames_are_those_of_load_balancer_services_only() -> None:
    store = ObjectStore([lb_service("a", "localhost", MISSING), lb_service("b", "localhost"),
                         lb_service("c", "cluster.example", type="ClusterIP")])
    assert lbresolve.hostnames(store) == {"localhost", MISSING}


def test_with_the_flag_off_the_config_is_unchanged() -> None:
    config = SourceConfig()
    assert lbresolve.prepared(config, ObjectStore([lb_service("a", "localhost")])) is config


def test_prepared_fills_the_table_for_every_hostname() -> None:
    config = SourceConfig(resolved_hostnames={})
    out = lbresolve.prepared(config, ObjectStore([lb_service("a", "localhost", MISSING)]))
    assert out.resolved_hostnames is not None
    assert set(out.resolved_hostnames) == {"localhost", MISSING}
    assert out.resolved_hostnames[MISSING] == ()


def test_refresh_resolves_only_missing_names_unless_full_and_reports_changed_ones() -> None:
    stale = {"localhost": ("192.0.2.1",), "gone.invalid": ()}
    config = SourceConfig(resolved_hostnames=stale)
    store = ObjectStore([lb_service("a", "localhost", MISSING)])
    partial, changed = asyncio.run(lbresolve.refresh(config, store, full=False))
    assert partial.resolved_hostnames is not None
    assert partial.resolved_hostnames["localhost"] == ("192.0.2.1",)  # kept: not re-resolved
    assert changed == {MISSING}
    full, changed = asyncio.run(lbresolve.refresh(partial, store, full=True))
    assert full.resolved_hostnames is not None
    assert set(full.resolved_hostnames) == {"localhost", MISSING}  # unused names dropped
    assert "192.0.2.1" not in full.resolved_hostnames["localhost"]
    assert changed == {"localhost"}

"""`zonekeeper run` on the F5 CIS, Skipper and OpenShift sources against a real kube-apiserver (their
CRDs: tests/support/crds) and the strict Route 53 endpoint, as the shipped RBAC's ServiceAccount.

For each source: the object's record appears, follows a change of the address it reads (the
event-to-DNS latency is measured and printed) and goes with the object.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_live_controller import (
    aws_env,  # noqa: F401  (fixture)
    controller_kubeconfig,  # noqa: F401  (fixture)
    eventually,
    records,
    settings_for,
    start,
    stop,
    value_of,
    zone,  # noqa: F401  (fixture)
)
from tests.support.kube import KubeCluster
from tests.support.project_objects import f5_transport_server, f5_virtual_server, openshift_route, route_group
from tests.support.route53 import StrictRoute53Server

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(180)]

ROUTER_1 = "router-default.apps.rosa-1.abcd.p1.openshiftapps.com"
ROUTER_2 = "router-default.apps.rosa-2.abcd.p1.openshiftapps.com"

# source -> (group, version, plural, object at the first address, the same object at the second,
#            record type, first value, second value)
Case = tuple[str, str, str, Callable[[str], dict[str, Any]], Callable[[str], dict[str, Any]], str, str, str]


def cases(ns: str) -> dict[str, Case]:
    return {
        "f5-virtualserver": ("cis.f5.com", "v1", "virtualservers",
                             lambda n: f5_virtual_server("vs", n, "vs.example.com", "192.0.2.61"),
                             lambda n: f5_virtual_server("vs", n, "vs.example.com", "192.0.2.62"),
                             "A", "192.0.2.61", "192.0.2.62"),
        "f5-transportserver": ("cis.f5.com", "v1", "transportservers",
                               lambda n: f5_transport_server("ts", n, "ts.example.com", "192.0.2.63"),
                               lambda n: f5_transport_server("ts", n, "ts.example.com", "192.0.2.64"),
                               "A", "192.0.2.63", "192.0.2.64"),
        "skipper-routegroup": ("zalando.org", "v1", "routegroups",
                               lambda n: route_group("rg", n, ["rg.example.com"], "192.0.2.65"),
                               lambda n: route_group("rg", n, ["rg.example.com"], "192.0.2.66"),
                               "A", "192.0.2.65", "192.0.2.66"),
        "openshift-route": ("route.openshift.io", "v1", "routes",
                            lambda n: openshift_route("route", n, "route.example.com", ("default", ROUTER_1)),
                            lambda n: openshift_route("route", n, "route.example.com", ("default", ROUTER_2)),
                            "CNAME", ROUTER_1, ROUTER_2),
    }


NAMES = {"f5-virtualserver": "vs", "f5-transportserver": "ts", "skipper-routegroup": "rg", "openshift-route": "route"}
LABELS = {"f5-virtualserver": "f5-virtualserver", "f5-transportserver": "f5-transportserver",
          "skipper-routegroup": "routegroup", "openshift-route": "route"}


@pytest.mark.parametrize("source", list(NAMES))
async def test_the_record_follows_the_object(source: str, kube_cluster: KubeCluster, kube_namespace: str,
                                             controller_kubeconfig: Path,  # noqa: F811
                                             route53: StrictRoute53Server, zone: str) -> None:  # noqa: F811
    from kubernetes import client

    ns = kube_namespace
    group, version, plural, first, second, rtype, value1, value2 = cases(ns)[source]
    name = NAMES[source]
    host = f"{name}.example.com"

    def value() -> str:
        return value_of(records(route53, zone).get((host, rtype, ""), {}))

    task = await start(settings_for(controller_kubeconfig, route53, ns, sources=(source,)))
    try:
        await asyncio.sleep(0.5)  # the watch is up: the object's creation is an event, not the first list
        await asyncio.to_thread(kube_cluster.apply, first(ns))
        started = time.monotonic()
        await eventually(lambda: value() == value1, what=f"{source}: record created")
        created = time.monotonic() - started
        txt = value_of(records(route53, zone)[(f"{'cname' if rtype == 'CNAME' else 'a'}-{host}", "TXT", "")])
        assert f"resource={LABELS[source]}/{ns}/{name}" in txt

        await asyncio.to_thread(kube_cluster.apply, second(ns))
        started = time.monotonic()
        await eventually(lambda: value() == value2, what=f"{source}: record follows the new address")
        moved = time.monotonic() - started
        assert moved < 5.0, moved

        await asyncio.to_thread(client.CustomObjectsApi(kube_cluster.admin).delete_namespaced_custom_object,
                                group, version, ns, plural, name)
        started = time.monotonic()
        await eventually(lambda: not any(k[0].endswith(host) for k in records(route53, zone)),
                         what=f"{source}: records deleted")
        deleted = time.monotonic() - started
        print(f"{source}: event -> DNS: create {created:.2f}s, address change {moved:.2f}s, delete {deleted:.2f}s")
        assert all(b["Status"] == "accepted" for b in route53.change_batches), route53.errors
    finally:
        await stop(task)


async def test_openshift_router_name_picks_the_router(kube_cluster: KubeCluster, kube_namespace: str,
                                                      controller_kubeconfig: Path,  # noqa: F811
                                                      route53: StrictRoute53Server, zone: str) -> None:  # noqa: F811
    """A Route admitted by two routers (a ROSA cluster's default and a sharded IngressController): with
    --openshift-router-name the sharded one's status entry gives the host and the target."""
    ns = kube_namespace
    sharded = "router-sharded.apps.rosa-1.abcd.p1.openshiftapps.com"
    route = openshift_route("shop", ns, "shop.example.com", ("default", ROUTER_1), ("sharded", sharded))
    await asyncio.to_thread(kube_cluster.apply, route)
    task = await start(settings_for(controller_kubeconfig, route53, ns, sources=("openshift-route",),
                                    openshift_router_name="sharded"))
    try:
        await eventually(lambda: value_of(records(route53, zone).get(("shop.example.com", "CNAME", ""), {}))
                         == sharded, what="CNAME to the sharded router")
    finally:
        await stop(task)

"""external-dns v0.23.0 and zonekeeper with `--log-format=json --events-emit=...`: the same log keys and
the same Kubernetes Events.

Each tool runs as a controller on its own copy of the catalogue (one namespace each, so their Events do
not mix) into a fresh copy of the zone, until the Events of its first sync are there. Then:

* every log line of both is one JSON object with logrus's `level`, `msg` and `time` (RFC 3339, to the
  second), and the level names are logrus's;
* both recorded the same Events: per object, reason and note (the note's `(<tool>)` prefix aside).
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.support.external_dns import Controllers
from tests.support.kube import KubeCluster

from .objects import EXTERNAL_DNS_ONLY_ARGS, ZONE, catalogue, shared_args
from .test_compat_metrics import free_port

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(420)]

OWNER = "compat"
EVENTS_TIMEOUT = 120.0
SETTLE = 5.0  # once Events appear, how long the count must stay the same
LOGRUS_LEVELS = {"trace", "debug", "info", "warning", "error", "fatal", "panic"}
RFC3339_SECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)")


def events(cluster: KubeCluster, namespace: str, reporter: str) -> list[dict[str, Any]]:
    """The Events `reporter` (the tool: both report under their own name) wrote in `namespace`. The
    apiserver's own controllers write there too (its ClusterIP repair loop: a Warning
    `ClusterIPNotAllocated` on a Service created a moment before), and neither tool is asked about those."""
    from kubernetes import client

    # The core/v1 view: external-dns writes events.k8s.io/v1 Events, zonekeeper core/v1 ones; both read here.
    found = client.CoreV1Api(cluster.admin).list_namespaced_event(namespace).items
    return [{"object": e.involved_object.name, "type": e.type, "reason": e.reason, "note": e.message or ""}
            for e in found if reporter in (e.reporting_component, e.source.component if e.source else None)]


def run_until_events(controllers: Controllers, cluster: KubeCluster, tool: str, namespace: str, args: list[str],
                     log: Path) -> list[dict[str, Any]]:
    controllers.route53.reset()
    controllers.route53.create_zone(ZONE)
    # Its own metrics port: the default (:7979) may be taken by another run.
    with controllers.serving(tool, log, *args, "--log-format=json", "--events-emit=RecordReady",
                             "--events-emit=RecordDeleted", "--events-emit=RecordError", "--interval=1m",
                             f"--metrics-address=127.0.0.1:{free_port()}") as proc:
        deadline = time.monotonic() + EVENTS_TIMEOUT
        seen, stable_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"{tool} exited {proc.returncode}:\n{log.read_text()[-6000:]}"
            found = events(cluster, namespace, tool)
            if len(found) != seen:
                seen, stable_since = len(found), time.monotonic()
            elif found and time.monotonic() - stable_since >= SETTLE:
                return found
            time.sleep(1.0)
    raise AssertionError(f"{tool} recorded no Events within {EVENTS_TIMEOUT}s:\n{log.read_text()[-6000:]}")


@pytest.fixture(scope="module")
def runs(controllers: Controllers, kube_cluster: KubeCluster, tmp_path_factory: pytest.TempPathFactory
         ) -> dict[str, tuple[list[dict[str, Any]], str]]:
    logs = tmp_path_factory.mktemp("compat-logs-events")
    out = {}
    for tool, extra in (("external-dns", EXTERNAL_DNS_ONLY_ARGS), ("zonekeeper", [])):
        namespace = f"compat-events-{tool}"
        kube_cluster.ensure_namespace(namespace)
        kube_cluster.apply(catalogue(namespace))
        args = [*shared_args(str(kube_cluster.admin_kubeconfig), namespace, OWNER), *extra]
        found = run_until_events(controllers, kube_cluster, tool, namespace, args, logs / f"{tool}.log")
        out[tool] = (found, (logs / f"{tool}.log").read_text())
    controllers.route53.reset()
    return out


# Cluster IPs differ by construction (each namespace's Service has its own); and the `ttl` of a note is
# not compared: zonekeeper says the TTL it wrote (300 when none was set, 0 for an alias), external-dns
# its endpoint's (0 when none was set, 300 for an alias): docs/troubleshooting.md#kubernetes-events.
_CLUSTER_IP = re.compile(r"\b10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+\b")
_TTL = re.compile(r",ttl:\d+,")


def _comparable_note(note: str) -> str:
    return _TTL.sub(",ttl:-,", _CLUSTER_IP.sub("<cluster-ip>", note))


@pytest.mark.parametrize("tool", ["external-dns", "zonekeeper"])
def test_json_log_lines_have_logrus_keys(runs: dict[str, tuple[list[dict[str, Any]], str]], tool: str) -> None:
    text = [line for line in runs[tool][1].splitlines() if line.strip()]
    first = next(i for i, line in enumerate(text) if line.startswith("{"))
    # external-dns prints its configuration before it sets its JSON formatter up; zonekeeper never does.
    assert first == 0 or tool == "external-dns", text[:first]
    lines = [json.loads(line) for line in text[first:]]
    assert len(lines) > 5
    for line in lines:
        assert {"level", "msg", "time"} <= line.keys(), line
        assert line["level"] in LOGRUS_LEVELS, line
        assert RFC3339_SECONDS.fullmatch(line["time"]), line


def test_both_record_the_same_events(runs: dict[str, tuple[list[dict[str, Any]], str]]) -> None:
    def comparable(found: list[dict[str, Any]], tool: str) -> Counter[tuple[str, str, str, str]]:
        prefix = f"({tool}) "
        assert all(e["note"].startswith(prefix) for e in found), found
        return Counter((e["object"], e["type"], e["reason"], _comparable_note(e["note"].removeprefix(prefix)))
                       for e in found)

    theirs = comparable(runs["external-dns"][0], "external-dns")
    ours = comparable(runs["zonekeeper"][0], "zonekeeper")
    assert {reason for _, _, reason, _ in theirs} == {"RecordReady"}  # a first sync only creates
    assert sum(theirs.values()) >= 10
    only_theirs, only_ours = theirs - ours, ours - theirs
    assert not only_theirs and not only_ours, f"external-dns only: {sorted(only_theirs)}\nzonekeeper only: {sorted(only_ours)}"

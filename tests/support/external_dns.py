"""external-dns itself beside zonekeeper: both CLIs as subprocesses against one strict Route 53 endpoint.

The compatibility suite (``tests/compat``) proves zonekeeper a drop-in by running the real external-dns
(v0.23.0, built from its Go module by ``tests/external_dns/build.sh`` and cached outside the repository)
and ``zonekeeper`` with the same arguments on the same Kubernetes objects, and comparing what each
leaves in the zone.

* ``external_dns_binary()`` finds the built binary (``None`` when it is not built; the build is about 10 min
  cold, far too long for a test to start, so the suite skips instead: ``scripts/test.sh`` builds it).
* ``Controllers`` runs either CLI with fake static credentials whose access key id names the tool
  (``external-dns`` / ``zonekeeper``), so the strict layer's ``counts_by_key`` and the recorded change
  batches tell which of the two sent a request.
* ``Controllers.compare()`` runs both on the same objects, each into a fresh copy of the zone, and each
  on the zone the other wrote (the takeovers), and returns a ``Comparison`` of it all.
* ``record_sets()`` reads a zone as comparable values (``RecordSet``), leaving out what neither tool
  owns (the apex NS/SOA) and what differs by construction (nothing else: alias targets, TTLs and TXT
  ownership values are all compared as they are).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .route53 import StrictRoute53Server

__all__ = [
    "BUILD_SCRIPT",
    "EXTERNAL_DNS_KEY",
    "SKIP_ENV",
    "ZONEKEEPER_KEY",
    "Comparison",
    "Controllers",
    "RecordSet",
    "Run",
    "by_name",
    "changed_keys",
    "differences",
    "external_dns_binary",
    "record_sets",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / "tests" / "external_dns" / "build.sh"
SKIP_ENV = "ZONEKEEPER_SKIP_EXTERNAL_DNS"
# The access key ids of the two tools' fake credentials: the strict layer counts requests per key id.
EXTERNAL_DNS_KEY = "external-dns"
ZONEKEEPER_KEY = "zonekeeper"
CHANGE = "ChangeResourceRecordSets"
RUN_TIMEOUT = 120.0


def external_dns_binary() -> Path | None:
    """The external-dns binary ``tests/external_dns/build.sh`` built, or None when it is not built."""
    bash = shutil.which("bash")
    if bash is None:
        return None
    printed = subprocess.run([bash, str(BUILD_SCRIPT), "--print"], capture_output=True, text=True, check=True,
                             stdin=subprocess.DEVNULL).stdout.strip()
    path = Path(printed)
    return path if os.access(path, os.X_OK) else None


@dataclass(frozen=True, slots=True)
class Run:
    """One finished run of either CLI."""

    tool: str
    args: tuple[str, ...]
    code: int
    output: str  # stdout + stderr

    def __str__(self) -> str:
        return f"{self.tool} {' '.join(self.args)} -> exit {self.code}\n{self.output[-6000:]}"


class Controllers:
    """external-dns and zonekeeper, each as a subprocess with its own empty HOME and fake credentials.

    Neither may find real AWS configuration: both get a HOME with no ~/.aws, IMDS off, a fixed region
    and ``AWS_ENDPOINT_URL_ROUTE_53`` at the strict endpoint (the Go SDK and boto3 both read it).
    """

    def __init__(self, external_dns: Path, route53: StrictRoute53Server, home: Path) -> None:
        self.external_dns_binary = external_dns
        self.route53 = route53
        home.mkdir(parents=True, exist_ok=True)
        self._base_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
            "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
            "AWS_CONFIG_FILE": str(home / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "none"),
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_ROUTE_53": route53.endpoint,
            "AWS_SECRET_ACCESS_KEY": "compat-secret", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        }
        # More environment for both tools (AWS_ENDPOINT_URL_DYNAMODB for the DynamoDB registry).
        self.extra_env: dict[str, str] = {}

    def _run(self, tool: str, command: Sequence[str], key: str, args: Sequence[str]) -> Run:
        # PYTHONFAULTHANDLER: a zonekeeper that hangs is sent SIGABRT and prints every thread's stack
        # (a Go program does the same on SIGQUIT), so a hang fails its test with the place it hung.
        env = {**self._base_env, **self.extra_env, "AWS_ACCESS_KEY_ID": key, "PYTHONFAULTHANDLER": "1"}
        with subprocess.Popen([*command, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, stdin=subprocess.DEVNULL) as proc:
            try:
                output, _ = proc.communicate(timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGQUIT if tool == "external-dns" else signal.SIGABRT)
                try:
                    output, _ = proc.communicate(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    output, _ = proc.communicate()
                output += f"\n[harness: no exit within {RUN_TIMEOUT:g}s; the stacks above are where it hung]\n"
        return Run(tool, tuple(args), proc.returncode, output)

    @contextlib.contextmanager
    def serving(self, tool: str, log: Path, *args: str) -> Iterator[subprocess.Popen[str]]:
        """Either CLI as a long-running controller (`zonekeeper run`, external-dns without --once), with
        the same environment as `_run`, its output into `log` (a pipe would fill up and block it);
        stopped (SIGTERM, then SIGKILL) on leaving."""
        if tool == "external-dns":
            command, key = [str(self.external_dns_binary)], EXTERNAL_DNS_KEY
        else:
            script = Path(sys.executable).with_name("zonekeeper")
            command = [str(script)] if script.exists() else [sys.executable, "-m", "zonekeeper.cli"]
            command, key = [*command, "run"], ZONEKEEPER_KEY
        env = {**self._base_env, "AWS_ACCESS_KEY_ID": key}
        with log.open("w") as out:
            proc = subprocess.Popen([*command, *args], env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
                                    stdin=subprocess.DEVNULL)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def external_dns(self, *args: str) -> Run:
        # external-dns serves /metrics even with --once, on :7979 by default; another run on this
        # machine (a test, a zonekeeper) may hold that port, so each run takes a free one.
        if not any(a.startswith("--metrics-address") for a in args):
            args = (*args, "--metrics-address=127.0.0.1:0")
        return self._run("external-dns", [str(self.external_dns_binary)], EXTERNAL_DNS_KEY, args)

    def zonekeeper(self, *args: str) -> Run:
        script = Path(sys.executable).with_name("zonekeeper")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "zonekeeper.cli"]
        return self._run("zonekeeper", command, ZONEKEEPER_KEY, args)

    def compare(self, zone_name: str, external_dns_args: Sequence[str], zonekeeper_args: Sequence[str]
                ) -> Comparison:
        """Both tools on the same objects, and each taking over from the other (leaves the endpoint reset).

        1. external-dns --once into a fresh zone; 2. zonekeeper plan --detailed-exitcode and run --once on
        that zone (the takeover, same owner id); 3. zonekeeper run --once into a fresh zone; 4. external-dns
        --once on that zone (the way back)."""
        r53 = self.route53
        zone_id = self._fresh_zone(zone_name)
        external_dns = self.external_dns("--once", *external_dns_args)
        external_dns_records = record_sets(r53, zone_id, zone_name)
        external_dns_changes = self.change_requests(EXTERNAL_DNS_KEY)
        takeover_plan = self.zonekeeper("plan", "--detailed-exitcode", *zonekeeper_args)
        takeover_run = self.zonekeeper("run", "--once", *zonekeeper_args)
        takeover_changes = self.changes_sent(ZONEKEEPER_KEY)

        zone_id = self._fresh_zone(zone_name)
        zonekeeper = self.zonekeeper("run", "--once", *zonekeeper_args)
        zonekeeper_records = record_sets(r53, zone_id, zone_name)
        back_run = self.external_dns("--once", *external_dns_args)
        back_changes = self.changes_sent(EXTERNAL_DNS_KEY)
        r53.reset()
        return Comparison(external_dns, external_dns_records, external_dns_changes, takeover_plan, takeover_run,
                          takeover_changes, zonekeeper, zonekeeper_records, back_run, back_changes)

    def _fresh_zone(self, zone_name: str) -> str:
        self.route53.reset()
        return self.route53.create_zone(zone_name)

    def change_requests(self, key: str) -> int:
        """ChangeResourceRecordSets requests the tool with this access key id sent (since the last reset)."""
        return self.route53.counts_by_key[(key, CHANGE)]

    def changes_sent(self, key: str) -> list[dict[str, Any]]:
        """Every change (Action + ResourceRecordSet) in the batches the tool with this key id sent."""
        return [c for b in self.route53.change_batches if b["AccessKeyId"] == key for c in b["Changes"] or ()]


@dataclass(frozen=True, slots=True)
class Comparison:
    """What ``Controllers.compare`` saw. Changes are the strict layer's recorded ones, picked by key id."""

    external_dns: Run
    external_dns_records: frozenset[RecordSet]
    external_dns_changes: int  # ChangeResourceRecordSets requests of its own first run
    takeover_plan: Run  # zonekeeper plan --detailed-exitcode on the zone external-dns wrote
    takeover_run: Run  # zonekeeper run --once on that zone
    takeover_changes: list[dict[str, Any]]  # every change zonekeeper sent there
    zonekeeper: Run
    zonekeeper_records: frozenset[RecordSet]
    back_run: Run  # external-dns --once on the zone zonekeeper wrote
    back_changes: list[dict[str, Any]]  # every change external-dns sent there

    def differences(self) -> dict[tuple[str, str, str], str]:
        return differences(self.external_dns_records, self.zonekeeper_records)


@dataclass(frozen=True, slots=True, order=True)
class RecordSet:
    """A Route 53 rrset as comparable plain values: name without the trailing dot, ``*`` unescaped."""

    name: str
    type: str
    set_identifier: str
    ttl: int | None
    values: tuple[str, ...]  # sorted
    alias: tuple[str, str, bool] | None  # (DNSName without the dot, HostedZoneId, EvaluateTargetHealth)
    routing: tuple[tuple[str, str], ...] = ()  # every other field (Weight, Region, HealthCheckId...), sorted

    def __str__(self) -> str:
        target = (f"ALIAS {self.alias[0]} ({self.alias[1]}, evaluate={self.alias[2]})" if self.alias
                  else " ".join(self.values))
        sid = f" [{self.set_identifier}]" if self.set_identifier else ""
        ttl = "" if self.ttl is None else f" ttl={self.ttl}"
        routing = "".join(f" {k}={v}" for k, v in self.routing)
        return f"{self.name} {self.type}{sid}{ttl}{routing} {target}"


_PLAIN_FIELDS = frozenset({"Name", "Type", "SetIdentifier", "TTL", "ResourceRecords", "AliasTarget"})


def _record_set(rec: Mapping[str, Any]) -> RecordSet:
    alias = rec.get("AliasTarget")
    return RecordSet(
        name=str(rec["Name"]).rstrip(".").replace("\\052", "*"),
        type=str(rec["Type"]),
        set_identifier=str(rec.get("SetIdentifier") or ""),
        ttl=int(rec["TTL"]) if rec.get("TTL") is not None else None,
        values=tuple(sorted(str(v["Value"]) for v in rec.get("ResourceRecords") or ())),
        alias=(str(alias["DNSName"]).rstrip(".").lower(), str(alias["HostedZoneId"]),
               bool(alias["EvaluateTargetHealth"])) if alias else None,
        routing=tuple(sorted((k, str(v)) for k, v in rec.items() if k not in _PLAIN_FIELDS)),
    )


def record_sets(route53: StrictRoute53Server, zone_id: str, zone_name: str) -> frozenset[RecordSet]:
    """The zone's rrsets but its apex NS and SOA (Route 53's, never either tool's)."""
    apex = zone_name.rstrip(".")
    out = (_record_set(r) for r in route53.records(zone_id))
    return frozenset(r for r in out if not (r.name == apex and r.type in ("NS", "SOA")))


def by_name(records: Iterable[RecordSet]) -> dict[tuple[str, str, str], RecordSet]:
    """Records keyed by (name, type, set identifier)."""
    return {(r.name, r.type, r.set_identifier): r for r in records}


def differences(external_dns: Iterable[RecordSet], zonekeeper: Iterable[RecordSet]
                ) -> dict[tuple[str, str, str], str]:
    """(name, type, set identifier) -> what each tool wrote there, wherever they differ."""
    a, b = by_name(external_dns), by_name(zonekeeper)
    return {key: f"external-dns: {a.get(key)} | zonekeeper: {b.get(key)}"
            for key in sorted(a.keys() | b.keys()) if a.get(key) != b.get(key)}


def changed_keys(changes: Iterable[Mapping[str, Any]]) -> set[tuple[str, str, str]]:
    """(name, type, set identifier) of every change, spelled as ``RecordSet`` spells them."""
    out = set()
    for change in changes:
        rrset = change["ResourceRecordSet"]
        out.add((str(rrset["Name"]).rstrip(".").lower().replace("\\052", "*"), str(rrset["Type"]),
                 str(rrset.get("SetIdentifier") or "")))
    return out

"""A real authoritative DNS server for tests: Knot DNS (Debian's `knot` package) on loopback, serving
what the strict Route 53 endpoint holds for a zone, as Route 53's own name servers would.

`KnotServer.serve(zone, rrsets)` writes the zone file from Route 53 record sets (ListResourceRecordSets
dicts) and reloads; record sets DNS cannot express as written (aliases, set identifiers) are left out,
as Route 53's answers for them are not the record set anyway. Knot is installed by scripts/test.sh
(`apt-get install knot`); without it the tests that need it are errors, not skips.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import dns.message
import dns.query
import dns.rdatatype

from zonekeeper.providers.route53.rrsets import unescape

KNOTD = "/usr/sbin/knotd"
KNOTC = "/usr/sbin/knotc"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        return int(udp.getsockname()[1])


def zone_text(zone: str, rrsets: Iterable[Mapping[str, Any]], serial: int) -> str:
    origin = zone.rstrip(".") + "."
    lines = [f"$ORIGIN {origin}",
             f"@ 3600 IN SOA ns1.{origin} hostmaster.{origin} {serial} 7200 900 1209600 300"]
    for rrset in rrsets:
        if rrset["Type"] == "SOA" or "AliasTarget" in rrset or "SetIdentifier" in rrset:
            continue
        name = unescape(rrset["Name"])
        lines.extend(f"{name} {rrset['TTL']} IN {rrset['Type']} {value['Value']}"
                     for value in rrset.get("ResourceRecords", ()))
    return "\n".join(lines) + "\n"


class KnotServer:
    def __init__(self) -> None:
        if not Path(KNOTD).exists():
            raise RuntimeError("Knot DNS is not installed (apt-get install knot); scripts/test.sh installs it")
        self.dir = Path(tempfile.mkdtemp(prefix="zk-knot-"))
        self.port = _free_port()
        self.zones: dict[str, int] = {}  # zone -> serial
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _config(self) -> str:
        zones = "".join(f"  - domain: {z}\n    file: {self.dir}/{z}.zone\n    journal-content: none\n"
                        f"    zonefile-load: whole\n" for z in sorted(self.zones))
        return (f"server:\n  listen: 127.0.0.1@{self.port}\n  rundir: {self.dir}\n"
                f"database:\n  storage: {self.dir}/db\n"
                f"log:\n  - target: stderr\n    any: warning\n"
                + (f"zone:\n{zones}" if zones else ""))

    def _write_config(self) -> None:
        (self.dir / "knot.conf").write_text(self._config())

    def start(self) -> KnotServer:
        self._write_config()
        self._proc = subprocess.Popen([KNOTD, "-c", str(self.dir / "knot.conf")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._knotc("status", wait=True)
        return self

    def _knotc(self, *args: str, wait: bool = False) -> None:
        deadline = time.monotonic() + 10
        while True:
            done = subprocess.run([KNOTC, "-c", str(self.dir / "knot.conf"), *args],
                                  capture_output=True, text=True, check=False)
            if done.returncode == 0:
                return
            if not wait or time.monotonic() > deadline or (self._proc and self._proc.poll() is not None):
                stderr = self._proc.stderr.read().decode() if self._proc and self._proc.poll() is not None \
                    and self._proc.stderr else ""
                raise RuntimeError(f"knotc {' '.join(args)}: {done.stdout}{done.stderr}{stderr}")
            time.sleep(0.05)

    def serve(self, zone: str, rrsets: Iterable[Mapping[str, Any]]) -> None:
        """Serve exactly these record sets for `zone` (added, or replacing what it served before)."""
        new = zone not in self.zones
        self.zones[zone] = serial = self.zones.get(zone, 0) + 1
        (self.dir / f"{zone}.zone").write_text(zone_text(zone, rrsets, serial))
        if new:
            self._write_config()
            self._knotc("reload", wait=True)
        else:
            self._knotc("zone-reload", zone, wait=True)
        self._wait_for_serial(zone, serial)

    def _wait_for_serial(self, zone: str, serial: int) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                answer = dns.query.udp(dns.message.make_query(zone, dns.rdatatype.SOA), "127.0.0.1",
                                       port=self.port, timeout=0.5)
                soa = [r for rrset in answer.answer for r in rrset if rrset.rdtype == dns.rdatatype.SOA]
                if soa and soa[0].serial == serial:  # type: ignore[attr-defined]
                    return
            except (OSError, dns.exception.DNSException):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"knot did not serve serial {serial} of {zone} within 10 s")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> KnotServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""The README's first command: zonekeeper's main job on an embedded default.

Starts a local Route 53 endpoint (moto behind our strict Route 53 layer), creates the hosted zone
example.com, then runs the real `zonekeeper` CLI over the manifests in examples/:
  1. `zonekeeper plan`           shows what it would create;
  2. `zonekeeper run --once`     applies it (records + TXT ownership records);
  3. `zonekeeper plan --detailed-exitcode` must find nothing left to do (exit 3: no change pending,
     and the one deliberately broken example still reported).
No cluster and no AWS account needed. Exits non-zero if any step does not behave.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.route53 import StrictRoute53Server, iter_all_records  # noqa: E402

FLAGS = [
    "--provider=aws", "--from-file", str(ROOT / "examples"),
    "--source=service", "--source=ingress", "--source=istio-gateway", "--source=istio-virtualservice",
    "--source=crd", "--txt-owner-id=demo-cluster", "--domain-filter=example.com",
    # Apex records need TXT names inside the zone: a prefix that makes its own label.
    "--txt-prefix=_owner.%{record_type}.",
]


def step(title: str, args: list[str], env: dict[str, str], server: StrictRoute53Server) -> int:
    print(f"\n$ zonekeeper {' '.join(args[:2])} …   # {title}", flush=True)
    server.reset_counts()
    proc = subprocess.run([sys.executable, "-m", "zonekeeper.cli", *args], env=env, text=True,
                          capture_output=True, check=False)
    print(proc.stdout.rstrip())
    if proc.stderr.strip():
        print("\n".join("  | " + line for line in proc.stderr.rstrip().splitlines()))
    calls = ", ".join(f"{op} {n}" for op, n in sorted(server.counts.items())) or "none"
    print(f"[exit {proc.returncode}; Route 53 API calls: {calls}]", flush=True)
    return proc.returncode


def main() -> int:
    with StrictRoute53Server() as server:
        zone_id = server.create_zone("example.com")
        env = {**os.environ, "AWS_ENDPOINT_URL_ROUTE_53": server.endpoint, "AWS_ACCESS_KEY_ID": "demo",
               "AWS_SECRET_ACCESS_KEY": "demo", "AWS_DEFAULT_REGION": "us-east-1", "PYTHONPATH": str(ROOT / "src")}
        env.pop("AWS_PROFILE", None)
        print(f"Local Route 53 endpoint {server.endpoint}, hosted zone example.com ({zone_id})")
        if step("what would change", ["plan", *FLAGS], env, server) != 0:
            return 1
        # Exit 3, "done, with refusals": everything applied except the deliberately broken example,
        # which is reported. 1 would mean a change failed.
        if step("apply", ["run", "--once", *FLAGS], env, server) != 3:
            return 1
        print("\nRecords now in example.com:")
        for rr in iter_all_records(server.harness, zone_id):
            if rr["Type"] in ("SOA", "NS"):
                continue
            value = rr["AliasTarget"]["DNSName"] + " (alias)" if "AliasTarget" in rr else \
                ", ".join(v["Value"] for v in rr["ResourceRecords"])
            ident = f" [{rr['SetIdentifier']}]" if "SetIdentifier" in rr else ""
            print(f"  {rr['Name']:<42} {rr['Type']:<5}{ident:<9} {value[:90]}")
        code = step("nothing left to do", ["plan", "--detailed-exitcode", *FLAGS], env, server)
        if code != 3:  # 3: nothing pending, the broken example still reported; 2 = changes pending
            print("FAILED: the second plan is not empty", file=sys.stderr)
            return 1
        print("\nDemo OK: records applied, and a second plan finds nothing to change.")
        return 0


if __name__ == "__main__":
    sys.exit(main())

"""The alerts and the dashboard's queries, checked by promtool (Prometheus's own parser and rule
engine, built from its Go module by tests/promtool/build.sh): they parse, and the alerts fire when
they should and stay quiet when they should (`promtool test rules` over synthetic series)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"
BUILD = ROOT / "tests" / "promtool" / "build.sh"

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def promtool() -> Path:
    path = Path(subprocess.run(["bash", str(BUILD), "--print"], capture_output=True, text=True,
                               check=True).stdout.strip())
    if not path.exists():
        subprocess.run(["bash", str(BUILD)], check=True)  # a failed build is an error, never a skip
    return path


def rules_file(tmp_path: Path) -> Path:
    rule = yaml.load((MONITORING / "prometheusrule.yaml").read_text(), Loader=yaml.CSafeLoader)
    assert rule["kind"] == "PrometheusRule"
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    return path


def check(promtool: Path, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(promtool), "check", "rules", str(path)], capture_output=True, text=True, check=False)


def test_the_alerts_parse(promtool: Path, tmp_path: Path) -> None:
    done = check(promtool, rules_file(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 10 rules found" in done.stdout


def test_promtool_refuses_a_broken_expression(promtool: Path, tmp_path: Path) -> None:
    # The checker can fail: the same file with one expression broken.
    path = rules_file(tmp_path)
    path.write_text(path.read_text().replace("absent(zonekeeper_build_info)", "absent(zonekeeper_build_info"))
    assert check(promtool, path).returncode != 0


def test_the_dashboard_queries_parse(promtool: Path, tmp_path: Path) -> None:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    # Grafana's variables, as Grafana substitutes them before sending the query.
    substituted = [e.replace("$__rate_interval", "5m").replace("$__range", "6h").replace("$namespace", ".*")
                   for e in exprs]
    path = tmp_path / "dashboard.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query_{i}", "expr": e} for i, e in enumerate(substituted)]}]}))
    done = check(promtool, path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(exprs)} rules found" in done.stdout


ALERT_TESTS = """
rule_files: [rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'zonekeeper_deletion_guard_engaged{zone="example.com", zone_id="Z1"}'
        values: '0 0 1 1 1 1 1 1 1 1 1'
      - series: 'zonekeeper_deletion_guard_engaged{zone="example.org", zone_id="Z2"}'
        values: '0x10'
      - series: 'zonekeeper_last_sync_success_timestamp_seconds'
        values: '0+60x10 600x30'
      - series: 'zonekeeper_build_info{version="0.1.0", python_version="3.12"}'
        values: '1x40'
      - series: 'zonekeeper_leader'
        values: '1x40'
    alert_rule_test:
      - eval_time: 4m
        alertname: ZonekeeperDeletionGuardEngaged
        exp_alerts: []
      - eval_time: 8m
        alertname: ZonekeeperDeletionGuardEngaged
        exp_alerts:
          - exp_labels: {severity: critical, zone: example.com}
            exp_annotations:
              summary: The mass-deletion guard holds every deletion in example.com.
              description: Restore the objects or roll out once with a higher --max-delete-fraction (docs/troubleshooting.md).
      - eval_time: 10m
        alertname: ZonekeeperSyncStale
        exp_alerts: []
      - eval_time: 35m
        alertname: ZonekeeperSyncStale
        exp_alerts:
          - exp_labels: {severity: warning}
            exp_annotations:
              summary: zonekeeper has not completed a full sync for 25m 0s.
              description: A zone could not be read or its changes were not submitted; /readyz and the logs name it.
      - eval_time: 30m
        alertname: ZonekeeperDown
        exp_alerts: []
      - eval_time: 30m
        alertname: ZonekeeperNoLeader
        exp_alerts: []
"""


def test_the_alerts_fire_when_they_should(promtool: Path, tmp_path: Path) -> None:
    rules_file(tmp_path)
    (tmp_path / "tests.yaml").write_text(ALERT_TESTS)
    done = subprocess.run([str(promtool), "test", "rules", "tests.yaml"], cwd=tmp_path, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

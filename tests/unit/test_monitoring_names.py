"""The shipped Grafana dashboard and alerts (deploy/monitoring/) name only metrics zonekeeper exports,
with labels those metrics carry. Their PromQL is checked by promtool in tests/integration/test_monitoring.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from zonekeeper.metrics import Metrics

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"
# Labels Prometheus adds when it scrapes (target labels), and histogram buckets.
SCRAPE_LABELS = frozenset({"namespace", "pod", "job", "instance", "service", "container", "endpoint"})
METRIC = re.compile(r"\b(?:zonekeeper|external_dns|process|python)_[A-Za-z0-9_:]*")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
MATCHERS = re.compile(r"\{([^}]*)\}")
LABEL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)")


def rule_exprs() -> list[str]:
    rule = yaml.load((MONITORING / "prometheusrule.yaml").read_text(), Loader=yaml.CSafeLoader)
    return [r["expr"] for group in rule["spec"]["groups"] for r in group["rules"]]


def dashboard_exprs() -> list[str]:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def exported() -> dict[str, frozenset[str]]:
    """Every series name zonekeeper exposes -> the labels it carries."""
    out: dict[str, frozenset[str]] = {}
    for spec in Metrics().reference():
        labels = frozenset(spec.labels)
        if spec.type == "histogram":
            out.update({spec.name + "_bucket": labels | {"le"}, spec.name + "_sum": labels,
                        spec.name + "_count": labels})
        else:
            out[spec.name] = labels
    return out


EXPRS = [pytest.param(e, id=f"rule-{i}") for i, e in enumerate(rule_exprs())] + \
    [pytest.param(e, id=f"panel-{i}") for i, e in enumerate(dashboard_exprs())]


def test_there_is_something_to_check() -> None:
    assert len(rule_exprs()) >= 8 and len(dashboard_exprs()) >= 15


@pytest.mark.parametrize("expr", EXPRS)
def test_each_query_names_exported_metrics_only(expr: str) -> None:
    names = METRIC.findall(expr)
    assert names, f"no zonekeeper metric in {expr!r}"
    series = exported()
    assert [n for n in names if n not in series] == [], expr


@pytest.mark.parametrize("expr", EXPRS)
def test_each_query_uses_labels_its_metrics_carry(expr: str) -> None:
    series = exported()
    carried = frozenset().union(*(series.get(n, frozenset()) for n in METRIC.findall(expr))) | SCRAPE_LABELS
    used = {label.strip() for group in GROUPING.findall(expr) for label in group.split(",") if label.strip()}
    used |= {m for block in MATCHERS.findall(expr) for m in LABEL.findall(block)}
    assert used - carried == set(), expr


def test_the_label_check_would_notice_a_wrong_label() -> None:
    # The checker itself: a label no metric carries is found.
    series = exported()
    expr = 'sum by (zone_name) (zonekeeper_owned_records{namespace="x"})'
    carried = series["zonekeeper_owned_records"] | SCRAPE_LABELS
    used = {label.strip() for group in GROUPING.findall(expr) for label in group.split(",")}
    assert used - carried == {"zone_name"}

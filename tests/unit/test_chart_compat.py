"""Each external-dns chart values key is classified once (honoured, refused), and the committed key
table is what the generator reads from the chart in the external-dns module."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from zonekeeper.settings import chart_compat
from zonekeeper.settings.edns_chart_values import CHART_VERSION, MODULE_VERSION, VALUES

ROOT = Path(__file__).resolve().parents[2]
MODULE = Path(f"/root/go/pkg/mod/sigs.k8s.io/external-dns@{MODULE_VERSION}")


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("chart_values_gen",
                                                  ROOT / "scripts/external_dns_tables/chart_values.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not (MODULE / "charts/external-dns/values.yaml").exists(), reason="external-dns module absent")
def test_the_committed_table_is_what_the_generator_reads_from_the_chart() -> None:
    gen = _generator()
    version, values = gen.read(MODULE)
    assert gen.render(version, values, MODULE_VERSION) == (ROOT / "src/zonekeeper/settings/edns_chart_values.py").read_text()


def test_keys_go_down_to_the_leaves() -> None:
    leaves = chart_compat.leaves({"a": {"b": 1, "c": {}, "d": [1]}, "e": None, "f": {"g": {"h": "x"}}})
    assert leaves == {"a.b": 1, "a.c": {}, "a.d": [1], "e": None, "f.g.h": "x"}


def test_each_key_is_in_exactly_one_class() -> None:
    honoured, refused = set(chart_compat.honoured()), set(chart_compat.refused())
    assert not honoured & refused
    assert honoured | refused == set(VALUES)
    assert len(VALUES) == 137 and CHART_VERSION == "1.22.0"


def test_the_webhook_keys_are_refused_and_the_rest_is_named() -> None:
    refused = chart_compat.refused()
    assert refused["provider.webhook.image.tag"] == chart_compat.WEBHOOK
    assert set(chart_compat.REFUSED) <= set(VALUES)
    assert {"annotationPrefix", "gatewayNamespace", "provider.name"} <= set(chart_compat.honoured())


def test_default_differences_name_honoured_keys() -> None:
    assert set(chart_compat.DEFAULT_DIFFERENCES) <= set(chart_compat.honoured())
    assert chart_compat.default("policy") is None and chart_compat.default("provider.name") == "aws"

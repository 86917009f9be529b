"""The external-dns chart's values keys, each classified once: honoured or refused by our chart.

An external-dns Helm values file must work with deploy/helm/zonekeeper unchanged, or fail the render
naming the key: never be ignored. Every key of the external-dns chart (zonekeeper.settings.
edns_chart_values, generated from the chart) is

- honoured: it changes our rendering as it changes external-dns's (same objects, same fields;
  tests/integration/test_helm_external_dns_values.py renders both charts to prove it). COMPUTED as
  (every key) - (refused), so a key added upstream counts as honoured until that test says otherwise;
- refused: the render fails with a message naming the key and saying why (REFUSED, and every key
  under `provider.webhook` set to something else than its default).

The migration guide's figures and lists are generated from this module (scripts/migration_guide.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zonekeeper.settings.edns_chart_values import CHART_VERSION, VALUES

__all__ = ["CHART_VERSION", "DEFAULT_DIFFERENCES", "REFUSED", "WEBHOOK", "default", "honoured", "leaves",
           "refused", "value_keys"]

# Each refused key -> why, as the render's message says it (after "<key>: ").
REFUSED: Mapping[str, str] = {}

# The external-dns chart's webhook sidecar: its keys keep their defaults (an external-dns values file
# copied whole renders), any other value is refused.
WEBHOOK_PREFIX = "provider.webhook."
WEBHOOK = "zonekeeper calls Route 53 itself and runs no webhook sidecar"

# Honoured keys whose default in our chart is not external-dns's, and why.
DEFAULT_DIFFERENCES: Mapping[str, str] = {
    "image.repository": "zonekeeper's image, not external-dns's",
    "policy": "the external-dns chart 1.22 requires it; ours keeps the 1.21 default, upsert-only (never deletes)",
    "readinessProbe.httpGet.path": "/readyz: ready once DNS passes succeed (external-dns has only /healthz)",
}


def value_keys() -> tuple[str, ...]:
    return tuple(sorted(VALUES))


def refused() -> dict[str, str]:
    """Every refused key -> why."""
    webhook = {key: WEBHOOK for key in value_keys() if key.startswith(WEBHOOK_PREFIX)}
    return {**REFUSED, **webhook}


def honoured() -> tuple[str, ...]:
    """Computed: every key that is not refused."""
    no = refused()
    return tuple(key for key in value_keys() if key not in no)


def default(key: str) -> Any:
    """The external-dns chart's default of `key`."""
    return VALUES[key]


def leaves(values: Any, prefix: str = "") -> dict[str, Any]:
    """Each key path of a values tree with its value, down to the leaves: an empty map or a list is a
    leaf (a chart reads it whole), so `serviceAccount.annotations` is one key."""
    if not isinstance(values, dict) or not values:
        return {prefix: values}
    out: dict[str, Any] = {}
    for key, value in values.items():
        out.update(leaves(value, f"{prefix}.{key}" if prefix else str(key)))
    return out

"""The pinned helm CLI (tests/helm/build.sh) for the chart tests, and where the external-dns chart is.

The binary is built when missing (a cold build takes minutes, once; cached in ~/.cache/zonekeeper/bin).
The external-dns chart comes from the external-dns Go module (the version tests/external_dns/build.sh
pins), read where `go mod download` put it; tests that need it skip when it is absent.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from zonekeeper.settings.chart_compat import leaves

ROOT = Path(__file__).resolve().parent.parent.parent
CHART = ROOT / "deploy" / "helm" / "zonekeeper"
HELM_BUILD = ROOT / "tests" / "helm" / "build.sh"
EXTERNAL_DNS_BUILD = ROOT / "tests" / "external_dns" / "build.sh"
HELM_BUILD_TIMEOUT = 3600


class Helm:
    """The pinned helm CLI with its own, empty config/cache/data directories."""

    def __init__(self, binary: str, home: Path, kubeconfig: Path | None = None) -> None:
        self.binary = binary
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "HELM_CONFIG_HOME": str(home / "config"),
            "HELM_CACHE_HOME": str(home / "cache"),
            "HELM_DATA_HOME": str(home / "data"),
            "KUBECONFIG": str(kubeconfig or home / "no-kubeconfig"),
        }

    def with_kubeconfig(self, kubeconfig: Path) -> Helm:
        return Helm(self.binary, Path(self.env["HOME"]), kubeconfig)

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.binary, *args], capture_output=True, text=True, cwd=ROOT, env=self.env,
                              timeout=timeout)

    def render(self, *args: str, release: str = "zonekeeper", namespace: str = "zonekeeper",
               chart: str | Path = CHART) -> subprocess.CompletedProcess[str]:
        return self.run("template", release, str(chart), "--namespace", namespace, *args)

    def template(self, *args: str, release: str = "zonekeeper", namespace: str = "zonekeeper",
                 chart: str | Path = CHART) -> list[dict[str, Any]]:
        proc = self.render(*args, release=release, namespace=namespace, chart=chart)
        assert proc.returncode == 0, f"helm template {' '.join(args)} failed:\n{proc.stderr}"
        return [d for d in yaml.safe_load_all(proc.stdout) if d]

    def template_error(self, *args: str, release: str = "zonekeeper", chart: str | Path = CHART) -> str:
        proc = self.render(*args, release=release, chart=chart)
        assert proc.returncode != 0, f"helm template {' '.join(args)} should have failed:\n{proc.stdout}"
        return proc.stderr


@pytest.fixture(scope="session")
def helm(tmp_path_factory: pytest.TempPathFactory) -> Helm:
    binary = subprocess.run(["bash", str(HELM_BUILD), "--print"], check=True, capture_output=True,
                            text=True).stdout.strip()
    if not os.access(binary, os.X_OK):
        build = subprocess.run(["bash", str(HELM_BUILD)], capture_output=True, text=True,
                               timeout=HELM_BUILD_TIMEOUT)
        assert build.returncode == 0, f"tests/helm/build.sh failed:\n{build.stderr[-4000:]}"
    return Helm(binary, tmp_path_factory.mktemp("helm-home"))


def external_dns_chart_source() -> Path | None:
    """charts/external-dns of the pinned external-dns module in the Go module cache, if it is there."""
    match = re.search(r"^version=(v[\d.]+)$", EXTERNAL_DNS_BUILD.read_text(), re.M)
    assert match, f"{EXTERNAL_DNS_BUILD} does not pin a version"
    cache = os.environ.get("GOMODCACHE") or str(Path.home() / "go" / "pkg" / "mod")
    chart = Path(cache) / f"sigs.k8s.io/external-dns@{match.group(1)}" / "charts" / "external-dns"
    return chart if (chart / "Chart.yaml").exists() else None


@pytest.fixture(scope="session")
def external_dns_chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A writable copy of the real external-dns chart (the module cache is read-only)."""
    source = external_dns_chart_source()
    if source is None:
        pytest.skip("the external-dns module is not in the Go module cache (tests/external_dns/build.sh fetches it)")
    copy = tmp_path_factory.mktemp("external-dns-chart") / "external-dns"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("tests", "ci"))
    for path in [copy, *copy.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return copy


def key_paths(values: Any) -> set[str]:
    """Key paths of a values tree, down to the leaves (an empty map or a list is a leaf)."""
    return set(leaves(values))


def get_path(values: Mapping[str, Any], path: str) -> Any:
    node: Any = values
    for key in path.split("."):
        node = node[key]
    return node


def set_path(values: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """`values` with `path` set to `value` (a new tree; maps on the way are created)."""
    head, _, rest = path.partition(".")
    out = dict(values)
    out[head] = set_path(dict(values.get(head) or {}), rest, value) if rest else value
    return out


def find(docs: Sequence[Mapping[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    matches = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(matches) == 1, f"expected one {kind} {name or ''}, got {[d['metadata']['name'] for d in matches]}"
    return dict(matches[0])


def objects(docs: Sequence[Mapping[str, Any]]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    for doc in docs:
        yield doc["kind"], doc["metadata"]["name"], doc

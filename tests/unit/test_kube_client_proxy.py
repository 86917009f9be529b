"""The API server's proxy is read from the environment once, at connect, as client-go does
(http.ProxyFromEnvironment caches it): aiohttp's trust_env would look it up again, and read ~/.netrc,
in a worker thread at every request (a sixth of an idle controller's CPU while status writes drain)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from zonekeeper.kube.client import KubeClient

SERVER = "https://10.20.30.40:6443"


def kubeconfig(tmp_path: Path, proxy_url: str = "") -> str:
    extra = f"\n    proxy-url: {proxy_url}" if proxy_url else ""
    path = tmp_path / "kubeconfig"
    path.write_text(f"""apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: {SERVER}
    insecure-skip-tls-verify: true{extra}
users:
- name: u
  user:
    token: tok-123
contexts:
- name: x
  context: {{cluster: c, user: u}}
current-context: x
""")
    return str(path)


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy",
                 "ALL_PROXY", "all_proxy", "KUBECONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc of the machine's


async def trusts_env(client: KubeClient) -> bool:
    """Whether the session the client would open looks the proxy up (and reads ~/.netrc) per request."""
    session: aiohttp.ClientSession = client._api.rest_client._create_pool_manager()
    try:
        return session.trust_env
    finally:
        await session.close()


async def test_the_environments_proxy_is_resolved_at_connect_with_its_credentials(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://alice:s3cret@127.0.0.1:3128")
    client = await KubeClient.connect(kubeconfig(tmp_path))
    try:
        conf = client._api.configuration
        assert conf.proxy == "http://127.0.0.1:3128"  # the credentials travel in the header only
        assert conf.proxy_headers == {"Proxy-Authorization": "Basic YWxpY2U6czNjcmV0"}  # alice:s3cret
        assert not await trusts_env(client)
    finally:
        await client.close()


async def test_no_proxy_for_the_api_server_leaves_it_direct(monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", "10.20.30.40")
    client = await KubeClient.connect(kubeconfig(tmp_path))
    try:
        assert client._api.configuration.proxy is None
        assert not await trusts_env(client)
    finally:
        await client.close()


async def test_the_kubeconfigs_proxy_url_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    client = await KubeClient.connect(kubeconfig(tmp_path, proxy_url="http://127.0.0.9:8080"))
    try:
        assert client._api.configuration.proxy == "http://127.0.0.9:8080"
    finally:
        await client.close()

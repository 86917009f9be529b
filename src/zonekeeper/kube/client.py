"""The small interface zonekeeper uses to talk to Kubernetes, on the official client's async
transport (`kubernetes.aio`): authentication, TLS and kubeconfig/in-cluster loading come from it;
requests and responses stay raw JSON bytes so the informer can decode only the fields it keeps.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncGenerator, Mapping
from typing import Any, Literal

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

from zonekeeper import logs
from zonekeeper.kube.resources import Resource
from zonekeeper.ratelimit import TokenBucket


class KubeError(Exception):
    """An API request failed; `status` is the HTTP status (0: no answer) and `reason` the API's reason."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message

    @property
    def gone(self) -> bool:
        return self.status == 410

    @property
    def forbidden(self) -> bool:
        return self.status == 403

    @property
    def not_found(self) -> bool:
        return self.status == 404


class KubeClient:
    """Raw JSON requests against the API server, paced by a client-side token bucket
    (`--kube-api-qps`), like client-go's rate limiter. Watches are not paced: they are long-lived."""

    def __init__(self, api: Any, qps: float = 5.0, burst: int = 10, request_timeout: float = 30.0) -> None:
        self._api = api
        self._bucket = TokenBucket(rate=qps, burst=burst) if qps > 0 else None
        # --kube-api-request-timeout: every request but a watch (0 = none); a list page gets at least 120s.
        self.request_timeout = request_timeout

    @classmethod
    async def connect(cls, kubeconfig: str | None = None, context: str | None = None, *, qps: float = 5.0,
                      burst: int = 10, request_timeout: float = 30.0, server: str = "") -> KubeClient:
        """From --kubeconfig (or $KUBECONFIG), else the in-cluster service account, else ~/.kube/config.

        `server` (--server) replaces the API server URL of a kubeconfig, keeping its credentials and CA, as
        client-go's BuildConfigFromFlags does for external-dns. external-dns ignores it in-cluster (it
        calls rest.InClusterConfig), and so does zonekeeper, saying so in one log line."""
        from kubernetes.aio import config as kconfig
        from kubernetes.aio.client import ApiClient, Configuration

        configuration = Configuration()
        path = kubeconfig or os.environ.get("KUBECONFIG")
        if path:
            await kconfig.load_kube_config(config_file=path, context=context, client_configuration=configuration)
        elif os.environ.get("KUBERNETES_SERVICE_HOST"):
            kconfig.load_incluster_config(client_configuration=configuration)
            if server:
                logs.get("zonekeeper").warning(
                    f"--server={server}: ignored in-cluster, as external-dns does; the service account's API "
                    "server is used (pass --kubeconfig to connect elsewhere)")
                server = ""
        else:
            await kconfig.load_kube_config(context=context, client_configuration=configuration)
        if server:
            configuration.host = server.rstrip("/")
        _register_secrets(configuration)
        _proxy_once(configuration)
        return cls(ApiClient(configuration), qps=qps, burst=burst, request_timeout=request_timeout)

    async def close(self) -> None:
        await self._api.close()

    async def _send(self, method: str, path: str, *, query: Mapping[str, Any] | None = None,
                    body: Any = None, content_type: str = "application/json",
                    timeout: float | Literal["request"] | None = "request") -> Any:
        if timeout == "request":
            timeout = self.request_timeout or None
        headers = {"Accept": "application/json", "Content-Type": content_type}
        params = [(k, str(v).lower() if isinstance(v, bool) else v) for k, v in (query or {}).items()
                  if v is not None]
        m, url, hdrs, data, _ = await self._api.param_serialize(
            method, path, query_params=params, header_params=headers, body=body, auth_settings=["BearerToken"])
        request_timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=10) if timeout else \
            aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=None)
        try:
            response = await self._api.call_api(m, url, hdrs, data, _request_timeout=request_timeout)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise KubeError(0, "Unreachable", f"{method} {path}: {exc}") from exc
        return response

    async def _request(self, method: str, path: str, **kwargs: Any) -> bytes:
        if self._bucket is not None:
            await self._bucket.acquire_async()
        response = await self._send(method, path, **kwargs)
        try:
            data: bytes = await response.read()
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            # The connection can drop after the headers (an apiserver restart in the middle of a
            # large list page); callers must see that as "no answer", like a refused connection.
            raise KubeError(0, "Unreachable", f"{method} {path}: reading the response: {exc}") from exc
        if response.status >= 400:
            raise _error(response.status, data, f"{method} {path}")
        return data

    async def list_raw(self, resource: Resource, *, namespace: str | None = None, label_selector: str | None = None,
                       limit: int = 500, continue_token: str | None = None,
                       resource_version: str | None = None) -> bytes:
        query = {"limit": limit, "continue": continue_token, "labelSelector": label_selector or None,
                 "resourceVersion": resource_version}
        page_timeout = max(self.request_timeout, 120.0) if self.request_timeout else None
        return await self._request("GET", resource.path(namespace), query=query, timeout=page_timeout)

    async def watch_raw(self, resource: Resource, *, resource_version: str, namespace: str | None = None,
                        label_selector: str | None = None, timeout_seconds: int = 300,
                        read_timeout: float = 330.0) -> AsyncGenerator[bytes, None]:
        """Raw watch event lines. The server ends the stream after `timeout_seconds`; the read
        timeout catches a stream that went silent without ending (a known failure of long watches).
        Close the generator (`contextlib.aclosing`) when abandoning it early, so the connection is
        released at once rather than when the generator is garbage-collected."""
        query = {"watch": True, "allowWatchBookmarks": True, "resourceVersion": resource_version,
                 "timeoutSeconds": timeout_seconds, "labelSelector": label_selector or None}
        response = await self._send("GET", resource.path(namespace), query=query, timeout=None)
        try:
            if response.status >= 400:
                try:
                    body = await response.read()
                except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                    raise KubeError(0, "Unreachable", f"WATCH {resource}: {exc}") from exc
                raise _error(response.status, body, f"WATCH {resource}")
            stream = response.response.content
            # Lines are split here rather than with `stream.readline()`: aiohttp caps a line at
            # 2 x its read limit (128 KiB) and raises LineTooLong (not a ClientError) beyond it, and one
            # watch event carries a whole object, which etcd allows up to 1.5 MiB.
            pending: list[bytes] = []
            pending_size = 0
            while True:
                chunk = await next_watch_chunk(stream, resource, read_timeout)
                if not chunk:  # end of stream: the server's timeoutSeconds, or it went away cleanly
                    if b"".join(pending).strip():  # the server ends every event with a newline
                        raise KubeError(0, "Unreachable", f"WATCH {resource}: the stream ended inside an event")
                    return
                start = 0
                while (end := chunk.find(b"\n", start)) >= 0:
                    line = b"".join((*pending, chunk[start:end])) if pending else chunk[start:end]
                    pending.clear()
                    pending_size = 0
                    start = end + 1
                    if line.strip():
                        yield line
                if start < len(chunk):
                    pending.append(chunk[start:])
                    pending_size += len(chunk) - start
                    if pending_size > _MAX_WATCH_LINE:
                        raise KubeError(0, "WatchLineTooLong",
                                        f"a {resource} watch event exceeds {_MAX_WATCH_LINE} bytes")
        finally:
            response.response.release()

    async def get(self, resource: Resource, namespace: str | None, name: str) -> dict[str, Any] | None:
        try:
            return json.loads(await self._request("GET", resource.path(namespace, name)))  # type: ignore[no-any-return]
        except KubeError as exc:
            if exc.not_found:
                return None
            raise

    async def discover(self, group: str, version: str) -> dict[str, Any]:
        """The APIResourceList the server serves for `group`/`version` ("" group: the core /api/v1)."""
        path = f"/apis/{group}/{version}" if group else f"/api/{version}"
        return json.loads(await self._request("GET", path))  # type: ignore[no-any-return]

    async def create(self, resource: Resource, namespace: str | None, body: Mapping[str, Any]) -> dict[str, Any]:
        return json.loads(await self._request("POST", resource.path(namespace), body=dict(body)))  # type: ignore[no-any-return]

    async def replace(self, resource: Resource, namespace: str | None, name: str,
                      body: Mapping[str, Any]) -> dict[str, Any]:
        data = await self._request("PUT", resource.path(namespace, name), body=dict(body))
        return json.loads(data)  # type: ignore[no-any-return]

    async def patch(self, resource: Resource, namespace: str | None, name: str, body: Mapping[str, Any], *,
                    subresource: str | None = None, field_manager: str | None = None) -> dict[str, Any]:
        """A JSON merge patch (a `metadata.resourceVersion` in `body` makes it conditional: 409 if it moved)."""
        data = await self._request("PATCH", resource.path(namespace, name, subresource), body=dict(body),
                                   content_type="application/merge-patch+json",
                                   query={"fieldManager": field_manager})
        return json.loads(data)  # type: ignore[no-any-return]

    async def apply(self, resource: Resource, namespace: str | None, name: str, body: Mapping[str, Any], *,
                    field_manager: str, subresource: str | None = None, force: bool = False) -> dict[str, Any]:
        """A server-side apply of `body` (an apply configuration) as `field_manager`; without `force` a
        field another manager owns is a 409 Conflict, never taken over."""
        data = await self._request("PATCH", resource.path(namespace, name, subresource), body=dict(body),
                                   content_type="application/apply-patch+yaml",
                                   query={"fieldManager": field_manager, "force": force or None})
        return json.loads(data)  # type: ignore[no-any-return]


def _proxy_once(configuration: Any) -> None:
    """Read the API server's proxy from the environment (HTTPS_PROXY, NO_PROXY, ...) now, once, as
    client-go's ProxyFromEnvironment does; a kubeconfig's proxy-url wins. The client's own lookup
    (aiohttp's trust_env) would redo it, and read ~/.netrc, in a worker thread at every request: a
    sixth of an idle controller's CPU while status writes drain. It also adds a netrc login for the
    API server's host beside our Authorization header, which aiohttp refuses."""
    configuration.client_session_kwargs = {**(getattr(configuration, "client_session_kwargs", None) or {}),
                                           "trust_env": False}
    if configuration.proxy:
        return
    try:
        proxy, auth = get_env_proxy_for_url(URL(configuration.host))
    except LookupError:
        return
    configuration.proxy = str(proxy)
    if auth is not None:
        header = auth.encode()
        logs.register_secret(auth.password, header, header.removeprefix("Basic "))
        configuration.proxy_headers = {"Proxy-Authorization": header}


def _register_secrets(configuration: Any) -> None:
    """The bearer token (and basic-auth password) never appear in a log line; a token re-read from
    its file (in-cluster, rotated by the kubelet) is registered as it is loaded."""

    def register() -> None:
        for value in (configuration.api_key or {}).values():
            text = str(value)
            logs.register_secret(text, text.removeprefix("Bearer ").strip())
        logs.register_secret(configuration.password)

    register()
    refresh = configuration.refresh_api_key_hook
    if refresh is not None:
        async def refreshed(conf: Any) -> None:
            result = refresh(conf)
            if asyncio.iscoroutine(result):
                await result
            register()

        configuration.refresh_api_key_hook = refreshed


# Far above etcd's 1.5 MiB object limit; only guards against a stream that never sends a newline.
_MAX_WATCH_LINE = 64 * 1024 * 1024


def _error(status: int, data: bytes, what: str) -> KubeError:
    try:
        doc = json.loads(data)
        return KubeError(status, str(doc.get("reason") or status), f"{what}: {doc.get('message', '')}")
    except ValueError:
        return KubeError(status, str(status), f"{what}: {data[:200]!r}")


async def next_watch_chunk(stream: aiohttp.StreamReader, resource: Resource, read_timeout: float) -> bytes:
    """The next bytes of a watch stream (b"" at its end); KubeError when none come within `read_timeout`."""
    try:
        async with asyncio.timeout(read_timeout):
            return await stream.readany()
    except TimeoutError as exc:
        raise KubeError(0, "WatchStalled", f"no data on the {resource} watch for {read_timeout:.0f}s") from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise KubeError(0, "Unreachable", f"WATCH {resource}: {exc}") from exc

"""Assembling the live controller: API client, watches, leader election, Events, status.

`serve` runs `zonekeeper run` against a cluster; `snapshot` lists the cluster once for `zonekeeper plan`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any

from zonekeeper import connectorfeed, exitcodes, lbresolve, sources
from zonekeeper import server as http
from zonekeeper.annotationfilter import annotation_filter, annotation_filtered
from zonekeeper.config import ConfigError, Settings
from zonekeeper.controller import Controller
from zonekeeper.endpoint import Endpoint, Problem
from zonekeeper.health import Health
from zonekeeper.kube.cache import ClusterCache
from zonekeeper.kube.client import KubeClient
from zonekeeper.kube.events import EventRecorder, ObjectRef
from zonekeeper.kube.informer import OnChange
from zonekeeper.kube.leader import LeaderElector
from zonekeeper.kube.status import StatusWriter
from zonekeeper.metrics import NULL_METRICS, Metrics
from zonekeeper.settings.controller import ControllerSettings
from zonekeeper.sources.base import SourceConfig
from zonekeeper.sources.objects import (
    ENDPOINTSLICES,
    GATEWAYS,
    GLOO_GATEWAYS,
    GLOO_PROXIES,
    GLOO_VIRTUALSERVICES,
    LISTENERSETS,
    NODES,
    PODS,
)
from zonekeeper.wiring import Wiring, source_config

log = logging.getLogger("zonekeeper")

SYNC_TIMEOUT = 120.0


class ClusterUnavailable(Exception):
    """The cluster could not be listed (unreachable, or permissions missing)."""


def keeps_all_annotations(settings: Settings) -> bool:
    """Whether the cache keeps every annotation: a template or the annotation filter may read any."""
    return (bool(settings.source.fqdn_template) or bool(settings.source.fqdn_target_template)
            or bool(settings.source.annotation_filter))


def watched_kinds(settings: Settings, config: SourceConfig | None = None) -> list[str]:
    """The kinds to watch (`config`: the sources' configuration, which decides which parts of a source
    run; by default the one `settings` make). Nodes, Pods and EndpointSlices are costly on big
    clusters; they are only needed for NodePort and headless Services, so --service-type-filter
    without those drops them. ListenerSets are read only with --gateway-listener-sets (as
    external-dns; a cluster may not serve them, and the ClusterRole grants them only then)."""
    chosen = settings.source
    config = config if config is not None else source_config(settings)
    kinds = set(sources.watched_kinds(chosen.sources, config))
    if not chosen.gateway_listener_sets:
        kinds.discard(LISTENERSETS)
    types = set(chosen.service_type_filter)
    if "service" in chosen.sources and types:
        droppable = set()
        if "NodePort" not in types:
            droppable.add(NODES)
        if not types & {"NodePort", "ClusterIP"}:
            droppable |= {PODS, ENDPOINTSLICES}
        # Other sources (node, pod) may still need them.
        kinds -= droppable - set(sources.watched_kinds([s for s in chosen.sources if s != "service"], config))
    return sorted(kinds)


def kind_namespaces(settings: Settings) -> dict[str, str | None]:
    """Kinds watched in another namespace than --namespace's: as external-dns, Gateway API Gateways
    are read in --gateway-namespace (default: every namespace), whatever --namespace limits routes to;
    ListenerSets in every namespace (the Gateway filters apply to their Gateways, not to them); Gloo's
    Proxies in the --gloo-namespace (every namespace for several), and the VirtualServices and Gateways
    they name wherever they are."""
    gloo = settings.source.gloo_namespace
    return {GATEWAYS: settings.source.gateway_namespace or None, LISTENERSETS: None,
            GLOO_PROXIES: gloo[0] if len(gloo) == 1 else None, GLOO_VIRTUALSERVICES: None, GLOO_GATEWAYS: None}


async def wait_for_cache(cache: ClusterCache, timeout: float = SYNC_TIMEOUT, fail_after: float = 5.0) -> bool:
    """Wait until every watch listed once. Gives up early when a watch keeps failing (missing RBAC,
    unreachable API): a one-shot command should say so in seconds, not minutes."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    first_error: float | None = None
    while not cache.synced:
        now = loop.time()
        if cache.errors:
            first_error = first_error if first_error is not None else now
            if now - first_error >= fail_after:
                return False
        else:
            first_error = None
        if now - start >= timeout:
            return False
        await asyncio.sleep(0.1)
    return True


async def _start_watches(settings: Settings, config: SourceConfig, cache: ClusterCache,
                         on_change: OnChange | None = None) -> None:
    chosen = settings.source
    primary = set(sources.primary_kinds(chosen.sources, config))
    await cache.start(
        watched_kinds(settings, config),
        namespace=chosen.namespace or None,
        label_selector=chosen.label_filter or None,
        label_selector_kinds=primary,
        on_change=on_change,
        kind_namespaces=kind_namespaces(settings),
    )


async def _connect(settings: Settings) -> KubeClient:
    try:
        chosen = settings.source
        return await KubeClient.connect(chosen.kubeconfig or None, qps=chosen.kube_api_qps,
                                        burst=chosen.kube_api_burst, request_timeout=chosen.kube_api_request_timeout,
                                        server=chosen.server)
    except Exception as exc:  # kubernetes' loaders raise their own types for every kind of bad config
        raise ConfigError(
            f"no usable Kubernetes configuration ({exc}); pass --kubeconfig, run in a cluster, or read "
            "objects from files with --from-file"
        ) from exc


async def _discovered(settings: Settings, wired: Wiring, client: KubeClient) -> Wiring:
    """`wired`, its sources' configuration holding the kinds --unstructured-resource names (kube.discovery)."""
    if "unstructured" not in settings.source.sources:
        return wired
    from zonekeeper.kube import discovery
    from zonekeeper.sources.unstructured import parse_resources

    try:
        infos = await discovery.discover(client, parse_resources(settings.source.unstructured_resource))
    except discovery.DiscoveryError as exc:
        raise ConfigError(str(exc)) from exc
    return dataclasses.replace(wired, source_config=discovery.with_kinds(wired.source_config, infos))


async def snapshot(settings: Settings, wired: Wiring) -> tuple[list[Endpoint], list[Problem]]:
    """Desired endpoints from one listing of the cluster (for `zonekeeper plan`)."""
    client = await _connect(settings)
    try:
        wired = await _discovered(settings, wired, client)
        cache = ClusterCache(client, keep_all_annotations=keeps_all_annotations(settings))
        await _start_watches(settings, wired.source_config, cache)
        try:
            if not await wait_for_cache(cache):
                raise ClusterUnavailable(_describe(cache.errors))
            view = annotation_filtered(cache, settings, wired.source_config)
            config, _ = await lbresolve.refresh(wired.source_config, view, full=True)
            connected = await connectorfeed.connected(settings.source, config)
            result = sources.collect(view, settings.source.sources, config, connected)
            return result.endpoints, result.problems
        finally:
            await cache.stop()
    finally:
        await client.close()


def _describe(errors: dict[str, str]) -> str:
    if not errors:
        return f"the cluster's objects could not be listed within {SYNC_TIMEOUT:.0f}s"
    return "the cluster's objects could not be listed: " + "; ".join(f"{k}: {v}" for k, v in sorted(errors.items()))


def _identity() -> str:
    return f"{os.environ.get('POD_NAME') or socket.gethostname()}_{uuid.uuid4().hex[:8]}"


def own_pod() -> ObjectRef | None:
    """The Pod this process runs in, from the downward API (POD_NAME, POD_NAMESPACE, optional
    POD_UID), for Events about zonekeeper itself; None outside a Pod."""
    name, namespace = os.environ.get("POD_NAME", ""), os.environ.get("POD_NAMESPACE", "")
    if not (name and namespace):
        return None
    return ObjectRef("v1", "Pod", namespace, name, uid=os.environ.get("POD_UID", ""))


def pending_watches(cache: ClusterCache) -> list[str]:
    """Kinds whose first list has not completed."""
    return [kind for kind, informer in cache.informers.items() if not informer.synced.is_set()]


@dataclass(slots=True)
class _Live:
    """The parts of a running controller, built in dependency order: the cache exists (not yet
    watching) before the controller that reads it, and starts watching with the controller's hook."""

    client: KubeClient
    cache: ClusterCache
    controller: Controller
    elector: LeaderElector | None
    recorder: EventRecorder | None
    status: StatusWriter | None
    metrics: Metrics | None  # served on --metrics-address when `serving`
    serving: bool
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)


def _elector(settings: ControllerSettings, client: KubeClient) -> LeaderElector:
    namespace = settings.leader_elect_namespace or os.environ.get("POD_NAMESPACE") or "default"
    return LeaderElector(
        client, namespace=namespace, name=settings.leader_elect_lease_name, identity=_identity(),
        lease_duration=settings.leader_elect_lease_duration,
        renew_deadline=settings.leader_elect_renew_deadline,
        retry_period=settings.leader_elect_retry_period,
    )


def _status_writer(settings: Settings, client: KubeClient, cache: ClusterCache,
                   elector: LeaderElector | None) -> StatusWriter:
    # At most half the client's --kube-api-qps: informers and the lease keep room however many change.
    qps = settings.source.kube_api_qps / 2
    return StatusWriter(client, controller_name=settings.controller.status_controller_name, qps=qps,
                        lookup=cache.get, is_leader=lambda: elector is None or elector.is_leader)


def _assemble(settings: Settings, wired: Wiring, client: KubeClient, *, once: bool, dry_run: bool,
              metrics: Metrics | None, settle_heap: bool = False) -> _Live:
    loop = settings.controller
    elector = _elector(loop, client) if loop.leader_elect and not once else None
    recorder = EventRecorder(client) if loop.emit_events and not dry_run else None
    serving = bool(settings.serving.metrics_address) and not once
    if metrics is None and serving:
        metrics = Metrics(record_types=wired.pipeline.options.plan.managed)
    sink = metrics if metrics is not None else NULL_METRICS
    wired.provider.metrics = sink
    cache = ClusterCache(client, keep_all_annotations=keeps_all_annotations(settings))
    status = _status_writer(settings, client, cache, elector) if loop.status_updates and not dry_run else None
    controller = Controller(
        wired, cache, elector=elector, recorder=recorder, status=status, accept=annotation_filter(settings),
        resync=loop.interval, apply=not dry_run, metrics=sink,
        pod_ref=own_pod(), settle_heap=settle_heap,
    )
    if metrics is not None:
        metrics.bind(cache=cache, elector=elector, recorder=recorder, status=status)
    if elector is not None:
        elector.on_started_leading = controller.request_full_pass
    return _Live(client, cache, controller, elector, recorder, status, metrics, serving)


async def _start_server(settings: Settings, live: _Live) -> http.Server | None:
    """/metrics, /healthz and /readyz on this event loop; None when not serving. Raises OSError."""
    if not live.serving or live.metrics is None:
        return None
    controller, cache = live.controller, live.cache
    health = Health(controller.vitals, interval=settings.controller.interval,
                    max_sync_age=settings.serving.readiness_max_sync_age,
                    pending_watches=lambda: pending_watches(cache), is_leader=lambda: controller.is_leader)
    return await http.start(settings.serving.metrics_address, live.metrics.registry, health)


async def _one_pass(live: _Live) -> int:
    if not await wait_for_cache(live.cache):
        log.error("%s", _describe(live.cache.errors))
        return exitcodes.ERROR
    result = await live.controller.run_pass(full=True)
    feed = live.controller.connector
    if feed is not None and feed.error is not None:
        return exitcodes.ERROR  # logged by the feed; its deletes were held
    if live.recorder is not None:
        await live.recorder.flush()
    if live.status is not None:
        await live.status.flush()
    return exitcodes.of_run(result)


async def _until_stopped(live: _Live) -> int:
    """Run the controller (and the Event recorder, and leader election) until SIGTERM/SIGINT or a task fails."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread (tests)
            loop.add_signal_handler(sig, stop.set)
    if live.recorder is not None:
        live.tasks.append(asyncio.create_task(live.recorder.run(), name="events"))
    if live.status is not None:
        live.tasks.append(asyncio.create_task(live.status.run(), name="status"))
    if live.elector is not None:
        live.tasks.append(asyncio.create_task(live.elector.run(), name="leader-election"))
    live.tasks.append(asyncio.create_task(live.controller.run(), name="controller"))
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([*live.tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
    for task in done:
        if task is not stopper and task.exception() is not None:
            log.error("%s stopped: %r", task.get_name(), task.exception())
            return exitcodes.ERROR
    return exitcodes.OK


async def _shutdown(live: _Live, server: http.Server | None) -> None:
    for task in live.tasks:
        task.cancel()
    await asyncio.gather(*live.tasks, return_exceptions=True)
    if live.elector is not None:
        await live.elector.release()
    if server is not None:
        await server.close()
    live.controller.close()
    await live.cache.stop()
    await live.client.close()


async def serve(settings: Settings, wired: Wiring, *, once: bool = False, dry_run: bool = False,
                metrics: Metrics | None = None, own_process: bool = False) -> int:
    """Run the controller until SIGTERM/SIGINT (or one pass with `once`). Returns the exit code.

    Unless `once`, /metrics, /healthz and /readyz are served on --metrics-address (when set), on
    this event loop. `own_process`: the process is the controller's alone (`zonekeeper run`), so its
    long-lived heap may be exempted from garbage collection (zonekeeper.heap); never when embedded."""
    client = await _connect(settings)
    try:
        wired = await _discovered(settings, wired, client)
    except BaseException:
        await client.close()
        raise
    live = _assemble(settings, wired, client, once=once, dry_run=dry_run, metrics=metrics,
                     settle_heap=own_process and not once)
    server: http.Server | None = None
    try:
        await _start_watches(settings, wired.source_config, live.cache, on_change=live.controller.on_change)
        try:
            server = await _start_server(settings, live)
        except OSError as exc:
            log.error("cannot serve metrics and health checks on --metrics-address=%s: %s",
                      settings.serving.metrics_address, exc)
            return exitcodes.ERROR
        return await (_one_pass(live) if once else _until_stopped(live))
    finally:
        await _shutdown(live, server)

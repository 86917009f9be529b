"""The edge of --resolve-service-load-balancer-hostname: look up LoadBalancer Services' status hostnames.

external-dns calls net.LookupIP inside its service source at every sync. zonekeeper's sources are pure,
so the lookups happen here, before a pass: every distinct hostname is resolved (A and AAAA, through the
system resolver as Go's is: /etc/hosts, then DNS) and the answers go to the sources as plain data,
`SourceConfig.resolved_hostnames`. A name that does not resolve in time maps to () and is skipped.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import replace

from zonekeeper.sources.base import SourceConfig
from zonekeeper.sources.common import as_list, as_map, as_str, dig
from zonekeeper.sources.objects import SERVICES, Obj, ObjectView

# One slow resolver must not stall a pass: whatever has not answered by then counts as unresolved
# (external-dns has no bound of its own; its lookups block the sync).
TIMEOUT_SECONDS = 5.0
MAX_THREADS = 8

Table = Mapping[str, tuple[str, ...]]


def hostnames(view: ObjectView) -> set[str]:
    """Every status.loadBalancer.ingress[].hostname of the LoadBalancer Services in `view`."""
    found: set[str] = set()
    for svc in view.list(SERVICES):
        found |= hostnames_of(svc)
    return found


def hostnames_of(svc: Obj) -> set[str]:
    """The status hostnames of one Service (none unless it is of type LoadBalancer)."""
    if as_str(dig(svc, "spec", "type")) != "LoadBalancer":
        return set()
    entries = (as_map(entry) for entry in as_list(dig(svc, "status", "loadBalancer", "ingress")))
    return {h for h in (as_str(e.get("hostname")).strip() for e in entries) if h}


def lookup(hostname: str) -> tuple[str, ...]:
    """The IPv4 and IPv6 addresses of `hostname` (IPv4 first, each once); () if it does not resolve."""
    try:
        infos = socket.getaddrinfo(hostname, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return ()
    addresses = {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos}
    return tuple(str(a) for a in sorted(addresses, key=lambda a: (a.version, a)))


def resolve_all(names: Iterable[str], timeout: float = TIMEOUT_SECONDS) -> dict[str, tuple[str, ...]]:
    """Each name -> its addresses, looked up in parallel; names not answered within `timeout`: ()."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    pool = ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(wanted)), thread_name_prefix="zonekeeper-resolve")
    try:
        futures = {name: pool.submit(lookup, name) for name in wanted}
        wait(futures.values(), timeout=timeout)
        return {name: f.result() if f.done() else () for name, f in futures.items()}
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def prepared(config: SourceConfig, view: ObjectView) -> SourceConfig:
    """`config` with every hostname of `view` resolved (unchanged when the flag is off): one-shot runs."""
    if config.resolved_hostnames is None:
        return config
    return replace(config, resolved_hostnames=resolve_all(hostnames(view)))


async def refresh(config: SourceConfig, view: ObjectView, *, full: bool) -> tuple[SourceConfig, set[str]]:
    """The controller's table before a pass, and the hostnames whose addresses changed.

    A full pass resolves every hostname again (and forgets those no Service uses any more), so that an
    address change is picked up every --interval, as external-dns does; an event pass resolves only the
    hostnames not in the table yet.
    """
    old = config.resolved_hostnames
    if old is None:
        return config, set()
    used = hostnames(view)
    todo = used if full else used - set(old)
    answers = await asyncio.to_thread(resolve_all, todo) if todo else {}
    kept = {name: old[name] for name in used if name in old}
    table = kept | answers
    changed = {name for name in answers if old.get(name) != answers[name]}
    return replace(config, resolved_hostnames=table), changed

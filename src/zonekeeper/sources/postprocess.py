"""What external-dns v0.23's source wrappers do to every endpoint a source produced — pure.

In external-dns's order (source/wrappers: multiSource, nat64Source, targetFilterSource, postProcessor):

  --default-targets        an endpoint without targets (a DNSEndpoint entry with none) gets these
                           instead, as A/AAAA/CNAME records by target type, keeping its name, TTL, set
                           identifier, properties and labels; with --force-default-targets every
                           endpoint does, whatever its type and targets;
  --nat64-networks         an AAAA endpoint with targets inside one of these /96 prefixes also gives an
                           A endpoint (same name, TTL, properties) whose targets are the IPv4 addresses
                           embedded in those targets' last 32 bits; its other targets stay AAAA only;
  --target-net-filter /    only targets inside a --target-net-filter network (every target, when there
  --exclude-target-net     is none) and outside every --exclude-target-net network are kept; with a
                           --target-net-filter a hostname target is in no network, so it is dropped; an
                           endpoint left without targets is dropped;
  --create-ptr             each IP target of a non-wildcard A/AAAA endpoint also gets a PTR endpoint at its
                           reverse name (in-addr.arpa / ip6.arpa) pointing at the endpoint's name; an
                           address several of the object's names use gets one PTR with each name (the
                           smallest TTL); objects' PTRs for one address share the record in the
                           planner (plan._mergeable). No `resource` label, as external-dns's;
  --min-ttl                the TTL of an endpoint whose TTL is not configured (0) — despite its name
                           this is a default, not a floor, as in external-dns;
  --prefer-alias           a CNAME endpoint without an `alias` property gets `alias=true` (Route 53 then
                           writes an alias A/AAAA: to an AWS service, or to a record of the same zone).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import replace

from zonekeeper.endpoint import ALIAS, Endpoint
from zonekeeper.sources.base import IPNetwork, SourceConfig, SourceResult
from zonekeeper.sources.common import endpoints_for_hostname, finish


def parse_nat64(values: Sequence[str]) -> tuple[ipaddress.IPv6Network, ...]:
    """--nat64-networks as external-dns's NewNAT64Source reads them: IPv6 prefixes of exactly 96 bits."""
    prefixes: list[ipaddress.IPv6Network] = []
    for network in parse_networks(values, "--nat64-networks"):
        if not isinstance(network, ipaddress.IPv6Network) or network.prefixlen != 96:
            raise ValueError(f"--nat64-networks {str(network)!r}: NAT64 prefixes need to be IPv6 /96 prefixes")
        prefixes.append(network)
    return tuple(prefixes)


def parse_networks(values: Sequence[str], flag: str) -> tuple[IPNetwork, ...]:
    """CIDRs as external-dns's ParseCIDR reads them (host bits allowed); ValueError names the bad one.
    external-dns logs and skips a bad one, which can silently widen the filter; zonekeeper refuses it."""
    networks: list[IPNetwork] = []
    for value in values:
        text = value.strip()
        if "/" not in text:
            raise ValueError(f"{flag} {value!r}: want a network in CIDR notation, e.g. 10.0.0.0/8")
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise ValueError(f"{flag} {value!r}: {exc}") from exc
    return tuple(networks)


def apply(result: SourceResult, config: SourceConfig) -> SourceResult:
    """`result` after the three steps above; unchanged when none is configured."""
    if not (config.default_targets or config.nat64_networks or config.target_net_filter
            or config.exclude_target_nets or config.min_ttl > 0 or config.prefer_alias or config.create_ptr):
        return result
    out = SourceResult([], list(result.problems))
    for endpoint in result.endpoints:
        out.extend(with_default_targets(endpoint, config.default_targets, config.force_default_targets))
    out.endpoints += [a for a in (nat64_a(e, config.nat64_networks) for e in out.endpoints) if a is not None]
    kept = [e for e in (filter_targets(e, config.target_net_filter, config.exclude_target_nets)
                        for e in out.endpoints) if e is not None]
    if config.create_ptr:
        kept += ptr_endpoints(kept)
    out.endpoints = [with_alias_preferred(with_min_ttl(e, config.min_ttl), config.prefer_alias) for e in kept]
    return finish(out)


def nat64_a(endpoint: Endpoint, prefixes: tuple[ipaddress.IPv6Network, ...]) -> Endpoint | None:
    """The A endpoint external-dns's nat64Source adds beside an AAAA one, if any of its targets is in a
    NAT64 prefix. (external-dns fails the whole pass on an AAAA target that is no address; zonekeeper's
    sources never give one, and this skips it.)"""
    if endpoint.type != "AAAA" or not prefixes:
        return None
    v4: list[str] = []
    for target in endpoint.targets:
        try:
            address = ipaddress.IPv6Address(target)
        except ValueError:
            continue
        if any(address in p for p in prefixes):
            v4.append(str(ipaddress.IPv4Address(address.packed[12:])))
    return replace(endpoint, type="A", targets=tuple(v4)) if v4 else None


def ptr_endpoints(endpoints: Sequence[Endpoint]) -> list[Endpoint]:
    """external-dns's generatePTREndpoints over one object's endpoints, in order of first use."""
    by_address: dict[str, tuple[list[str], int]] = {}
    for endpoint in endpoints:
        if endpoint.type not in ("A", "AAAA") or endpoint.name.startswith("*."):
            continue
        for target in endpoint.targets:
            names, ttl = by_address.get(target, ([], endpoint.ttl))
            if endpoint.name not in names:
                names.append(endpoint.name)
            by_address[target] = (names, min(ttl, endpoint.ttl))
    made: list[Endpoint] = []
    for target, (names, ttl) in by_address.items():
        try:
            reverse = ipaddress.ip_address(target).reverse_pointer
        except ValueError:
            continue  # external-dns logs and skips a target it cannot reverse
        made.append(Endpoint.new(reverse, "PTR", names, ttl=ttl))
    return made


def with_alias_preferred(endpoint: Endpoint, prefer: bool) -> Endpoint:
    if not prefer or endpoint.type != "CNAME" or endpoint.prop(ALIAS) is not None:
        return endpoint
    return endpoint.with_provider_specific({**dict(endpoint.provider_specific), ALIAS: "true"})


def with_default_targets(endpoint: Endpoint, targets: tuple[str, ...], force: bool) -> SourceResult:
    if not targets or (endpoint.targets and not force):
        return SourceResult([endpoint], [])
    made = endpoints_for_hostname(endpoint.name, targets, endpoint.ttl, endpoint.set_identifier,
                                  dict(endpoint.provider_specific), endpoint.resource)
    made.endpoints = [replace(e, labels=endpoint.labels) for e in made.endpoints]
    return made


def _in(target: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        address = ipaddress.ip_address(target)
    except ValueError:
        return False  # not an IP address: in no network (Go's ParseIP gives nil)
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        candidates.append(address.ipv4_mapped)  # Go compares an IPv4-mapped address as IPv4
    return any(a in n for a in candidates for n in networks if a.version == n.version)


def filter_targets(endpoint: Endpoint, include: tuple[IPNetwork, ...],
                   exclude: tuple[IPNetwork, ...]) -> Endpoint | None:
    if not include and not exclude:
        return endpoint
    kept = tuple(t for t in endpoint.targets if (not include or _in(t, include)) and not _in(t, exclude))
    if not kept:
        return None
    return endpoint if kept == endpoint.targets else replace(endpoint, targets=kept)


def with_min_ttl(endpoint: Endpoint, ttl: int) -> Endpoint:
    return replace(endpoint, ttl=ttl) if ttl > 0 and endpoint.ttl <= 0 else endpoint

"""The `gateway-udproute` source: Gateway API UDPRoutes (v1alpha2), on UDP listeners; names from
the hostname annotation or the listener.

The rules every route kind shares are in `sources.gateway_routes`.
"""

from __future__ import annotations

from zonekeeper.sources.gateway_routes import RouteKind, spec
from zonekeeper.sources.objects import UDPROUTES

ROUTE = RouteKind(UDPROUTES, frozenset({"UDP"}), has_hostnames=False)
SPEC = spec("gateway-udproute", ROUTE)

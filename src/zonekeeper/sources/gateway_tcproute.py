"""The `gateway-tcproute` source: Gateway API TCPRoutes (v1alpha2), on TCP listeners and TLS ones
(TLS passthrough); names from the hostname annotation or the listener.

The rules every route kind shares are in `sources.gateway_routes`.
"""

from __future__ import annotations

from zonekeeper.sources.gateway_routes import RouteKind, spec
from zonekeeper.sources.objects import TCPROUTES

ROUTE = RouteKind(TCPROUTES, frozenset({"TCP", "TLS"}), has_hostnames=False)
SPEC = spec("gateway-tcproute", ROUTE)

"""The `gateway-httproute` source: Gateway API HTTPRoutes, on HTTP and HTTPS listeners.

The rules every route kind shares are in `sources.gateway_routes`.
"""

from __future__ import annotations

from zonekeeper.sources.gateway_routes import RouteKind, spec
from zonekeeper.sources.objects import HTTPROUTES

ROUTE = RouteKind(HTTPROUTES, frozenset({"HTTP", "HTTPS"}))
SPEC = spec("gateway-httproute", ROUTE)

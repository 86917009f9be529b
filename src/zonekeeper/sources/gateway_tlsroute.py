"""The `gateway-tlsroute` source: Gateway API TLSRoutes, on TLS listeners.

The rules every route kind shares are in `sources.gateway_routes`.
"""

from __future__ import annotations

from zonekeeper.sources.gateway_routes import RouteKind, spec
from zonekeeper.sources.objects import TLSROUTES

ROUTE = RouteKind(TLSROUTES, frozenset({"TLS"}))
SPEC = spec("gateway-tlsroute", ROUTE)

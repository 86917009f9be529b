"""The `gateway-grpcroute` source: Gateway API GRPCRoutes, on HTTP and HTTPS listeners
(external-dns counts a GRPCRoute as HTTPS).

The rules every route kind shares are in `sources.gateway_routes`.
"""

from __future__ import annotations

from zonekeeper.sources.gateway_routes import RouteKind, spec
from zonekeeper.sources.objects import GRPCROUTES

ROUTE = RouteKind(GRPCROUTES, frozenset({"HTTP", "HTTPS"}))
SPEC = spec("gateway-grpcroute", ROUTE)

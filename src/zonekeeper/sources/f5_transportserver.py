"""The `f5-transportserver` source: F5 BIG-IP Container Ingress Services TransportServers
(cis.f5.com/v1), as external-dns v0.23.0's source/f5_transportserver.go.

The VirtualServer's rules (`f5_virtualserver`) with one hostname, spec.host (a TransportServer has
no host aliases). The `resource` label is `f5-transportserver/<namespace>/<name>`.
"""

from __future__ import annotations

from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import only_itself
from zonekeeper.sources.f5_virtualserver import f5_endpoints
from zonekeeper.sources.objects import F5_TRANSPORTSERVERS, Obj, ObjectView

KIND = "f5-transportserver"


def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    return f5_endpoints(obj, config, KIND, with_aliases=False)


SPEC = SourceSpec("f5-transportserver", F5_TRANSPORTSERVERS, endpoints, (F5_TRANSPORTSERVERS,),
                  only_itself(F5_TRANSPORTSERVERS), KIND)

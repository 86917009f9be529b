"""What every source module shares: its configuration and the shape of its answer."""

from __future__ import annotations

from dataclasses import dataclass, field

from zonekeeper.endpoint import Endpoint, Problem


@dataclass(slots=True, frozen=True)
class SourceConfig:
    """Source-side flags, named after their external-dns counterparts."""

    publish_internal_services: bool = False
    publish_host_ip: bool = False
    always_publish_not_ready_addresses: bool = False
    ignore_hostname_annotation: bool = False
    ignore_ingress_tls_spec: bool = False
    ignore_ingress_rules_spec: bool = False
    ingress_classes: tuple[str, ...] = ()
    service_type_filter: tuple[str, ...] = ()  # empty: every type
    # Objects whose `controller` annotation names anything else are left alone.
    controller_name: str = "dns-controller"
    exclude_unschedulable: bool = True


@dataclass(slots=True)
class SourceResult:
    endpoints: list[Endpoint] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def extend(self, other: SourceResult) -> None:
        self.endpoints.extend(other.endpoints)
        self.problems.extend(other.problems)

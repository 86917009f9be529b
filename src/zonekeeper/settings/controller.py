"""Settings of the controller loop: full-pass interval, spacing of event-triggered passes, Kubernetes Events,
status on the source objects, the load-balancer grace period and leader election. Read by zonekeeper.live and
zonekeeper.controller."""

from __future__ import annotations

from dataclasses import dataclass

from zonekeeper.kube.dnsstatus import CONTROLLER_NAME_PATTERN, DEFAULT_CONTROLLER_NAME
from zonekeeper.kube.eventtext import EVENTS_EMIT_CHOICES
from zonekeeper.settings.flag import RUN_ONLY, ConfigError, Flag


@dataclass(slots=True, frozen=True)
class ControllerSettings:
    interval: float = 60.0
    min_event_sync_interval: float = 0.2
    emit_events: bool = True
    # external-dns's event types to emit for record changes; empty: zonekeeper's own Events.
    events_emit: tuple[str, ...] = ()
    # Whether records are programmed, in the source objects' status (zonekeeper.kube.dnsstatus).
    status_updates: bool = True
    status_controller_name: str = DEFAULT_CONTROLLER_NAME
    load_balancer_grace_period: float = 300.0
    leader_elect: bool = False
    leader_elect_namespace: str = ""
    leader_elect_lease_name: str = "zonekeeper"
    leader_elect_lease_duration: float = 15.0
    leader_elect_renew_deadline: float = 10.0
    leader_elect_retry_period: float = 2.0

    def validate(self) -> None:
        unknown = [e for e in self.events_emit if e not in EVENTS_EMIT_CHOICES]
        if unknown:
            raise ConfigError(f"--events-emit {', '.join(unknown)}: not an event type "
                              f"(expected: {', '.join(EVENTS_EMIT_CHOICES)})")
        if not CONTROLLER_NAME_PATTERN.match(self.status_controller_name):
            raise ConfigError(f"--status-controller-name {self.status_controller_name!r}: not a Gateway API "
                              "controller name (a domain, a slash, a path: example.net/dns-controller)")
        if self.load_balancer_grace_period < 0:
            raise ConfigError("--load-balancer-grace-period must not be negative")
        if self.leader_elect and not (
            self.leader_elect_lease_duration > self.leader_elect_renew_deadline > self.leader_elect_retry_period > 0
        ):
            raise ConfigError(
                "leader election needs --leader-elect-lease-duration > --leader-elect-renew-deadline > "
                "--leader-elect-retry-period > 0"
            )


FLAGS: tuple[Flag, ...] = (
    Flag("interval", "interval", "Time between full passes.", kind="duration", show_default=False,
         commands=RUN_ONLY),
    Flag("min-event-sync-interval", "min_event_sync_interval",
         "A pass triggered by changes starts no sooner than this after the last pass (the first sync "
         "and full passes are not held).", kind="duration"),
    Flag("emit-events", "emit_events", "Kubernetes Events on the source objects.", kind="bool", negatable=True),
    Flag("events-emit", "events_emit",
         "Record-change Events with external-dns's reasons, only of these types: RecordReady (created or "
         "updated), RecordDeleted, RecordError (refused). Default: zonekeeper's own Events (RecordCreated, "
         "RecordUpdated, RecordDeleted, ChangeRejected).", repeatable=True),
    Flag("status-updates", "status_updates",
         "Say in each source object's status whether its records are programmed: a DNSRecordsProgrammed "
         "condition on Services (server-side apply, zonekeeper's own field manager), the same condition as the "
         "annotation zonekeeper.io/dns-records-programmed on Ingresses (their API has no status conditions), an "
         "entry per Gateway in Gateway API routes' status.parents, Programmed/Ready on DNSEndpoints.",
         kind="bool", negatable=True, commands=RUN_ONLY),
    Flag("status-controller-name", "status_controller_name",
         "The controllerName of zonekeeper's entries in Gateway API routes' status.parents.", commands=RUN_ONLY),
    Flag("load-balancer-grace-period", "load_balancer_grace_period",
         "Keep the records of a Service or Ingress whose load-balancer status emptied this long "
         "(0 = delete at once), in case a new load balancer comes.", kind="duration"),
    Flag("leader-elect", "leader_elect", "Run several replicas; only the leader writes.", kind="bool"),
    Flag("leader-elect-namespace", "leader_elect_namespace", "Namespace of the Lease (default: the pod's)."),
    Flag("leader-elect-lease-name", "leader_elect_lease_name", "Name of the Lease."),
    Flag("leader-elect-lease-duration", "leader_elect_lease_duration", "Lease duration.", kind="duration"),
    Flag("leader-elect-renew-deadline", "leader_elect_renew_deadline",
         "A leader that cannot renew within this stops writing.", kind="duration"),
    Flag("leader-elect-retry-period", "leader_elect_retry_period", "Time between lease attempts.",
         kind="duration"),
)

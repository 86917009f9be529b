"""Settings: every flag of `zonekeeper run` / `plan` / `records` in one typed value, validated once.

The value is the composition of one group per stage (zonekeeper.settings.*): each group holds its
fields, checks itself and declares its flags as a table. Flag names are external-dns's; each can also
be set as `ZONEKEEPER_<FLAG>` (upper snake case).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from zonekeeper.settings import controller as loop
from zonekeeper.settings import domains, plan, provider, registry, serving, source
from zonekeeper.settings.controller import ControllerSettings
from zonekeeper.settings.domains import DomainSettings
from zonekeeper.settings.flag import ConfigError, Flag, parse_duration, split_list
from zonekeeper.settings.plan import POLICIES, PlanSettings
from zonekeeper.settings.provider import PROVIDERS, ProviderSettings
from zonekeeper.settings.registry import REGISTRIES, RegistrySettings
from zonekeeper.settings.serving import ServingSettings
from zonekeeper.settings.source import SourceSettings, source_names

SOURCES = source_names()

__all__ = ["FLAGS", "POLICIES", "PROVIDERS", "REGISTRIES", "SOURCES", "ConfigError", "Settings",
           "parse_duration", "split_list"]


@dataclass(slots=True, frozen=True)
class Settings:
    # In pipeline order; `validate` checks the groups in this order.
    source: SourceSettings = field(default_factory=SourceSettings)
    domains: DomainSettings = field(default_factory=DomainSettings)
    plan: PlanSettings = field(default_factory=PlanSettings)
    registry: RegistrySettings = field(default_factory=RegistrySettings)
    provider: ProviderSettings = field(default_factory=ProviderSettings)
    controller: ControllerSettings = field(default_factory=ControllerSettings)
    serving: ServingSettings = field(default_factory=ServingSettings)

    @classmethod
    def of(cls, **values: Any) -> Settings:
        """Settings from flat field names, as the flags spell them (`txt_owner_id=...`); every field
        name is unique across the groups. Unknown names raise TypeError, as a dataclass would."""
        by_group: dict[str, dict[str, Any]] = {}
        for name, value in values.items():
            group = _GROUP_OF.get(name)
            if group is None:
                raise TypeError(f"Settings has no field {name!r}")
            by_group.setdefault(group, {})[name] = value
        return cls(**{g: _GROUPS[g](**kw) for g, kw in by_group.items()})

    def validate(self) -> None:
        for group in (self.source, self.domains, self.plan, self.registry, self.provider, self.controller,
                      self.serving):
            group.validate()
        # external-dns's rule: PTR records are only made where they are managed.
        if self.source.create_ptr and "PTR" not in self.plan.managed_record_types:
            raise ConfigError("--create-ptr requires PTR in --managed-record-types")


_GROUPS: dict[str, Any] = {f.name: f.default_factory for f in fields(Settings)}  # type: ignore[misc]
_GROUP_OF: dict[str, str] = {f.name: group for group, cls in _GROUPS.items() for f in fields(cls)}

_DEFAULTS: dict[str, Any] = {name: value for group in asdict(Settings()).values() for name, value in group.items()}


def default(name: str) -> Any:
    """The default of a flat field, which is also its flag's default."""
    return _DEFAULTS[name]


# Every flag that fills Settings, in pipeline order (the order of --help and docs/flags.md).
FLAGS: tuple[Flag, ...] = (source.FLAGS + domains.FLAGS + plan.FLAGS + registry.FLAGS + provider.FLAGS
                           + loop.FLAGS + serving.FLAGS)

"""Settings of the registry stage: which ownership registry, and how TXT ownership records are
named and sealed. Read by zonekeeper.registry (through wiring.build_registry)."""

from __future__ import annotations

from dataclasses import dataclass, field

from zonekeeper.settings.flag import ALL_COMMANDS, ConfigError, Flag

REGISTRIES = ("txt", "noop", "dynamodb")


@dataclass(slots=True, frozen=True)
class RegistrySettings:
    registry: str = "txt"
    txt_owner_id: str = "default"
    txt_prefix: str = ""
    txt_suffix: str = ""
    txt_wildcard_replacement: str = ""
    txt_encrypt_enabled: bool = False
    txt_encrypt_aes_key: str = field(default="", repr=False)  # a secret: never in a log line
    migrate_from_txt_owner: str = ""
    dynamodb_table: str = "external-dns"
    dynamodb_region: str = ""

    def validate(self) -> None:
        if self.registry not in REGISTRIES:
            raise ConfigError(f"--registry {self.registry!r} is not one of {', '.join(REGISTRIES)}")
        if self.registry in ("txt", "dynamodb") and not self.txt_owner_id:
            raise ConfigError(f"--txt-owner-id must not be empty with --registry={self.registry}")
        if self.registry == "dynamodb" and not self.dynamodb_table:
            raise ConfigError("--dynamodb-table must not be empty with --registry=dynamodb")
        if self.migrate_from_txt_owner and self.migrate_from_txt_owner == self.txt_owner_id:
            raise ConfigError("--migrate-from-txt-owner must differ from --txt-owner-id")
        if self.txt_prefix and self.txt_suffix:
            raise ConfigError("--txt-prefix and --txt-suffix are mutually exclusive")
        if self.txt_encrypt_enabled and not self.txt_encrypt_aes_key:
            raise ConfigError("--txt-encrypt-enabled needs --txt-encrypt-aes-key")


FLAGS: tuple[Flag, ...] = (
    Flag("registry", "registry", "Ownership registry.", choices=REGISTRIES, commands=ALL_COMMANDS),
    Flag("txt-owner-id", "txt_owner_id", "Owner id written to and expected in TXT records.", commands=ALL_COMMANDS),
    Flag("txt-prefix", "txt_prefix", "Prefix of TXT names; may contain %{record_type}.", commands=ALL_COMMANDS),
    Flag("txt-suffix", "txt_suffix", "Suffix of TXT names' first label; may contain %{record_type}.",
         commands=ALL_COMMANDS),
    Flag("txt-wildcard-replacement", "txt_wildcard_replacement", "Replaces '*' in TXT names of wildcard records.",
         commands=ALL_COMMANDS),
    Flag("txt-encrypt-enabled", "txt_encrypt_enabled", "Encrypt TXT ownership values.", kind="bool",
         commands=ALL_COMMANDS),
    Flag("txt-encrypt-aes-key", "txt_encrypt_aes_key", "AES-256 key: 32 bytes, or base64 of 32 bytes.",
         show_default=False, commands=ALL_COMMANDS),
    Flag("migrate-from-txt-owner", "migrate_from_txt_owner",
         "Old owner id: its records become ours, only their TXT records are rewritten.", commands=ALL_COMMANDS),
    Flag("dynamodb-table", "dynamodb_table", "DynamoDB table of the dynamodb registry (hash key 'k', type S).",
         commands=ALL_COMMANDS),
    Flag("dynamodb-region", "dynamodb_region", "AWS region of that table (default: the AWS region).",
         commands=ALL_COMMANDS),
)

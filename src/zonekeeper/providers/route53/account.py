"""An AWS account as the provider sees it: a value, so that serving zones from several accounts
(--aws-profile, given several times) is a list of accounts and a map from zone to account.

Route 53 throttles per account (5 requests/s), so the rate limiter belongs to the account: every HTTP
attempt made with its client, retries included, takes a token from its bucket (see attempts.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zonekeeper.providers.base import ProviderError
from zonekeeper.ratelimit import TokenBucket


@dataclass(slots=True, frozen=True)
class Account:
    # A boto3 Route 53 client whose credentials are this account's (the assumed role's, if any).
    client: Any
    name: str = "default"
    bucket: TokenBucket | None = None
    # The role the client's credentials come from, for messages; "" when none is assumed.
    role_arn: str = ""
    # The boto3 session the client was made from (this account's credentials, for other AWS clients
    # such as the DynamoDB registry's); None when only a client was handed in.
    session: Any = None

    def __str__(self) -> str:
        return f"{self.name} ({self.role_arn})" if self.role_arn else self.name

    def call(self, operation: str, **kwargs: Any) -> Any:
        """A read request; botocore's errors become ProviderError (reported for the zone at hand)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as exc:
            err = exc.response.get("Error", {})
            raise ProviderError(f"{err.get('Code', 'Error')}: {err.get('Message', exc)}") from exc
        except BotoCoreError as exc:
            raise ProviderError(str(exc)) from exc

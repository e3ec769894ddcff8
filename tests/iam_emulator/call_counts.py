"""How many requests the emulator answered, per service and action, for benchmarks and for tests
that check how many calls an operation makes (no AWS API has this).

`GET /__bedrock_token/calls` answers `{"iam:GetAccountAuthorizationDetails": 5, …}` since the
last reset; `DELETE /__bedrock_token/calls` and moto's `POST /moto-api/reset` reset it. Every
request is counted, answered or refused (a throttled request counts: the client sent it).
Importing this module installs the counting on moto's IAM, STS and Organizations handlers.
"""

from __future__ import annotations

import collections
import threading

from moto.iam.responses import IamResponse
from moto.organizations.responses import OrganizationsResponse
from moto.sts.responses import TokenResponse

_lock = threading.Lock()
_counts: collections.Counter = collections.Counter()

SERVICES = {IamResponse: "iam", TokenResponse: "sts", OrganizationsResponse: "organizations"}


def counts() -> dict[str, int]:
    with _lock:
        return dict(sorted(_counts.items()))


def reset() -> None:
    with _lock:
        _counts.clear()


def _counted(original, service: str):
    def call_action(self):
        with _lock:
            _counts[f"{service}:{self._get_action()}"] += 1
        return original(self)

    return call_action


def install() -> None:
    """Wraps each handler's action dispatch (after the other extensions wrapped theirs)."""
    for handler, service in SERVICES.items():
        if not handler.__dict__.get("bedrock_token_counted", False):
            handler.call_action = _counted(handler.call_action, service)
            handler.bedrock_token_counted = True


install()

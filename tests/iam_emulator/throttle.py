"""Every Nth request refused, as a service does past its request rate: the count behind each
emulated service's throttling setting (`BEDROCK_TOKEN_IAM_THROTTLE_EVERY`,
`BEDROCK_TOKEN_SECRETS_MANAGER_THROTTLE_EVERY`), one count per setting."""

from __future__ import annotations

import os
import threading

_lock = threading.Lock()
_counts: dict[str, int] = {}


def refuse_now(setting: str) -> bool:
    """Counts a request under `setting` (an environment variable holding N; unset or 0: never)
    and says whether it is an Nth one, to be refused."""
    every = int(os.environ.get(setting) or 0)
    if not every:
        return False
    with _lock:
        _counts[setting] = _counts.get(setting, 0) + 1
        return _counts[setting] % every == 0

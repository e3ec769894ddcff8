"""STS GetCallerIdentity refused for an inactive access key, as AWS refuses it, for moto.

moto answers GetCallerIdentity with the key's user whatever the key's status. AWS authenticates
the request first: an IAM user's access key that is Inactive gets `InvalidClientTokenId` (HTTP 403,
"The security token included in the request is invalid."). `rotate --store` verifies a new access
key this way before making it current. Keys moto does not know (the example keys the tests sign
with) are still answered with moto's default identity.

Importing this module installs the check on moto's STS response handler.
"""

from __future__ import annotations

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.iam import iam_backends
from moto.sts import responses


class InvalidClientTokenId(ServiceException):
    code = "InvalidClientTokenId"

    def __init__(self) -> None:
        super().__init__("The security token included in the request is invalid.")


def _status(access_key_id: str) -> str | None:
    """The status of an IAM user's access key, in any account and partition; None if unknown."""
    for partitions in iam_backends.values():
        for backend in partitions.values():
            for user in backend.users.values():
                for key in user.access_keys:
                    if key.access_key_id == access_key_id:
                        return key.status
    return None


def checked(original):
    def get_caller_identity(self):
        if _status(self.get_access_key()) == "Inactive":
            _, headers, body = self.serialized(ActionResult(InvalidClientTokenId()))
            headers["status"] = 403
            return 403, headers, body
        return original(self)

    return get_caller_identity


def install() -> None:
    handler = responses.TokenResponse
    if getattr(handler, "bedrock_token_inactive_keys_refused", False):
        return
    handler.get_caller_identity = checked(handler.get_caller_identity)
    handler.bedrock_token_inactive_keys_refused = True


install()

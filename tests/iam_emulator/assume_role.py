"""STS AssumeRole refused as AWS refuses it, for moto.

moto's AssumeRole hands out credentials for any role ARN, whether the role exists or not and
whatever its trust policy says. AWS answers `AccessDenied` (HTTP 403, "User: CALLER is not
authorized to perform: sts:AssumeRole on resource: ROLE") when the role does not exist in its
account, or when its trust policy allows the caller nothing: no `Allow` statement for
`sts:AssumeRole` names the caller (its ARN, its account's root `arn:PARTITION:iam::ACCOUNT:root`,
its account id, or `*`), or a `Deny` statement does. AWS does not say which of the two it was.
Statements with a `Condition` are not evaluated: they allow nothing here and deny nothing.

Importing this module installs the check on moto's STS response handler.
"""

from __future__ import annotations

import json
import urllib.parse

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.iam import iam_backends
from moto.sts import responses
from moto.utilities.utils import get_partition


class AccessDenied(ServiceException):
    code = "AccessDenied"

    def __init__(self, message: str) -> None:
        super().__init__(message)


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _action_matches(statement: dict) -> bool:
    return any(a in ("sts:AssumeRole", "sts:*", "*") for a in _listed(statement.get("Action", [])))


def _principal_matches(statement: dict, caller_arn: str, caller_account: str, partition: str) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    names = {caller_arn, caller_account, f"arn:{partition}:iam::{caller_account}:root", "*"}
    return any(p in names for p in _listed(principal.get("AWS", [])))


def trusts(document: str, caller_arn: str, caller_account: str, partition: str) -> bool:
    """Whether a trust policy lets the caller assume the role."""
    try:
        policy = json.loads(urllib.parse.unquote(document))
    except ValueError:
        return False
    allowed = False
    for statement in _listed(policy.get("Statement", [])):
        if "Condition" in statement or not _action_matches(statement):
            continue
        if not _principal_matches(statement, caller_arn, caller_account, partition):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def checked(original):
    def assume_role(self):
        role_arn = self._get_param("RoleArn") or ""
        parts = role_arn.split(":", 5)
        _, caller_arn, caller_account = self.backend.get_caller_identity(self.get_access_key(), self.region)
        refused = AccessDenied(f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
        role = None
        if len(parts) == 6 and parts[5].startswith("role/") and parts[4] in iam_backends:
            partition, account, role_name = parts[1], parts[4], parts[5].rsplit("/", 1)[-1]
            iam = iam_backends[account][get_partition(self.region)]
            role = next((r for r in iam.roles.values() if r.name == role_name), None)
        if role is None or not trusts(role.assume_role_policy_document, caller_arn, caller_account, partition):
            # AWS answers 403; moto's STS model has no AccessDenied shape to carry it.
            _, headers, body = self.serialized(ActionResult(refused))
            headers["status"] = 403
            return 403, headers, body
        return original(self)

    return assume_role


def install() -> None:
    handler = responses.TokenResponse
    if getattr(handler, "bedrock_token_trust_checked", False):
        return
    handler.assume_role = checked(handler.assume_role)
    handler.bedrock_token_trust_checked = True


install()

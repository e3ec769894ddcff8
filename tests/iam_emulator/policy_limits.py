"""IAM's policy size quotas, which moto records but does not enforce.

From the IAM quotas reference ("IAM and AWS STS quotas"), counted as IAM counts them, in
characters other than white space:
- a user's inline policies together: 2,048 (PutUserPolicy answers `LimitExceeded`,
  "Maximum policy size of 2048 bytes exceeded for user NAME");
- a role's inline policies together: 10,240 (likewise, "… for role NAME");
- one customer-managed policy: 6,144 (CreatePolicy and CreatePolicyVersion answer
  `LimitExceeded`, "Cannot exceed quota for PolicySize: 6144").
A policy that replaces another of the same name counts instead of it.
"""

from __future__ import annotations

from moto.iam import models
from moto.iam.exceptions import LimitExceededException

USER_INLINE = 2048
ROLE_INLINE = 10240
MANAGED = 6144


def size(document: str) -> int:
    return sum(1 for c in document if not c.isspace())


def check_inline(kind: str, name: str, policies: dict, policy_name: str, document: str, quota: int) -> None:
    total = size(document) + sum(size(d) for n, d in policies.items() if n != policy_name)
    if total > quota:
        raise LimitExceededException(f"Maximum policy size of {quota} bytes exceeded for {kind} {name}")


def check_managed(document: str) -> None:
    if size(document) > MANAGED:
        raise LimitExceededException(f"Cannot exceed quota for PolicySize: {MANAGED}")


original_put_user_policy = models.IAMBackend.put_user_policy
original_put_role_policy = models.IAMBackend.put_role_policy
original_create_policy = models.IAMBackend.create_policy
original_create_policy_version = models.IAMBackend.create_policy_version


def put_user_policy(self, user_name: str, policy_name: str, policy_json: str) -> None:
    user = self.get_user(user_name)
    check_inline("user", user_name, user.policies, policy_name, policy_json, USER_INLINE)
    original_put_user_policy(self, user_name, policy_name, policy_json)


def put_role_policy(self, role_name: str, policy_name: str, policy_json: str) -> None:
    role = self.get_role(role_name)
    check_inline("role", role_name, role.policies, policy_name, policy_json, ROLE_INLINE)
    original_put_role_policy(self, role_name, policy_name, policy_json)


def create_policy(self, description, path, policy_document, policy_name, tags):
    check_managed(policy_document)
    return original_create_policy(self, description, path, policy_document, policy_name, tags)


def create_policy_version(self, policy_arn, policy_document, set_as_default):
    check_managed(policy_document)
    return original_create_policy_version(self, policy_arn, policy_document, set_as_default)


def install() -> None:
    backend = models.IAMBackend
    if getattr(backend, "bedrock_token_policy_limits", False):
        return
    backend.put_user_policy = put_user_policy
    backend.put_role_policy = put_role_policy
    backend.create_policy = create_policy
    backend.create_policy_version = create_policy_version
    backend.bedrock_token_policy_limits = True


install()

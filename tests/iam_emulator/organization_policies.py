"""AWS Organizations' refusals of policy attachments that moto lacks.

moto's AttachPolicy succeeds when the policy is already attached to the target, and its
DetachPolicy when the policy is not attached there. AWS refuses both, having done nothing (HTTP
400): `DuplicatePolicyAttachmentException` ("The selected policy is already attached to the
specified target.") and `PolicyNotAttachedException` ("The policy isn't attached to the specified
target in the specified root."). A client that treats "already attached" as done must see these
answers, as it would from AWS.

Importing this module installs both checks on moto's Organizations backend.
"""

from __future__ import annotations

from moto.organizations.exceptions import OrganizationsClientError
from moto.organizations.models import OrganizationsBackend


class DuplicatePolicyAttachmentException(OrganizationsClientError):
    def __init__(self) -> None:
        super().__init__("DuplicatePolicyAttachmentException", "The selected policy is already attached to the specified target.")


class PolicyNotAttachedException(OrganizationsClientError):
    def __init__(self) -> None:
        super().__init__("PolicyNotAttachedException", "The policy isn't attached to the specified target in the specified root.")


def _attached(backend: OrganizationsBackend, policy_id: str, target_id: str) -> bool:
    policy = backend.get_policy_by_id(policy_id)
    return any(target.id == target_id for target in policy.attachments)


def attach_policy(original):
    def attach(self, **kwargs):
        if _attached(self, kwargs["PolicyId"], kwargs["TargetId"]):
            raise DuplicatePolicyAttachmentException()
        return original(self, **kwargs)

    return attach


def detach_policy(original):
    def detach(self, **kwargs):
        was_attached = _attached(self, kwargs["PolicyId"], kwargs["TargetId"])
        # moto's own checks first: an unknown policy or target is refused as moto refuses it.
        result = original(self, **kwargs)
        if not was_attached:
            raise PolicyNotAttachedException()
        return result

    return detach


def install() -> None:
    if getattr(OrganizationsBackend, "bedrock_token_attachments_checked", False):
        return
    OrganizationsBackend.attach_policy = attach_policy(OrganizationsBackend.attach_policy)
    OrganizationsBackend.detach_policy = detach_policy(OrganizationsBackend.detach_policy)
    OrganizationsBackend.bedrock_token_attachments_checked = True


install()

"""The service control policies (SCPs) that apply to an account, for the evaluating Bedrock endpoint.

AWS Organizations evaluates SCPs level by level (AWS Organizations User Guide, "SCP evaluation";
IAM User Guide, "Policy evaluation logic"): a request is allowed only if, at the root, at every OU
on the way down and at the account itself, some attached SCP allows it, and no SCP at any level
denies it. SCPs never restrict the organization's management account. An account in no
organization has no SCP restriction.

Two sources, both answered as a list of levels, each a list of `{"name", "document"}`:

- moto's Organizations backend: when the account is a member of an organization created in the
  emulator (CreateOrganization, CreateAccount, CreatePolicy of type SERVICE_CONTROL_POLICY,
  AttachPolicy to the root, an OU or the account), the policies attached at each level, root
  first. moto attaches FullAWSAccess to the root and to every new account, as AWS does.
- a private route, for accounts that are not members (like the emulator's default account
  123456789012, whose users the tests provision): `PUT /__bedrock_token/scps/{account}` with a
  JSON list of policy documents sets them as one more level (they must allow, and may deny);
  `GET` answers that list, `DELETE` removes it (no restriction again). `POST /moto-api/reset`
  forgets them too.
"""

from __future__ import annotations

import json
import threading

from moto.organizations.models import organizations_backends

_lock = threading.Lock()
_by_account: dict[str, list[dict]] = {}


def set_for_account(account: str, documents: list[dict]) -> None:
    with _lock:
        _by_account[account] = documents


def get_for_account(account: str) -> list[dict] | None:
    with _lock:
        return _by_account.get(account)


def delete_for_account(account: str) -> None:
    with _lock:
        _by_account.pop(account, None)


def forget_all() -> None:
    with _lock:
        _by_account.clear()


def _organization_levels(account: str) -> list[list[dict]]:
    """The SCPs attached at each level above and at a member account, root first; none for the
    management account or an account in no organization."""
    owner = organizations_backends.master_accounts.get(account)
    if owner is None:
        return []
    management, partition = owner
    backend = organizations_backends[management][partition]
    org = backend.org
    if org is None or account == org.master_account_id:
        return []
    member = next((a for a in backend.accounts if a.id == account), None)
    if member is None:
        return []
    levels = []
    node, parent_id = member, member.parent_id
    while node is not None:
        levels.append([
            {"name": p.name, "document": json.loads(p.content)}
            for p in node.attached_policies if p.type == "SERVICE_CONTROL_POLICY"
        ])
        node = next((ou for ou in backend.ou if ou.id == parent_id), None) if parent_id else None
        parent_id = getattr(node, "parent_id", None) if node is not None else None
    return list(reversed(levels))


def levels_for(account: str) -> list[list[dict]]:
    """Every level of SCPs that applies to `account`: the organization's, then the private route's."""
    levels = _organization_levels(account)
    private = get_for_account(account)
    if private is not None:
        levels.append([{"name": f"scp-{i + 1}", "document": d} for i, d in enumerate(private)])
    return levels

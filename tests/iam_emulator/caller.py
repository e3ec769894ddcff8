"""Who a credential is and which policies apply to it, read from moto's IAM and STS backends.

The evaluating Bedrock endpoint (tests/bedrock_endpoint) authenticates bearer tokens and evaluates
IAM policies itself; it asks the emulator for what AWS keeps on its side, following the IAM User
Guide ("Policy evaluation logic", "Identities") and the Bedrock API keys guide:

- an access key id: an IAM user's own key (`AKIA…`, its status Active or Inactive, deleted keys
  unknown), or the temporary credentials of an STS AssumeRole session (`ASIA…`, with the session
  token and the session's creation time, which AWS puts in `aws:TokenIssueTime`, and its
  expiration);
- a long-term Bedrock API key (`ABSK…`, an IAM service-specific credential for
  bedrock.amazonaws.com, Active, Inactive or Expired; deleted keys unknown).

The answer names the principal (type `user` or `assumed-role`, name, ARN, account, and for a
session the role's name and ARN and the session name), carries the secret access key and session
token the endpoint needs to check a SigV4 signature, and lists the principal's policies:
identity-based (a user's inline and attached managed policies and those of its groups; a role's
inline and attached managed policies; AWS managed policies come with
MOTO_IAM_LOAD_MANAGED_POLICIES=true), the session policy passed to AssumeRole, the role's
permissions boundary (moto has no user boundaries), and the SCPs of the account by level (see
service_control_policies.py).
"""

from __future__ import annotations

import base64
import datetime
import hmac
import json

from moto.core.utils import utcnow
from moto.iam.models import iam_backends
from moto.sts.models import AssumedRole, sts_backends
from moto.utilities.utils import PARTITION_NAMES

import service_control_policies
import service_specific_credentials

BEDROCK = "bedrock.amazonaws.com"


def _iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment.tzinfo else moment.isoformat() + "Z"


def _document(text) -> dict:
    return json.loads(text) if isinstance(text, str) else text


def _managed(policy) -> dict:
    version = next((v for v in policy.versions if v.is_default), policy.versions[0])
    return {"name": policy.name, "arn": policy.arn, "kind": "managed", "document": _document(version.document)}


def _inline(owner: str, name: str, text: str) -> dict:
    return {"name": name, "kind": f"inline ({owner})", "document": _document(text)}


def _backends():
    """Each (account, partition, IAM backend) the emulator has used so far."""
    for account_id, account in list(iam_backends.items()):
        for partition in PARTITION_NAMES:
            if partition in dict.keys(account):
                yield account_id, partition, dict.__getitem__(account, partition)


def _user_policies(backend, user) -> list[dict]:
    policies = [_inline(f"user {user.name}", n, d) for n, d in user.policies.items()]
    policies += [_managed(p) for p in user.managed_policies.values()]
    for group in backend.get_groups_for_user(user.name):
        policies += [_inline(f"group {group.name}", n, d) for n, d in group.policies.items()]
        policies += [_managed(p) for p in group.managed_policies.values()]
    return policies


def _user_answer(account: str, backend, user, status: str) -> dict:
    return {
        "found": True,
        "status": status,
        "usable": status == "Active",
        "principal": {"type": "user", "name": user.name, "arn": user.arn, "account": account, "id": user.id},
        "policies": {"identity": _user_policies(backend, user), "boundary": None, "session": None},
        "scps": service_control_policies.levels_for(account),
    }


def _session_answer(account: str, partition: str, session, now) -> dict:
    backend = dict.__getitem__(iam_backends[account], partition)
    role_name = session.role_arn.split("/")[-1]
    role = next((r for r in backend.roles.values() if r.arn == session.role_arn), None)
    identity, boundary = [], None
    if role is not None:
        identity = [_inline(f"role {role.name}", n, d) for n, d in role.policies.items()]
        identity += [_managed(p) for p in role.managed_policies.values()]
        if role.permissions_boundary_arn and role.permissions_boundary_arn in backend.managed_policies:
            boundary = _managed(backend.managed_policies[role.permissions_boundary_arn])
    status = "Active" if session.expiration > now else "Expired"
    return {
        "found": True,
        "status": status,
        "usable": status == "Active",
        "principal": {
            "type": "assumed-role", "name": session.session_name, "arn": session.arn, "account": account,
            "id": f"{role.id if role else 'AROAUNKNOWN'}:{session.session_name}",
            "roleName": role_name, "roleArn": session.role_arn, "sessionName": session.session_name,
        },
        "secretAccessKey": session.secret_access_key,
        "sessionToken": session.session_token,
        "tokenIssueTime": _iso(session.issued_at),
        "expiration": _iso(session.expiration),
        "policies": {
            "identity": identity,
            "boundary": boundary,
            "session": {"name": "session policy", "kind": "session", "document": _document(session.policy)} if session.policy else None,
        },
        "scps": service_control_policies.levels_for(account),
    }


def by_access_key(access_key_id: str, now) -> dict:
    for account, partition, backend in _backends():
        for user in backend.users.values():
            for key in user.access_keys:
                if key.access_key_id == access_key_id:
                    answer = _user_answer(account, backend, user, key.status)
                    answer["secretAccessKey"] = key.secret_access_key
                    return answer
    for account_id, account in list(sts_backends.items()):
        for partition in PARTITION_NAMES:
            if partition not in dict.keys(account):
                continue
            session = dict.__getitem__(account, partition).get_assumed_role_from_access_key(access_key_id)
            if session is not None:
                return _session_answer(session.account_id, partition, session, now)
    return {"found": False}


def by_api_key(api_key: str) -> dict:
    for account, _partition, backend in _backends():
        for user in backend.users.values():
            for credential in service_specific_credentials.credentials_of(user):
                if credential.service_name != BEDROCK:
                    continue
                secret = credential.with_secret()["ServiceCredentialSecret"]
                if hmac.compare_digest(secret.encode(), api_key.encode()):
                    answer = _user_answer(account, backend, user, credential.current_status())
                    answer["credentialId"] = credential.id
                    if credential.expiration_date is not None:
                        answer["expiration"] = _iso(credential.expiration_date)
                    return answer
    return {"found": False}


def looks_like_api_key(text: str) -> bool:
    if not text.startswith("ABSK"):
        return False
    try:
        return b":" in base64.b64decode(text[4:], validate=True)
    except ValueError:
        return False


original_assumed_role_init = AssumedRole.__init__


def _assumed_role_init(self, *args, **kwargs) -> None:
    """moto keeps a session's expiration only; AWS's aws:TokenIssueTime is its creation time."""
    original_assumed_role_init(self, *args, **kwargs)
    duration = kwargs["duration"] if "duration" in kwargs else args[6]
    self.issued_at = self.expiration - datetime.timedelta(seconds=int(duration))


def install() -> None:
    """Records each STS session's creation time (once)."""
    if AssumedRole.__init__ is not _assumed_role_init:
        AssumedRole.__init__ = _assumed_role_init


def lookup(request: dict) -> dict:
    """The answer to `POST /__bedrock_token/caller` with `{"accessKeyId": …}` or `{"apiKey": …}`."""
    if request.get("accessKeyId"):
        return by_access_key(str(request["accessKeyId"]), utcnow())
    if request.get("apiKey") and looks_like_api_key(str(request["apiKey"])):
        return by_api_key(str(request["apiKey"]))
    return {"found": False}


install()

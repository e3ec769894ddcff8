"""IAM service-specific credentials (long-term Bedrock API keys) for moto, and IAM's refusals.

moto implements none of the five service-specific credential operations, and deletes users that
AWS would refuse to delete. Importing this module, in the moto server's own process, adds both to
moto's IAM backend and response handler, following the IAM API reference:

- CreateServiceSpecificCredential: `ServiceName` among the services IAM supports (else
  `NotSupportedService`), `CredentialAgeDays` 1..36600 and for API-key services only (without it
  the key never expires), at most two per user and service (else `LimitExceeded`).
- ListServiceSpecificCredentials: `UserName` or `AllUsers` (not both), `ServiceName`, and paging
  with `Marker`, `MaxItems` and `IsTruncated`. An expired key lists as `Expired`.
- UpdateServiceSpecificCredential (`Active`/`Inactive`), ResetServiceSpecificCredential (a new
  secret), DeleteServiceSpecificCredential. `NoSuchEntity` for an unknown user or credential.
- DeleteUser: `DeleteConflict` while the user still has anything AWS makes you remove first.
- DeleteVirtualMFADevice: `DeleteConflict` while the device is still assigned to a user.

Setting `BEDROCK_TOKEN_IAM_PAGE_SIZE=N` makes every per-user list call, and ListUsers, answer at
most N items a page (IAM may truncate any of them), so clients that ignore `IsTruncated` fail.
Setting `BEDROCK_TOKEN_IAM_THROTTLE_EVERY=N` refuses every Nth IAM request with IAM's
`Throttling` error (HTTP 400, "Rate exceeded"), having done nothing, as IAM does past its rate.
"""

from __future__ import annotations

import base64
import datetime
import os
import secrets
import string

from moto.core.responses import ActionResult, EmptyResult
from moto.iam import models, responses
from moto.iam.exceptions import DeleteConflictException, IAMException, LimitExceededException, NotFoundException
from throttle import refuse_now

#: Services that take service-specific credentials; the first two take API keys (with expiry).
API_KEY_SERVICES = ("bedrock.amazonaws.com", "logs.amazonaws.com")
PASSWORD_SERVICES = ("codecommit.amazonaws.com", "cassandra.amazonaws.com")
PER_USER_AND_SERVICE = 2
MAX_AGE_DAYS = 36600


class NotSupportedService(IAMException):
    code = "NotSupportedService"


class InvalidInput(IAMException):
    code = "InvalidInput"


class ServiceSpecificCredential:
    """One credential, kept on the moto `User` it belongs to."""

    def __init__(self, user: models.User, service: str, age_days: int | None) -> None:
        self.user_name = user.name
        self.service_name = service
        self.id = "ACCA" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(17))
        self.create_date = datetime.datetime.now(datetime.timezone.utc)
        self.expiration_date = self.create_date + datetime.timedelta(days=age_days) if age_days else None
        self.status = "Active"
        self.service_user_name = f"{user.name}-at-{user.account_id}"
        self.secret = ""
        self.reset()

    def reset(self) -> str:
        self.secret = secrets.token_urlsafe(40)
        return self.secret

    def current_status(self) -> str:
        expired = self.expiration_date is not None and self.expiration_date <= datetime.datetime.now(datetime.timezone.utc)
        return "Expired" if expired and self.status == "Active" else self.status

    def metadata(self) -> dict:
        data = {
            "UserName": self.user_name,
            "Status": self.current_status(),
            "ServiceUserName": self.service_user_name,
            "CreateDate": self.create_date,
            "ServiceSpecificCredentialId": self.id,
            "ServiceName": self.service_name,
        }
        if self.service_name in API_KEY_SERVICES:
            data["ServiceCredentialAlias"] = f"{self.service_user_name}-{self.id[-8:].lower()}"
        if self.expiration_date is not None:
            data["ExpirationDate"] = self.expiration_date
        return data

    def with_secret(self) -> dict:
        """The credential as Create and Reset return it: the only answers that carry the secret."""
        data = self.metadata()
        if self.service_name in API_KEY_SERVICES:
            alias = data["ServiceCredentialAlias"]
            data["ServiceCredentialSecret"] = "ABSK" + base64.b64encode(f"{alias}:{self.secret}".encode()).decode()
        else:
            data["ServicePassword"] = self.secret
        return data


def credentials_of(user: models.User) -> list[ServiceSpecificCredential]:
    if not hasattr(user, "service_specific_credentials"):
        user.service_specific_credentials = []
    return user.service_specific_credentials


def find(backend: models.IAMBackend, user_name: str, credential_id: str) -> ServiceSpecificCredential:
    user = backend.get_user(user_name)
    for credential in credentials_of(user):
        if credential.id == credential_id:
            return credential
    raise NotFoundException(f"No such credential {credential_id} for user {user_name}.")


def check_service(service: str | None) -> None:
    if service not in API_KEY_SERVICES + PASSWORD_SERVICES:
        raise NotSupportedService(f"Service {service} is not supported for service-specific credentials.")


def page_size() -> int | None:
    text = os.environ.get("BEDROCK_TOKEN_IAM_PAGE_SIZE")
    return int(text) if text else None


def paged(response: responses.IamResponse, items: list) -> tuple[list, dict]:
    """One page of `items` as IAM pages: `MaxItems` (1..1000, else IAM's default of 100) from
    the index in `Marker`, with `IsTruncated` and the next `Marker`. A configured page size
    shortens every page below `MaxItems`, as IAM may ("IAM might return fewer results")."""
    size = response._get_int_param("MaxItems") or 100
    if not 1 <= size <= 1000:
        raise InvalidInput("MaxItems must be between 1 and 1000.")
    size = min(size, page_size() or size)
    marker = response._get_param("Marker")
    try:
        start = int(marker) if marker else 0
    except ValueError:
        raise InvalidInput(f"Invalid Marker {marker}.") from None
    page = items[start : start + size]
    truncated = start + size < len(items)
    return page, {"IsTruncated": truncated, **({"Marker": str(start + size)} if truncated else {})}


# The backend: state and IAM's rules.


def create_service_specific_credential(self, user_name: str, service: str, age_days: int | None) -> ServiceSpecificCredential:
    user = self.get_user(user_name)
    check_service(service)
    if age_days is not None:
        if service not in API_KEY_SERVICES:
            raise InvalidInput(f"CredentialAgeDays is only valid for API keys ({', '.join(API_KEY_SERVICES)}).")
        if not 1 <= age_days <= MAX_AGE_DAYS:
            raise InvalidInput(f"CredentialAgeDays must be between 1 and {MAX_AGE_DAYS}.")
    existing = [c for c in credentials_of(user) if c.service_name == service]
    if len(existing) >= PER_USER_AND_SERVICE:
        raise LimitExceededException(f"Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: {PER_USER_AND_SERVICE}")
    credential = ServiceSpecificCredential(user, service, age_days)
    credentials_of(user).append(credential)
    return credential


def list_service_specific_credentials(self, user_name: str | None, service: str | None, all_users: bool) -> list[ServiceSpecificCredential]:
    if all_users and user_name:
        raise InvalidInput("AllUsers cannot be specified together with UserName.")
    if service is not None:
        check_service(service)
    users = list(self.users.values()) if all_users else [self.get_user(user_name)]
    found = [c for user in users for c in credentials_of(user)]
    return [c for c in found if service is None or c.service_name == service]


def delete_user(self, user_name: str) -> None:
    """IAM refuses to delete a user that still has any of these; moto itself checks policies."""
    user = self.get_user(user_name)
    leftovers = [
        (user.password, "login profile"),
        (user.access_keys, "access keys"),
        (user.signing_certificates, "signing certificates"),
        (user.ssh_public_keys, "SSH public keys"),
        (credentials_of(user), "service specific credentials"),
        (user.mfa_devices, "MFA device"),
    ]
    for present, what in leftovers:
        if present:
            raise DeleteConflictException(f"Cannot delete entity, must delete {what} first.")
    if self.get_groups_for_user(user_name):
        raise DeleteConflictException("Cannot delete entity, must remove users from group first.")
    original_delete_user(self, user_name)


def delete_virtual_mfa_device(self, serial_number: str) -> None:
    device = self.virtual_mfa_devices.get(serial_number)
    if device is not None and device.user is not None:
        raise DeleteConflictException("MFA Device is still in use.")
    original_delete_virtual_mfa_device(self, serial_number)


# The response handler: one method per action, named as moto dispatches them.


def create_service_specific_credential_response(self) -> ActionResult:
    age = self._get_int_param("CredentialAgeDays")
    credential = self.backend.create_service_specific_credential(self._get_param("UserName"), self._get_param("ServiceName"), age)
    return ActionResult({"ServiceSpecificCredential": credential.with_secret()})


def list_service_specific_credentials_response(self) -> ActionResult:
    user_name = self._get_param("UserName")
    all_users = self._get_bool_param("AllUsers", False)
    if not user_name and not all_users:
        user_name = self.backend.get_user_from_access_key_id(self.get_access_key()).name
    found = self.backend.list_service_specific_credentials(user_name, self._get_param("ServiceName"), all_users)
    page, paging = paged(self, [c.metadata() for c in found])
    return ActionResult({"ServiceSpecificCredentials": page, **paging})


def update_service_specific_credential_response(self) -> ActionResult:
    status = self._get_param("Status")
    if status not in ("Active", "Inactive"):
        raise InvalidInput("Status must be Active or Inactive.")
    find(self.backend, self._get_param("UserName"), self._get_param("ServiceSpecificCredentialId")).status = status
    return EmptyResult()


def reset_service_specific_credential_response(self) -> ActionResult:
    credential = find(self.backend, self._get_param("UserName"), self._get_param("ServiceSpecificCredentialId"))
    credential.reset()
    return ActionResult({"ServiceSpecificCredential": credential.with_secret()})


def delete_service_specific_credential_response(self) -> ActionResult:
    user = self.backend.get_user(self._get_param("UserName"))
    credential = find(self.backend, user.name, self._get_param("ServiceSpecificCredentialId"))
    credentials_of(user).remove(credential)
    return EmptyResult()


class Throttling(IAMException):
    code = "Throttling"


def throttled(original):
    """Wraps moto's action dispatch: every Nth request is refused before it runs."""

    def call_action(self):
        if refuse_now("BEDROCK_TOKEN_IAM_THROTTLE_EVERY"):
            status, headers, body = self.serialized(ActionResult(Throttling("Rate exceeded")))
            headers["status"] = status
            return status, headers, body
        return original(self)

    return call_action


def paging_list(original, key: str):
    """Wraps one of moto's list actions that answer everything at once so that it pages as IAM
    may, when `BEDROCK_TOKEN_IAM_PAGE_SIZE` is set or the caller asks for `MaxItems`."""

    def method(self) -> ActionResult:
        result = original(self)
        if page_size() is None and self._get_param("MaxItems") is None:
            return result
        body = dict(result.result)
        body[key], paging = paged(self, list(body[key]))
        body.pop("Marker", None)
        return ActionResult({**body, **paging})

    method.__name__ = original.__name__
    return method


def moto_paged_list(original):
    """Wraps one of moto's list actions that page by themselves: the configured page size
    becomes the default `MaxItems`."""

    def method(self) -> ActionResult:
        if page_size() is not None and self._get_param("MaxItems") is None:
            if self.automated_parameter_parsing:
                self.params["MaxItems"] = page_size()
            else:
                self.querystring["MaxItems"] = [str(page_size())]
        return original(self)

    method.__name__ = original.__name__
    return method


original_delete_user = models.IAMBackend.delete_user
original_delete_virtual_mfa_device = models.IAMBackend.delete_virtual_mfa_device


def install() -> None:
    """Registers everything above on moto's IAM backend and response classes (once)."""
    backend, handler = models.IAMBackend, responses.IamResponse
    if getattr(handler, "bedrock_token_extension", False):
        return
    backend.create_service_specific_credential = create_service_specific_credential
    backend.list_service_specific_credentials = list_service_specific_credentials
    backend.delete_user = delete_user
    backend.delete_virtual_mfa_device = delete_virtual_mfa_device
    handler.create_service_specific_credential = create_service_specific_credential_response
    handler.list_service_specific_credentials = list_service_specific_credentials_response
    handler.update_service_specific_credential = update_service_specific_credential_response
    handler.reset_service_specific_credential = reset_service_specific_credential_response
    handler.delete_service_specific_credential = delete_service_specific_credential_response
    for action, key in [
        ("list_users", "Users"),
        ("list_user_tags", "Tags"),
        ("list_user_policies", "PolicyNames"),
        ("list_access_keys", "AccessKeyMetadata"),
        ("list_groups_for_user", "Groups"),
        ("list_mfa_devices", "MFADevices"),
        ("list_ssh_public_keys", "SSHPublicKeys"),
        ("list_signing_certificates", "Certificates"),
    ]:
        setattr(handler, action, paging_list(getattr(handler, action), key))
    handler.list_attached_user_policies = moto_paged_list(handler.list_attached_user_policies)
    handler.call_action = throttled(handler.call_action)
    handler.bedrock_token_extension = True


install()

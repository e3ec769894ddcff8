"""Amazon Bedrock API keys, made locally from AWS credentials.

* ``provide_token()`` and ``BedrockTokenGenerator``: drop-ins for ``aws_bedrock_token_generator``'s
  (identical tokens, the same arguments, defaults and ``ValueError``/``RuntimeError`` messages).
* ``TokenProvider``: caches the token, re-signs it before expiry, one refresh for all threads,
  keeps serving a valid token while a refresh fails.
* ``TokenProvider.boto3_session()``: boto3 clients for Bedrock that send this provider's tokens;
  ``openai_base_url()`` with ``api_key=provider.token`` for OpenAI clients.
* ``inspect_key()`` (either kind of key), ``inspect_token()``, ``sign_token()``, ``BearerAuth``,
  and IAM provisioning of long-term keys.

Example::

    import bedrock_token
    provider = bedrock_token.TokenProvider(region="us-east-1")
    headers = {"Authorization": f"Bearer {provider.token()}"}
"""

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Literal, Mapping, Optional, Sequence, Tuple, Union, cast

from . import _native
from ._errors import BedrockTokenError, CredentialsError, InvalidInputError, ProvisionError, SecretsManagerError

__all__ = [
    "AuditReport",
    "AuditedAccount",
    "AuditedKey",
    "BearerAuth",
    "BedrockTokenGenerator",
    "BedrockTokenError",
    "CredentialsError",
    "DeprovisionReport",
    "Finding",
    "InvalidInputError",
    "KeyStatus",
    "LongTermKeyInfo",
    "NotAuditedAccount",
    "NewKey",
    "OrganizationAuditReport",
    "ProvisionError",
    "ProvisionReport",
    "ProvisionedUser",
    "RevokeReport",
    "RotateReport",
    "Secret",
    "SecretsManagerError",
    "SecurityWarning",
    "Token",
    "TokenInfo",
    "TokenProvider",
    "audit",
    "audit_organization",
    "deprovision",
    "guardrails_scp",
    "inspect_key",
    "inspect_token",
    "list_users",
    "openai_base_url",
    "provide_token",
    "provision",
    "provision_all",
    "revoke",
    "rotate",
    "sign_token",
]

__version__: str = _native.__version__

Token = _native.Token
Expiry = Union[timedelta, int, float, str]
DEFAULT_EXPIRY = timedelta(hours=12)


def provide_token(
    region: Optional[str] = None,
    aws_credentials_provider: Any = None,
    expiry: Expiry = DEFAULT_EXPIRY,
) -> str:
    """Generate a short-lived AWS Bedrock bearer token (a short-term Bedrock API key).

    The same call, arguments and token as ``aws_bedrock_token_generator.provide_token``.

    Args:
        region: AWS region; else ``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile's region.
        aws_credentials_provider: a botocore credential provider (``.load()``), botocore/boto3
            credentials, or a dict/object with access key, secret and optional session token.
            Default: the standard credential chain.
        expiry: 1 s to 12 h, as a ``timedelta``, seconds, or text such as ``"6h"``.

    Returns:
        The token, ``bedrock-api-key-…``: send it as ``Authorization: Bearer <token>``.

    Raises:
        ValueError (InvalidInputError): no region, or an invalid region or expiry.
        RuntimeError (CredentialsError): no valid AWS credentials.

    >>> import bedrock_token, os
    >>> os.environ.update(AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    >>> bedrock_token.provide_token(region="us-east-1").startswith("bedrock-api-key-")
    True
    """
    return _native.provide_token(region, aws_credentials_provider, expiry)


def sign_token(credentials: Any, region: str, expiry: Expiry = DEFAULT_EXPIRY, at: Optional[datetime] = None) -> Token:
    """Sign a token offline at an explicit time (default now); returns a ``Token``.

    ``at`` must lie between 1970 and 9999 (UTC); other times raise ``InvalidInputError``.

    >>> from datetime import datetime, timezone
    >>> t = sign_token({"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
    ...                "us-east-1", "1h", datetime(2026, 1, 24, 10, tzinfo=timezone.utc))
    >>> t.expires_at.isoformat()
    '2026-01-24T11:00:00+00:00'
    """
    return _native.sign_token(credentials, region, expiry, at.timestamp() if at else None)


class BedrockTokenGenerator:
    """Generates short-lived AWS Bedrock bearer tokens, as ``aws_bedrock_token_generator``'s class.

    ``get_token`` signs a 12-hour token now; prefer ``provide_token`` or ``TokenProvider``.

    >>> from botocore.credentials import Credentials
    >>> generator = BedrockTokenGenerator()
    >>> token = generator.get_token(Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), "us-west-2")
    >>> inspect_token(token).lifetime
    datetime.timedelta(seconds=43200)
    """

    def __init__(self) -> None:
        pass

    def get_token(self, credentials: Any, region: str) -> str:
        """Generate a token using provided credentials and region.

        Args:
            credentials: botocore/boto3 credentials, a credential provider, or a mapping or
                object with the access key, secret and optional session token.
            region: AWS region, such as ``"us-west-2"``.

        Returns:
            A bearer token string valid for 12 hours.

        Raises:
            ValueError (InvalidInputError): no credentials, or an empty or invalid region.
            RuntimeError (CredentialsError): the credentials hold no access key or secret.
        """
        if not credentials:
            raise InvalidInputError("Credentials cannot be None")
        if not region or not isinstance(region, str):
            raise InvalidInputError("Region must be a non-empty string")
        return _native.sign_token(credentials, region, DEFAULT_EXPIRY, None).value


@dataclass(frozen=True)
class TokenInfo:
    """The parts of a Bedrock API key that are safe to show (never its signature or session token)."""

    region: str
    access_key_id: str
    issued_at: datetime
    lifetime: timedelta
    expires_at: datetime
    has_session_token: bool
    expired: bool

    @property
    def kind(self) -> Literal["short-term"]:
        """``"short-term"``: a SigV4-presigned ``bedrock-api-key-…`` key."""
        return "short-term"


@dataclass(frozen=True)
class LongTermKeyInfo:
    """The public parts of a long-term Bedrock API key (``ABSK…``): whose it is, never its secret.

    ``alias`` is the credential's public part as IAM lists it (``ServiceCredentialAlias``);
    ``suffix`` what it carries after the account id, if anything. Its status and expiry are
    IAM's, not the key's: ``aws iam list-service-specific-credentials --user-name USER``.
    """

    user_name: str
    account_id: str
    alias: str
    suffix: Optional[str]

    @property
    def kind(self) -> Literal["long-term"]:
        """``"long-term"``: an IAM service-specific credential."""
        return "long-term"

    @property
    def service_user_name(self) -> str:
        """IAM's ``ServiceUserName`` of the credential: ``{user}-at-{account}``."""
        return f"{self.user_name}-at-{self.account_id}"


def inspect_key(key: str) -> Union[TokenInfo, LongTermKeyInfo]:
    """Parse either kind of Bedrock API key; raises InvalidInputError naming what is wrong.

    A short-term ``bedrock-api-key-…`` key gives a :class:`TokenInfo`, a long-term ``ABSK…`` key
    a :class:`LongTermKeyInfo` (its IAM user and account). Neither holds a secret.

    >>> import base64
    >>> info = inspect_key("ABSK" + base64.b64encode(b"alice-at-123456789012:not-shown").decode())
    >>> (info.kind, info.user_name, info.account_id)
    ('long-term', 'alice', '123456789012')
    >>> inspect_key("ABSK" + base64.b64encode(b"alice:not-shown").decode())
    Traceback (most recent call last):
    ...
    bedrock_token._errors.InvalidInputError: long-term API key: no "-at-" between the IAM user name and the account id
    """
    kind, parts = _native.inspect_key(key)
    if kind == "long-term":
        user_name, account_id, alias, suffix = cast(Tuple[str, str, str, Optional[str]], parts)
        return LongTermKeyInfo(user_name, account_id, alias, suffix)
    region, key_id, issued, lifetime, expires, has_session, expired = cast(Tuple[str, str, datetime, int, datetime, bool, bool], parts)
    return TokenInfo(region, key_id, issued, timedelta(seconds=lifetime), expires, has_session, expired)


def inspect_token(token: str) -> TokenInfo:
    """Parse any ``bedrock-api-key-…`` token into its parts; raises InvalidInputError when malformed.

    >>> inspect_token("bedrock-api-key-!!")
    Traceback (most recent call last):
    ...
    bedrock_token._errors.InvalidInputError: token: the part after "bedrock-api-key-" is not valid base64
    """
    region, key, issued, lifetime, expires, has_session, expired = _native.inspect_token(token)
    return TokenInfo(region, key, issued, timedelta(seconds=lifetime), expires, has_session, expired)


class TokenProvider:
    """A cached source of Bedrock API keys that re-signs before they expire.

    Fresh tokens come from the cache; from the refresh point (expiry minus the margin: the larger of
    5 minutes and 10 % of the lifetime) the valid token is served while one refresh runs. A failing
    refresh keeps the valid token in service. Thread-safe; ``token()`` releases the GIL.

    Args:
        region: else the default region chain.
        expiry: token lifetime, 1 s to 12 h.
        credentials: as for ``provide_token``'s ``aws_credentials_provider``; re-read at each refresh.
        refresh_margin: how long before expiry to refresh.
        background: refresh in a background thread so callers never wait.
        clock: a callable returning the current time as a datetime or epoch seconds (for tests).
        profile: an AWS profile for the default chains.
        load_timeout: seconds one refresh may take (default 5). Credentials are loaded on a thread
            of their own, so a ``load()`` that hangs delays no other provider and no caller waits
            longer than this plus half a second.
        secrets_manager_secret: the name or ARN of an AWS Secrets Manager secret holding a key as
            ``bedrock-token provision --store secretsmanager:…`` writes it. An API key (``ABSK…``)
            is then the token handed out; an access key signs the tokens. ``credentials`` (or the
            default chain, or ``profile``) are those that read the secret. The provider reloads the
            key when the secret's ``AWSCURRENT`` version changes; while a reload fails it keeps
            serving the key it holds, and ``status()["last_error"]`` says why. Failures to read it
            raise ``SecretsManagerError``.
        secrets_manager_poll_interval: how often to check the secret for a new version, as
            seconds or a ``timedelta``: 10 s to 12 h, default 5 minutes.

    >>> provider = TokenProvider(region="us-east-1", credentials={"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "secret"})
    >>> provider.token() == provider.token()
    True
    """

    def __init__(
        self,
        region: Optional[str] = None,
        expiry: Expiry = DEFAULT_EXPIRY,
        credentials: Any = None,
        refresh_margin: Optional[Expiry] = None,
        background: bool = False,
        clock: Optional[Callable[[], Union[datetime, float]]] = None,
        profile: Optional[str] = None,
        load_timeout: Optional[float] = None,
        secrets_manager_secret: Optional[str] = None,
        secrets_manager_poll_interval: Optional[Union[timedelta, float]] = None,
    ) -> None:
        now = None
        if clock is not None:
            now = lambda: (lambda t: t.timestamp() if isinstance(t, datetime) else float(t))(clock())  # noqa: E731
        poll = secrets_manager_poll_interval
        if isinstance(poll, timedelta):
            poll = poll.total_seconds()
        elif poll is not None and (isinstance(poll, bool) or not isinstance(poll, (int, float))):
            raise InvalidInputError(f"secrets_manager_poll_interval: expected a timedelta or seconds, got {type(poll).__name__}")
        self._native = _native.TokenProvider(
            region, expiry, credentials, refresh_margin, background, now, profile, load_timeout, secrets_manager_secret, poll
        )

    def token(self) -> str:
        """The token string, fresh enough to use."""
        return self._native.token()

    async def token_async(self) -> str:
        """``token()`` for asyncio code; a refresh runs in a worker thread, not on the event loop."""
        return await asyncio.to_thread(self._native.token)

    def token_info(self) -> Token:
        """The cached ``Token`` (``.value``, ``.expires_at``, ``.region``, ...)."""
        return self._native.token_info()

    def refresh(self) -> Token:
        """Sign a new token now, e.g. after Bedrock rejected one.

        Within 5 s of the last signing it returns that token, and during the backoff after a
        failed refresh it raises that failure: calling it on every 403 cannot hammer STS or IMDS.
        """
        return self._native.refresh()

    def invalidate(self) -> None:
        """Forget the cached token: the next call signs anew."""
        self._native.invalidate()

    def status(self) -> Dict[str, Any]:
        """Health: ``refreshing``, ``consecutive_failures``, ``expires_at``, ``last_error``, and
        ``secret_version_id`` (the Secrets Manager version of the key in use, else ``None``)."""
        refreshing, failures, expires_at, last_error, version = self._native.status()
        return {
            "refreshing": refreshing,
            "consecutive_failures": failures,
            "expires_at": expires_at,
            "last_error": last_error,
            "secret_version_id": version,
        }

    @property
    def region(self) -> Optional[str]:
        """The region given to the constructor; ``None`` when the default chain chooses it."""
        return self._native.region

    def keep_until(self, token: Token) -> datetime:
        """Until when a client may keep ``token`` without asking again: its refresh point while it
        is this provider's fresh token, else now (aware UTC datetime)."""
        return self._native.keep_until(token)

    def boto3_session(self, **session_kwargs: Any) -> Any:
        """A ``boto3.Session`` whose Bedrock clients (``bedrock-runtime``, ``bedrock``) authenticate
        with this provider's tokens, one fresh token per request, refreshed automatically.

        Only this session is affected: nothing is put in ``os.environ``, and sessions made from
        other providers (other credentials, other regions) send their own tokens in the same
        process. ``session_kwargs`` go to ``boto3.Session``; ``region_name`` defaults to this
        provider's region and must match it (a token works only in the region it is signed for).
        Other services' clients from the session sign with SigV4 as usual. Needs ``boto3``, which
        this package does not install.

        >>> provider = TokenProvider(region="us-east-1", credentials={"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "secret"})
        >>> session = provider.boto3_session()
        >>> session.region_name
        'us-east-1'
        """
        try:
            # boto3 is optional, and ships no type information.
            import boto3  # type: ignore[import-untyped, unused-ignore]
            import botocore.session  # type: ignore[import-untyped, unused-ignore]
            from botocore.tokens import FrozenAuthToken  # type: ignore[import-untyped, unused-ignore]
        except ImportError as error:  # pragma: no cover - exercised only without boto3
            raise ImportError("TokenProvider.boto3_session() needs boto3: pip install boto3") from error
        region = session_kwargs.setdefault("region_name", self.region)
        if self.region is not None and region != self.region:
            raise InvalidInputError(f"region_name: must be this provider's region {self.region!r}, got {region!r}")
        core = botocore.session.Session()
        # Bedrock's operations offer SigV4 and bearer auth; prefer bearer, as the SDKs do when
        # AWS_BEARER_TOKEN_BEDROCK is set, but for this session only.
        core.set_config_variable("auth_scheme_preference", "httpBearerAuth")
        core.get_component("token_provider").insert_before("env", _Boto3TokenSource(self, _redacted(FrozenAuthToken)))
        return boto3.Session(botocore_session=core, **session_kwargs)

    def __repr__(self) -> str:
        return repr(self._native)


def _redacted(frozen: Any) -> Any:
    """botocore's ``FrozenAuthToken``, whose ``repr()`` (a NamedTuple's) would print the token,
    with the token redacted there; botocore reads ``.token`` as before."""

    class RedactedFrozenAuthToken(frozen):  # type: ignore[misc, valid-type]
        __slots__ = ()

        def __repr__(self) -> str:
            return f"FrozenAuthToken(token='bedrock-api-key-****', expiration={self.expiration!r})"

    return RedactedFrozenAuthToken


class _Boto3TokenSource:
    """botocore's token-provider interface over a TokenProvider, for services signed as bedrock."""

    METHOD = "bedrock-token"

    def __init__(self, provider: TokenProvider, frozen: Any) -> None:
        self._provider = provider
        self._frozen = frozen

    def load_token(self, signing_name: Optional[str] = None, **_: Any) -> Optional["_Boto3Token"]:
        return _Boto3Token(self._provider, self._frozen) if signing_name == "bedrock" else None


class _Boto3Token:
    """What botocore's signer asks before each request: ``get_frozen_token()``."""

    def __init__(self, provider: TokenProvider, frozen: Any) -> None:
        self._provider = provider
        self._frozen = frozen

    def get_frozen_token(self) -> Any:
        token = self._provider.token_info()
        return self._frozen(token.value, self._provider.keep_until(token))


def openai_base_url(region: str, endpoint: str = "bedrock-runtime") -> str:
    """The base URL of Bedrock's OpenAI-compatible endpoint in ``region``: ``"bedrock-runtime"``
    (AWS's recommendation) or ``"bedrock-mantle"``. OpenAI clients take a Bedrock API key as their
    key, and openai-python takes a callable, so a provider keeps them fresh::

        client = openai.OpenAI(base_url=openai_base_url("us-east-1"), api_key=provider.token)

    >>> openai_base_url("us-west-2")
    'https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1'
    >>> openai_base_url("us-east-1", "bedrock-mantle")
    'https://bedrock-mantle.us-east-1.api.aws/v1'
    """
    return _native.openai_base_url(region, endpoint)


class BearerAuth:
    """Puts a fresh ``Authorization: Bearer <token>`` on each request (httpx and requests).

    >>> provider = TokenProvider(region="us-east-1", credentials={"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "secret"})
    >>> class Request: headers = {}
    >>> BearerAuth(provider)(Request()).headers["Authorization"].startswith("Bearer bedrock-api-key-")
    True
    """

    def __init__(self, provider: Optional[TokenProvider] = None) -> None:
        self.provider = provider or TokenProvider()

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = f"Bearer {self.provider.token()}"
        return request


class Secret:
    """A new key's secret: ``repr()`` and ``str()`` show ``****``; read it with ``reveal()``.

    >>> secret = Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    >>> (repr(secret), str(secret), len(secret.reveal()))
    ("Secret('****')", '****', 40)
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself: store it in a secrets manager, never log it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    def __str__(self) -> str:
        return "****"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class NewKey:
    """A key created by ``provision`` or ``rotate``; its ``secret`` is shown only here, once."""

    kind: str
    id: str
    secret: Secret
    service_user_name: Optional[str]
    expires_at: Optional[datetime]
    created_at: Optional[datetime] = None


@dataclass(frozen=True)
class KeyStatus:
    """A key a user holds: ``kind`` is "access-key" or "api-key"."""

    kind: str
    id: str
    active: bool
    created_at: Optional[datetime]
    age_days: int
    expires_at: Optional[datetime]


@dataclass(frozen=True)
class SecurityWarning:
    """Advice about a key (``code`` such as "rotate-regularly"), with its details."""

    code: str
    details: Mapping[str, Any]


@dataclass(frozen=True)
class ProvisionReport:
    """What ``provision`` did (or, with ``dry_run``, would do)."""

    user_name: str
    dry_run: bool
    actions: Sequence[Mapping[str, Any]]
    new_key: Optional[NewKey]
    existing_keys: Sequence[KeyStatus]
    warnings: Sequence[SecurityWarning]


@dataclass(frozen=True)
class RotateReport:
    """What ``rotate`` did (or would do)."""

    user_name: str
    dry_run: bool
    actions: Sequence[Mapping[str, Any]]
    new_key: Optional[NewKey]
    warnings: Sequence[SecurityWarning]


@dataclass(frozen=True)
class DeprovisionReport:
    """What ``deprovision`` removed (or would remove)."""

    user_name: str
    dry_run: bool
    actions: Sequence[Mapping[str, Any]]
    warnings: Sequence[SecurityWarning]


@dataclass(frozen=True)
class ProvisionedUser:
    """A user bedrock-token provisioned, with its keys."""

    user_name: str
    arn: str
    business_unit: Optional[str]
    owner: Optional[str]
    created_at: Optional[datetime]
    keys: Sequence[KeyStatus]
    warnings: Sequence[SecurityWarning]


def _time(text: Optional[str]) -> Optional[datetime]:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def _warnings(items: Sequence[Mapping[str, Any]]) -> Tuple[SecurityWarning, ...]:
    return tuple(SecurityWarning(*_coded(w)) for w in items)


def _coded(item: Mapping[str, Any]) -> Tuple[str, Dict[str, Any]]:
    """A warning's or finding's ``code`` and the rest of its fields, its details."""
    return item["code"], {k: v for k, v in item.items() if k != "code"}


def _keys(items: Sequence[Mapping[str, Any]]) -> Tuple[KeyStatus, ...]:
    return tuple(KeyStatus(k["kind"], k["id"], k["active"], _time(k["created_at"]), k["age_days"], _time(k["expires_at"])) for k in items)


def _new_key(key: Optional[Mapping[str, Any]]) -> Optional[NewKey]:
    if key is None:
        return None
    return NewKey(key["kind"], key["id"], Secret(key["secret"]), key["service_user_name"], _time(key["expires_at"]),
                  _time(key["created_at"]))


def provision(
    business_unit: str,
    owner: str,
    policy: str = "limited",
    models: Sequence[str] = (),
    key: str = "none",
    api_key_days: int = 90,
    tags: Optional[Mapping[str, str]] = None,
    path: str = "/bedrock/",
    dry_run: bool = False,
    force: bool = False,
    account: Optional[str] = None,
    account_role: Optional[str] = None,
) -> ProvisionReport:
    """Create or converge ``{business_unit}-bedrock-user`` with a Bedrock policy and a key.

    ``key`` is "none", "access-key" or "api-key" (a long-term Bedrock API key for ``api_key_days``).
    Returns a ``ProvisionReport``; ``new_key.secret.reveal()`` gives the secret, shown this once.
    With ``account`` (12 digits), in that account through the role ``account_role`` assumed there
    (default "OrganizationAccountAccessRole"); the same for ``rotate``, ``deprovision``,
    ``list_users``, ``audit`` and ``revoke``.
    """
    return _report(json.loads(_native.provision(business_unit, owner, policy, list(models), key, api_key_days,
                                                list((tags or {}).items()), path, dry_run, force, account, account_role)))


def _report(report: Mapping[str, Any]) -> ProvisionReport:
    return ProvisionReport(report["user_name"], report["dry_run"], tuple(report["actions"]), _new_key(report["new_key"]),
                           _keys(report["existing_keys"]), _warnings(report["warnings"]))


_UNIT_FIELDS = ("business_unit", "owner", "policy", "models", "key", "api_key_days", "tags", "path", "force", "account", "role")


def provision_all(units: Sequence[Mapping[str, Any]], concurrency: int = 4,
                  dry_run: bool = False) -> List[Union[ProvisionReport, BedrockTokenError]]:
    """Provision many business units, at most ``concurrency`` at a time. Each unit is a mapping of
    ``provision``'s arguments (``business_unit`` and ``owner`` required; ``account`` and ``role``
    as in a manifest: each account's role is assumed once, for all its units). Every unit is checked
    before any IAM call (a bad one raises ``InvalidInputError`` naming it); the result has, in the
    units' order, a ``ProvisionReport`` or that unit's error (``ProvisionError``, or
    ``InvalidInputError`` for a user bedrock-token did not create), so one failure does
    not hide the others. The SDK's adaptive retry slows down when IAM throttles."""
    if not 1 <= concurrency <= 32:
        raise InvalidInputError(f"concurrency: must be 1 to 32, got {concurrency}")
    args = []
    for index, unit in enumerate(units):
        unknown = set(unit) - set(_UNIT_FIELDS)
        if unknown or "business_unit" not in unit or "owner" not in unit:
            raise InvalidInputError(f"units[{index}]: give business_unit and owner, and only {', '.join(_UNIT_FIELDS)}"
                                    + (f" (not {', '.join(sorted(unknown))})" if unknown else ""))
        args.append((unit["business_unit"], unit["owner"], unit.get("policy", "limited"), list(unit.get("models", ())),
                     unit.get("key", "none"), unit.get("api_key_days", 90), list(dict(unit.get("tags") or {}).items()),
                     unit.get("path", "/bedrock/"), bool(unit.get("force", False)), unit.get("account"), unit.get("role")))
    results: List[Union[ProvisionReport, BedrockTokenError]] = []
    for result in json.loads(_native.provision_all(args, concurrency, dry_run)):
        if "report" in result:
            results.append(_report(result["report"]))
        else:
            results.append((InvalidInputError if result["invalid_input"] else ProvisionError)(result["error"]))
    return results


def rotate(business_unit: str, key: str, api_key_days: int = 90, delete_old: bool = False, dry_run: bool = False,
           account: Optional[str] = None, account_role: Optional[str] = None) -> RotateReport:
    """Create a new key ("access-key" or "api-key") and deactivate (or delete) the old one."""
    report = json.loads(_native.rotate(business_unit, key, api_key_days, delete_old, dry_run, account, account_role))
    return RotateReport(report["user_name"], report["dry_run"], tuple(report["actions"]), _new_key(report["new_key"]), _warnings(report["warnings"]))


def deprovision(business_unit: str, force: bool = False, dry_run: bool = False, account: Optional[str] = None,
                account_role: Optional[str] = None) -> DeprovisionReport:
    """Remove the business unit's keys, policies and user (only ours unless ``force``)."""
    report = json.loads(_native.deprovision(business_unit, force, dry_run, account, account_role))
    return DeprovisionReport(report["user_name"], report["dry_run"], tuple(report["actions"]), _warnings(report["warnings"]))


def list_users(path: str = "/bedrock/", account: Optional[str] = None, account_role: Optional[str] = None) -> List[ProvisionedUser]:
    """The users bedrock-token provisioned, with their keys' ages and status."""
    return [ProvisionedUser(u["user_name"], u["arn"], u["business_unit"], u["owner"], _time(u["created_at"]), _keys(u["keys"]),
                            _warnings(u["warnings"])) for u in json.loads(_native.list_users(path, account, account_role))]


@dataclass(frozen=True)
class Finding:
    """What the audit flags about a key or its user: ``code`` such as "no-expiry" or
    "user-has-access-keys", with its details."""

    code: str
    details: Mapping[str, Any]


@dataclass(frozen=True)
class AuditedKey:
    """One Bedrock API key in the account, with its user and findings."""

    key_id: str
    user_name: str
    user_path: str
    status: str
    created_at: Optional[datetime]
    expires_at: Optional[datetime]
    age_days: int
    user_tags: Mapping[str, str]
    attached_policies: Sequence[str]
    findings: Sequence[Finding]


@dataclass(frozen=True)
class AuditReport:
    """Every Bedrock API key in the account; ``findings`` counts what needs fixing (0: clean)."""

    audited_at: datetime
    max_age_days: int
    keys: Sequence[AuditedKey]
    findings: int


@dataclass(frozen=True)
class AuditedAccount:
    """One account of the organisation, audited: its Bedrock API keys and how many findings."""

    account_id: str
    account_name: str
    keys: Sequence[AuditedKey]
    findings: int


@dataclass(frozen=True)
class NotAuditedAccount:
    """An account that could not be audited. ``reason``: "role-refused" (no such role, or its
    trust policy refuses the caller: AWS does not say which), "access-denied" (IAM in the account
    refused a read), "unreachable" or "failed"; ``message`` says what AWS answered."""

    account_id: str
    account_name: str
    reason: str
    message: str


@dataclass(frozen=True)
class OrganizationAuditReport:
    """Every active account of an organisation: those audited with their keys, those not audited
    with the reason; ``findings`` counts what needs fixing in all of them (0: clean)."""

    audited_at: datetime
    max_age_days: int
    role: str
    accounts: Sequence[AuditedAccount]
    not_audited: Sequence[NotAuditedAccount]
    findings: int


@dataclass(frozen=True)
class RevokeReport:
    """What ``revoke`` did (or, with ``dry_run``, would do); no actions: already as asked.
    ``stops`` and ``does_not_stop`` say, one sentence each, what AWS refuses once it is in force
    and what still works; ``revoked_before`` is the time in force (None: no deny)."""

    target: str
    dry_run: bool
    actions: Sequence[Mapping[str, Any]]
    revoked_before: Optional[datetime] = None
    stops: Sequence[str] = ()
    does_not_stop: Sequence[str] = ()
    notes: Sequence[str] = ()


def audit(max_age_days: int = 90, account: Optional[str] = None, account_role: Optional[str] = None) -> AuditReport:
    """List every Bedrock API key in the account, not only bedrock-token's, and flag keys that
    never expire, are older than ``max_age_days``, expire within 7 days or are inactive, users made
    by the console or not by bedrock-token, and users that also hold IAM access keys."""
    report = json.loads(_native.audit(max_age_days, account, account_role))
    audited_at = _time(report["audited_at"])
    assert audited_at is not None
    return AuditReport(audited_at, report["max_age_days"], _audited_keys(report["keys"]), report["findings"])


def _audited_keys(keys: Sequence[Mapping[str, Any]]) -> Tuple[AuditedKey, ...]:
    return tuple(
        AuditedKey(k["key_id"], k["user_name"], k["user_path"], k["status"], _time(k["created_at"]), _time(k["expires_at"]),
                   k["age_days"], k["user_tags"], tuple(k["attached_policies"]),
                   tuple(Finding(*_coded(f)) for f in k["findings"]))
        for k in keys)


def audit_organization(role: str = "OrganizationAccountAccessRole", ous: Sequence[str] = (), concurrency: int = 4,
                       max_age_days: int = 90) -> OrganizationAuditReport:
    """Audit every active account of the AWS organisation of these credentials (its management
    account or a delegated administrator), or those under the organisational units or roots
    ``ous`` (``ou-…``, ``r-…``) at any depth: ``role`` is assumed in each member account (the
    caller's own account is audited with its own credentials), ``concurrency`` accounts at a time
    (1 to 32), each audited as ``audit()`` audits one. An account that cannot be audited is in
    ``not_audited`` with the reason, and the others are audited all the same."""
    if isinstance(ous, str):
        raise InvalidInputError("ous: give a list of ids (ou-…, r-…), not one string")
    report = json.loads(_native.audit_organization(role, list(ous), concurrency, max_age_days))
    audited_at = _time(report["audited_at"])
    assert audited_at is not None
    accounts = tuple(AuditedAccount(a["account_id"], a["account_name"], _audited_keys(a["keys"]), a["findings"]) for a in report["accounts"])
    not_audited = tuple(NotAuditedAccount(a["account_id"], a["account_name"], a["reason"], a["message"]) for a in report["not_audited"])
    return OrganizationAuditReport(audited_at, report["max_age_days"], report["role"], accounts, not_audited, report["findings"])


def revoke(role: Optional[str] = None, user: Optional[str] = None, key_id: Optional[str] = None, before: Optional[datetime] = None,
           delete: bool = False, undo: bool = False, dry_run: bool = False, allow_earlier: bool = False,
           account: Optional[str] = None, account_role: Optional[str] = None) -> RevokeReport:
    """Revoke Bedrock API keys. With ``role``: deny the keys its sessions issued before
    ``before`` signed (a timezone-aware datetime; default now). With ``user``: deactivate its
    access keys and Bedrock API keys (``delete`` deletes them) and deny its temporary credentials
    issued before ``before``; AWS sets ``aws:TokenIssueTime`` for temporary credentials only, so a
    deny alone would not stop a user's own keys. A later time already in force is kept unless
    ``allow_earlier``. ``undo`` removes the deny and activates the keys it deactivated. With
    ``key_id``: deactivate that long-term key (``delete`` deletes it, ``undo`` activates it)."""
    if sum(target is not None for target in (role, user, key_id)) != 1:
        raise InvalidInputError("role: give exactly one of role, user or key_id")
    if before is not None and before.tzinfo is None:
        raise InvalidInputError("before: give a timezone-aware datetime, e.g. datetime.now(timezone.utc)")
    report = json.loads(_native.revoke(role, user, key_id, None if before is None else before.timestamp(), delete, undo, dry_run,
                                       allow_earlier, account, account_role))
    return RevokeReport(report["target"], report["dry_run"], tuple(report["actions"]), _time(report.get("revoked_before")),
                        tuple(report["stops"]), tuple(report["does_not_stop"]), tuple(report["notes"]))


def guardrails_scp(max_key_age_days: int = 90, deny_long_term: bool = False, deny_bearer: bool = False) -> Dict[str, Any]:
    """A service control policy (a dict, for ``json.dumps``) that denies creating Bedrock API keys
    living longer than ``max_key_age_days`` or never expiring, and optionally denies long-term keys
    or every API key."""
    policy: Dict[str, Any] = json.loads(_native.guardrails_scp(max_key_age_days, deny_long_term, deny_bearer))
    return policy

"""Secrets Manager's staging labels and versions as AWS keeps them, where moto 5 does not.

- `UpdateSecretVersionStage` moving `AWSCURRENT` makes that version the one `GetSecretValue`
  answers without a version (moto kept answering the old one) and the one a later
  `PutSecretValue` labels `AWSPREVIOUS`.
- `PutSecretValue` with a `ClientRequestToken` that names an existing version: the same value is
  the same request (answered with that version, its labels unchanged); another value is refused
  with `ResourceExistsException`, as AWS never changes a version (moto replaced a version still
  labelled `AWSPENDING`).
- `ListSecretVersionIds` answers each version's own `CreatedDate` (moto answered the time of the
  call), the secret's ARN, only versions that have a staging label unless `IncludeDeprecated`,
  and `ResourceNotFoundException` for a secret that does not exist.

Setting `BEDROCK_TOKEN_SECRETS_MANAGER_THROTTLE_EVERY=N` refuses every Nth Secrets Manager request
with the common error `ThrottlingException` (HTTP 400, "Rate exceeded"), having done nothing, as
Secrets Manager does past its request quota.
"""

from __future__ import annotations

import json

from moto.secretsmanager import models, responses
from moto.secretsmanager.exceptions import ResourceExistsException, SecretNotFoundException, SecretsManagerClientError
from throttle import refuse_now

Backend = models.SecretsManagerBackend


def _update_secret_version_stage(original):
    def update_secret_version_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id):
        answer = original(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)
        if version_stage == "AWSCURRENT" and move_to_version_id:
            self.secrets[secret_id].set_default_version_id(move_to_version_id)
        return answer

    return update_secret_version_stage


def _put_secret_value(original):
    def put_secret_value(self, secret_id, secret_string, secret_binary, client_request_token, version_stages):
        if client_request_token and self._is_valid_identifier(secret_id):
            secret = self.secrets[secret_id]
            existing = getattr(secret, "versions", {}).get(client_request_token)
            if existing is not None:
                if existing.get("secret_string") == secret_string and existing.get("secret_binary") == secret_binary:
                    return secret.to_short_dict(include_version_stages=True, version_id=client_request_token)
                raise ResourceExistsException(
                    f"You can't use ClientRequestToken {client_request_token} because that value is already in use for a version of secret {secret.arn}."
                )
        return original(self, secret_id, secret_string, secret_binary, client_request_token, version_stages)

    return put_secret_value


def list_secret_version_ids(self) -> str:
    secret_id = self._get_param("SecretId", if_none="")
    include_deprecated = bool(self._get_param("IncludeDeprecated", if_none=False))
    backend = self.backend
    if not backend._is_valid_identifier(secret_id):
        raise SecretNotFoundException()
    secret = backend.secrets[secret_id]
    versions = [
        {"VersionId": version_id, "VersionStages": list(version["version_stages"]), "CreatedDate": version["createdate"]}
        for version_id, version in secret.versions.items()
        if include_deprecated or version["version_stages"]
    ]
    return json.dumps({"ARN": secret.arn, "Name": secret.name, "Versions": versions})


def _throttled(original):
    """Wraps moto's action dispatch for Secrets Manager: every Nth request is refused before it
    runs."""

    def call_action(self):
        if refuse_now("BEDROCK_TOKEN_SECRETS_MANAGER_THROTTLE_EVERY"):
            error = SecretsManagerClientError("ThrottlingException", "Rate exceeded")
            headers = dict(error.get_headers())
            headers["status"] = error.code
            return error.code, headers, error.description
        return original(self)

    return call_action


def install() -> None:
    if getattr(Backend, "bedrock_token_staging_labels", False):
        return
    Backend.update_secret_version_stage = _update_secret_version_stage(Backend.update_secret_version_stage)
    Backend.put_secret_value = _put_secret_value(Backend.put_secret_value)
    responses.SecretsManagerResponse.list_secret_version_ids = list_secret_version_ids
    responses.SecretsManagerResponse.call_action = _throttled(responses.SecretsManagerResponse.call_action)
    Backend.bedrock_token_staging_labels = True


install()

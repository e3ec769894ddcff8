"""Filling an emulated account at once, for benchmarks: many users, Bedrock API keys and access
keys straight into moto's IAM backend, in one request instead of thousands (no AWS API has this).

`POST /__bedrock_token/bulk-users` with `{"account": "123456789012", "users": 5000, "api_keys":
2000, "access_keys": 200}` makes users `bulk-user-00000`… under `/bulk/`, tagged
`team=bulk-N` (N = index % 10); the first `api_keys` users get one Bedrock API key each (90 days),
and every `api_keys // access_keys`-th of those an active access key. Answers the counts made.
"""

from __future__ import annotations

from moto.iam import iam_backends

import service_specific_credentials

BEDROCK = "bedrock.amazonaws.com"


def fill(request: dict) -> dict:
    account = str(request.get("account", "123456789012"))
    users, api_keys, access_keys = int(request["users"]), int(request.get("api_keys", 0)), int(request.get("access_keys", 0))
    if not (0 <= api_keys <= users and 0 <= access_keys <= api_keys and len(account) == 12 and account.isdigit()):
        raise ValueError("want 0 <= access_keys <= api_keys <= users and a 12-digit account")
    backend = iam_backends[account]["aws"]
    every = api_keys // access_keys if access_keys else 0
    made = {"users": 0, "api_keys": 0, "access_keys": 0}
    for i in range(users):
        name = f"bulk-user-{i:05d}"
        backend.create_user("us-east-1", name, path="/bulk/", tags=[{"Key": "team", "Value": f"bulk-{i % 10}"}])
        made["users"] += 1
        if i < api_keys:
            service_specific_credentials.create_service_specific_credential(backend, name, BEDROCK, 90)
            made["api_keys"] += 1
            if every and i % every == 0 and made["access_keys"] < access_keys:
                backend.create_access_key(name)
                made["access_keys"] += 1
    return made

"""The emulator's benchmark routes: filling an account at once, and counting the requests.

Run with the Python that has moto: `python -m pytest tests/iam_emulator`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from test_emulator import client, start

BEDROCK = "bedrock.amazonaws.com"


@pytest.fixture(scope="module")
def server():
    process, url = start({})
    yield url
    process.kill()
    process.wait()


@pytest.fixture
def url(server):
    urllib.request.urlopen(urllib.request.Request(f"{server}/moto-api/reset", method="POST"), timeout=5)
    return server


def call(url: str, method: str, path: str, body=None) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(f"{url}{path}", data=data, method=method), timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_bulk_users_makes_users_keys_and_access_keys_as_asked(url):
    status, made = call(url, "POST", "/__bedrock_token/bulk-users", {"users": 30, "api_keys": 10, "access_keys": 2})
    assert status == 200 and made == {"users": 30, "api_keys": 10, "access_keys": 2}
    iam = client(url)
    users = iam.list_users(MaxItems=1000)["Users"]
    assert len(users) == 30 and all(u["Path"] == "/bulk/" for u in users)
    keys = iam.list_service_specific_credentials(AllUsers=True, ServiceName=BEDROCK)["ServiceSpecificCredentials"]
    assert sorted(k["UserName"] for k in keys) == [f"bulk-user-{i:05d}" for i in range(10)]
    assert len(iam.list_access_keys(UserName="bulk-user-00000")["AccessKeyMetadata"]) == 1
    assert len(iam.list_access_keys(UserName="bulk-user-00005")["AccessKeyMetadata"]) == 1
    assert iam.list_user_tags(UserName="bulk-user-00013")["Tags"] == [{"Key": "team", "Value": "bulk-3"}]
    status, refused = call(url, "POST", "/__bedrock_token/bulk-users", {"users": 1, "api_keys": 2})
    assert status == 400 and "api_keys" in refused["message"]


def test_calls_counts_requests_per_action_until_reset(url):
    iam = client(url)
    iam.create_user(UserName="a")
    iam.get_user(UserName="a")
    iam.get_user(UserName="a")
    status, counts = call(url, "GET", "/__bedrock_token/calls")
    assert status == 200 and counts == {"iam:CreateUser": 1, "iam:GetUser": 2}
    assert call(url, "DELETE", "/__bedrock_token/calls") == (200, {})
    iam.list_users()
    assert call(url, "GET", "/__bedrock_token/calls")[1] == {"iam:ListUsers": 1}

"""The emulator's benchmark routes: filling an account at once, and counting the requests.

Run with the Python that has moto: `python -m pytest tests/iam_emulator`.
"""

from __future__ import annotations


import pytest

from harness import client, private

BEDROCK = "bedrock.amazonaws.com"


def test_bulk_users_makes_users_keys_and_access_keys_as_asked(url):
    status, made = private(url, "POST", "bulk-users", {"users": 30, "api_keys": 10, "access_keys": 2})
    assert status == 200 and made == {"users": 30, "api_keys": 10, "access_keys": 2}
    iam = client(url)
    users = iam.list_users(MaxItems=1000)["Users"]
    assert len(users) == 30 and all(u["Path"] == "/bulk/" for u in users)
    keys = iam.list_service_specific_credentials(AllUsers=True, ServiceName=BEDROCK)["ServiceSpecificCredentials"]
    assert sorted(k["UserName"] for k in keys) == [f"bulk-user-{i:05d}" for i in range(10)]
    assert len(iam.list_access_keys(UserName="bulk-user-00000")["AccessKeyMetadata"]) == 1
    assert len(iam.list_access_keys(UserName="bulk-user-00005")["AccessKeyMetadata"]) == 1
    assert iam.list_user_tags(UserName="bulk-user-00013")["Tags"] == [{"Key": "team", "Value": "bulk-3"}]
    status, refused = private(url, "POST", "bulk-users", {"users": 1, "api_keys": 2})
    assert status == 400 and "api_keys" in refused["message"]


def test_calls_counts_requests_per_action_until_reset(url):
    iam = client(url)
    iam.create_user(UserName="a")
    iam.get_user(UserName="a")
    iam.get_user(UserName="a")
    status, counts = private(url, "GET", "calls")
    assert status == 200 and counts == {"iam:CreateUser": 1, "iam:GetUser": 2}
    assert private(url, "DELETE", "calls") == (200, {})
    iam.list_users()
    assert private(url, "GET", "calls")[1] == {"iam:ListUsers": 1}

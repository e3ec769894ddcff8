"""The 40 golden vectors through the Python API, byte for byte."""

from datetime import datetime, timedelta

import bedrock_token
from conftest import lines


def test_forty_vectors_are_byte_identical():
    cases, expected = lines("cases.jsonl"), lines("python-reference.jsonl")
    assert len(cases) == 40
    for case, want in zip(cases, expected):
        credentials = {
            "access_key_id": case["access_key_id"],
            "secret_access_key": case["secret_access_key"],
            "session_token": case["session_token"],
        }
        at = datetime.fromisoformat(case["time"].replace("Z", "+00:00"))
        expiry = timedelta(seconds=case.get("expires_in", 43200))
        token = bedrock_token.sign_token(credentials, case["region"], expiry, at)
        assert token.value == want["token"], case["id"]

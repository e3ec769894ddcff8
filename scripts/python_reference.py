"""Signs cases with AWS's official Python generator at frozen times (a test oracle, not our code).

Reads JSON lines {"access_key_id","secret_access_key","session_token"|null,"region","expires_in","time"}
on stdin; writes {"token": ...} or {"error": {"type","message"}} per line on stdout.
Needs `pip install aws-bedrock-token-generator==1.1.0`.
"""
import datetime
import json
import sys
from unittest import mock

import botocore.auth
from botocore.credentials import Credentials
from aws_bedrock_token_generator import provide_token


class StaticProvider:
    def __init__(self, credentials):
        self.credentials = credentials

    def load(self):
        return self.credentials


def sign(case):
    at = datetime.datetime.fromisoformat(case["time"].replace("Z", "+00:00"))
    frozen = lambda remove_tzinfo=True: at.replace(tzinfo=None) if remove_tzinfo else at
    credentials = Credentials(case["access_key_id"], case["secret_access_key"], case.get("session_token"))
    with mock.patch.object(botocore.auth, "get_current_datetime", frozen):
        return provide_token(
            region=case["region"],
            aws_credentials_provider=StaticProvider(credentials),
            expiry=datetime.timedelta(seconds=case.get("expires_in", 43200)),
        )


for line in sys.stdin:
    try:
        out = {"token": sign(json.loads(line))}
    except Exception as err:  # reported to the caller, which decides
        out = {"error": {"type": type(err).__name__, "message": str(err)}}
    print(json.dumps(out), flush=True)

"""200 random inputs: ours now, then AWS's generator frozen at our token's X-Amz-Date: identical."""

import random
import string
from datetime import timedelta
from unittest import mock

import botocore.auth
from botocore.credentials import Credentials

import bedrock_token
from conftest import reference

REGIONS = ["us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1", "eusc-de-east-1"]
B64 = string.ascii_letters + string.digits + "/+="


class Static:
    def __init__(self, credentials):
        self.credentials = credentials

    def load(self):
        return self.credentials


def test_two_hundred_random_inputs_match_the_official_generator():
    ref = reference()
    rng = random.Random(20260124)
    for i in range(200):
        session = "".join(rng.choice(B64) for _ in range(rng.randint(1, 1200))) if rng.random() < 0.75 else None
        credentials = Credentials(
            "AKIA" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16)),
            "".join(rng.choice(B64) for _ in range(40)),
            session,
        )
        region, expiry = rng.choice(REGIONS), timedelta(seconds=rng.randint(1, 43200))
        ours = bedrock_token.provide_token(region=region, aws_credentials_provider=Static(credentials), expiry=expiry)
        signed_at = bedrock_token.inspect_token(ours).issued_at.replace(tzinfo=None)
        with mock.patch.object(botocore.auth, "get_current_datetime", lambda remove_tzinfo=True: signed_at):
            theirs = ref.provide_token(region=region, aws_credentials_provider=Static(credentials), expiry=expiry)
        assert ours == theirs, f"case {i}: {region} {expiry}"


def test_non_ascii_fields_read_as_utf8_match_the_official_generator():
    """Fields are read from Python's own UTF-8 of each str (no bytes copy): multi-byte characters too."""
    ref = reference()
    credentials = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "tökén/€/\U0001F511")
    ours = bedrock_token.provide_token(region="eu-west-1", aws_credentials_provider=Static(credentials), expiry=timedelta(hours=1))
    signed_at = bedrock_token.inspect_token(ours).issued_at.replace(tzinfo=None)
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda remove_tzinfo=True: signed_at):
        theirs = ref.provide_token(region="eu-west-1", aws_credentials_provider=Static(credentials), expiry=timedelta(hours=1))
    assert ours == theirs

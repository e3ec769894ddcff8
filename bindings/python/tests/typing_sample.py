"""Uses the public API the way an application does; checked by `mypy --strict` in the tests."""

from datetime import datetime, timedelta, timezone
from typing import Optional

import bedrock_token


def header(provider: bedrock_token.TokenProvider) -> dict[str, str]:
    return {"Authorization": f"Bearer {provider.token()}"}


def main() -> None:
    token: str = bedrock_token.provide_token(region="us-east-1", expiry=timedelta(hours=1))
    info: bedrock_token.TokenInfo = bedrock_token.inspect_token(token)
    expires: datetime = info.expires_at
    either = bedrock_token.inspect_key(token)
    if isinstance(either, bedrock_token.LongTermKeyInfo):
        owner: str = either.service_user_name
        suffix: Optional[str] = either.suffix
    else:
        lifetime: timedelta = either.lifetime
    provider = bedrock_token.TokenProvider(region="us-east-1", expiry="6h", refresh_margin=600)
    signed: bedrock_token.Token = provider.token_info()
    when: datetime = signed.expires_at
    value: str = bedrock_token.sign_token({"access_key_id": "AKID", "secret_access_key": "s"}, "us-east-1", 60,
                                          datetime.now(timezone.utc)).value
    legacy: str = bedrock_token.BedrockTokenGenerator().get_token({"access_key_id": "AKID", "secret_access_key": "s"}, "us-west-2")
    version: str = bedrock_token.__version__
    status = provider.status()
    until: datetime = provider.keep_until(signed)
    region: Optional[str] = provider.region
    base_url: str = bedrock_token.openai_base_url("us-east-1", "bedrock-mantle")
    session = provider.boto3_session(profile_name=None)
    failures: int = status["consecutive_failures"]
    try:
        bedrock_token.provision("sales", "ops@example.com", dry_run=True)
    except bedrock_token.ProvisionError as err:
        print(err)
    print(expires, when, value, legacy, version, failures, header(provider), until, region, base_url, session)

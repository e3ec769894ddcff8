"""boto3 and openai, as users call Bedrock, authenticated by TokenProvider against the verifying
test endpoint (tests/bedrock_endpoint, run with node): it answers only bearer tokens it can verify
from its table of credentials, so a wrong, stale or missing token fails these tests."""

import importlib
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import bedrock_token

from conftest import EXAMPLE_KEY_ID, EXAMPLE_SECRET



def required(module):
    """boto3 and openai: installed by .ci/run (a missing one fails there), else skipped."""
    return importlib.import_module(module) if os.environ.get("CI") == "true" else pytest.importorskip(module)


boto3 = required("boto3")
openai = required("openai")
ClientError = required("botocore.exceptions").ClientError

SERVER = Path(__file__).resolve().parents[3] / "tests" / "bedrock_endpoint" / "server.js"
OTHER_KEY_ID = "AKIAI44QH8DHBEXAMPLE"
OTHER_SECRET = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
MODEL = "amazon.nova-lite-v1:0"


class Endpoint:
    def __init__(self, process, ready):
        self.process = process
        self.http, self.https, self.ca = ready["http"], ready["https"], ready["ca"]

    def requests(self):
        with urllib.request.urlopen(f"{self.http}/__endpoint/requests") as answer:
            return json.load(answer)


@pytest.fixture
def endpoint(tmp_path, monkeypatch):
    if shutil.which("node") is None:
        pytest.skip("the test endpoint needs node")
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    table = [{"accessKeyId": EXAMPLE_KEY_ID, "secretAccessKey": EXAMPLE_SECRET},
             {"accessKeyId": OTHER_KEY_ID, "secretAccessKey": OTHER_SECRET}]
    (tmp_path / "credentials.json").write_text(json.dumps(table))
    process = subprocess.Popen(["node", str(SERVER), "--region", "us-east-1", "--credentials", str(tmp_path / "credentials.json"),
                                "--dir", str(tmp_path / "endpoint")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        yield Endpoint(process, json.loads(process.stdout.readline()))
    finally:
        process.stdin.close()
        process.kill()
        process.wait()


def provider(key_id=EXAMPLE_KEY_ID, secret=EXAMPLE_SECRET, region="us-east-1", **kwargs):
    return bedrock_token.TokenProvider(region=region, credentials={"access_key_id": key_id, "secret_access_key": secret}, **kwargs)


def runtime(session, endpoint):
    return session.client("bedrock-runtime", endpoint_url=endpoint.https, verify=endpoint.ca)


def converse(client, text="hi"):
    answer = client.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": text}]}])
    return answer["output"]["message"]["content"][0]["text"]


def test_boto3_bedrock_clients_send_the_providers_token(endpoint):
    session = provider().boto3_session()
    assert converse(runtime(session, endpoint)) == f"reply from {MODEL} to: hi"
    models = session.client("bedrock", endpoint_url=endpoint.https, verify=endpoint.ca).list_foundation_models(byProvider="anthropic")
    assert [(m["modelId"], m["modelLifecycle"]["status"]) for m in models["modelSummaries"]] == [
        ("anthropic.claude-3-5-haiku-20241022-v1:0", "ACTIVE"), ("anthropic.claude-3-haiku-20240307-v1:0", "LEGACY")]
    assert [(r["path"], r["status"], r["accessKeyId"]) for r in endpoint.requests()] == [
        ("/model/amazon.nova-lite-v1%3A0/converse", 200, EXAMPLE_KEY_ID), ("/foundation-models", 200, EXAMPLE_KEY_ID)]
    assert not any(name.startswith("AWS_BEARER_TOKEN") for name in os.environ)


def test_two_providers_with_different_credentials_in_one_process(endpoint):
    first = runtime(provider().boto3_session(), endpoint)
    second = runtime(provider(OTHER_KEY_ID, OTHER_SECRET).boto3_session(), endpoint)
    for client in (first, second, first):
        converse(client)
    assert [r["accessKeyId"] for r in endpoint.requests()] == [EXAMPLE_KEY_ID, OTHER_KEY_ID, EXAMPLE_KEY_ID]


def test_a_token_the_endpoint_cannot_verify_is_refused(endpoint):
    with pytest.raises(ClientError) as wrong_secret:
        converse(runtime(provider(secret="not-the-secret").boto3_session(), endpoint))
    assert wrong_secret.value.response["Error"] == {"Code": "AccessDeniedException", "Message": "the bearer token signature does not match"}
    with pytest.raises(ClientError) as wrong_region:
        converse(runtime(provider(region="us-west-2").boto3_session(), endpoint))
    assert wrong_region.value.response["Error"]["Message"] == "bearer token is signed for region us-west-2, this endpoint is us-east-1"
    # Without this package's session, boto3 signs with SigV4 from the environment's keys: refused.
    plain = boto3.Session(aws_access_key_id=EXAMPLE_KEY_ID, aws_secret_access_key=EXAMPLE_SECRET, region_name="us-east-1")
    with pytest.raises(ClientError) as sigv4:
        converse(runtime(plain, endpoint))
    assert sigv4.value.response["Error"]["Message"] == "Authorization is not a bearer token"


def test_the_token_botocore_holds_prints_redacted():
    tokens = provider()
    chain = tokens.boto3_session()._session.get_component("token_provider")
    frozen = chain.load_token(signing_name="bedrock").get_frozen_token()
    assert frozen.token == tokens.token() and frozen.token.startswith("bedrock-api-key-")
    for shown in (repr(frozen), str(frozen), f"{frozen}"):
        assert frozen.token not in shown and "bedrock-api-key-****" in shown, shown


def test_region_name_must_be_the_providers_region():
    with pytest.raises(bedrock_token.InvalidInputError, match="region_name: must be this provider's region 'us-east-1', got 'eu-west-1'"):
        provider().boto3_session(region_name="eu-west-1")
    assert provider().boto3_session(profile_name=None).region_name == "us-east-1"


def wait_for_refresh(tokens, first_issued_at):
    """Until the provider holds a token signed after the first (at most 5 s)."""
    for _ in range(250):
        if tokens.token_info().issued_at > first_issued_at:
            return
        time.sleep(0.02)
    raise AssertionError("the provider did not refresh within 5 s")


def test_a_long_running_boto3_client_sends_a_new_token_after_the_refresh_point(endpoint):
    # 6 s tokens refreshed 3 s before expiry: 4 s on, the first token is past its refresh point.
    tokens = provider(expiry=6, refresh_margin=3)
    client = runtime(tokens.boto3_session(), endpoint)
    converse(client)
    first_issued_at = tokens.token_info().issued_at
    time.sleep(4)
    converse(client)  # may still carry the first token (valid 2 s more) while it is replaced
    wait_for_refresh(tokens, first_issued_at)
    converse(client)
    signed = [r["signedAt"] for r in endpoint.requests()]
    assert [r["status"] for r in endpoint.requests()] == [200, 200, 200]
    assert signed[2] > signed[0], signed


def test_openai_client_with_the_provider_as_its_api_key(endpoint):
    tokens = provider(expiry=6, refresh_margin=3)
    base_url = f"{endpoint.https}/openai/v1"
    assert bedrock_token.openai_base_url("us-east-1") == "https://bedrock-runtime.us-east-1.amazonaws.com/openai/v1"
    client = openai.OpenAI(base_url=base_url, api_key=tokens.token, http_client=openai.DefaultHttpxClient(verify=ssl.create_default_context(cafile=endpoint.ca)), max_retries=0)
    chat = client.chat.completions.create(model="openai.gpt-oss-20b-1:0", messages=[{"role": "user", "content": "hello"}])
    assert chat.choices[0].message.content == "reply to: hello"
    assert "meta.llama3-8b-instruct-v1:0" in [m.id for m in client.models.list()]
    first_issued_at = tokens.token_info().issued_at
    time.sleep(4)
    client.models.list()
    wait_for_refresh(tokens, first_issued_at)
    client.models.list()
    log = endpoint.requests()
    assert [r["status"] for r in log] == [200] * 4
    assert log[3]["signedAt"] > log[0]["signedAt"], log
    wrong = openai.OpenAI(base_url=base_url, api_key=provider(secret="not-the-secret").token,
                          http_client=openai.DefaultHttpxClient(verify=ssl.create_default_context(cafile=endpoint.ca)), max_retries=0)
    with pytest.raises(openai.PermissionDeniedError, match="the bearer token signature does not match"):
        wrong.models.list()


# The README's recipe for openai-python's own Bedrock provider (openai 3.x, `openai.providers.bedrock`),
# run as the README runs it: a fresh process, the default credential chain, and the endpoint reached
# through the override the provider honours (AWS_BEDROCK_BASE_URL) with the endpoint's CA.
OPENAI_BEDROCK_PROVIDER_RECIPE = '''\
# needs Bedrock: calls a model (CI runs it against the local verifying endpoint)
import bedrock_token
from openai import OpenAI
from openai.providers import bedrock

tokens = bedrock_token.TokenProvider(region="us-east-1")
client = OpenAI(provider=bedrock(endpoint="runtime", region="us-east-1", token_provider=tokens.token))
chat = client.chat.completions.create(model="openai.gpt-oss-20b-1:0", messages=[{"role": "user", "content": "Hello"}])
print(chat.choices[0].message.content)
'''


def test_openai_bedrock_provider_recipe(endpoint, tmp_path):
    pytest.importorskip("openai.providers", reason="openai 3.x has the Bedrock provider")
    script = tmp_path / "recipe.py"
    script.write_text(OPENAI_BEDROCK_PROVIDER_RECIPE)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": EXAMPLE_KEY_ID, "AWS_SECRET_ACCESS_KEY": EXAMPLE_SECRET,
           "AWS_BEDROCK_BASE_URL": f"{endpoint.https}/openai/v1", "SSL_CERT_FILE": endpoint.ca}
    run = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout, run.stderr) == (0, "reply to: Hello\n", "")
    log = endpoint.requests()
    assert [(r["path"], r["status"], r["accessKeyId"]) for r in log] == [("/openai/v1/chat/completions", 200, EXAMPLE_KEY_ID)]
    # The same recipe with another secret: the endpoint refuses the token, and the recipe fails.
    wrong = subprocess.run([sys.executable, str(script)], env={**env, "AWS_SECRET_ACCESS_KEY": "not-the-secret"},
                           capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 1 and "the bearer token signature does not match" in wrong.stderr, wrong.stderr

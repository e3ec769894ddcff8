"""The emulator's private routes, served on moto's own port beside every AWS service it emulates.

Only the test doubles call them (no AWS API has them); each answers JSON:

- `POST /__bedrock_token/caller` with `{"accessKeyId": "AKIA…|ASIA…"}` or `{"apiKey": "ABSK…"}`:
  who the credential is and which policies apply (caller.py). 200 when found, 404
  `{"found": false}` when the emulator does not know it (never issued, or deleted).
- `PUT /__bedrock_token/scps/{account}` with a JSON list of policy documents, `GET` and `DELETE`:
  the SCPs set for an account outside any emulated organization (service_control_policies.py).

`POST /moto-api/reset` (moto's own reset) also forgets the SCPs set here.
"""

from __future__ import annotations

import json
import re

import moto.server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

import caller
import service_control_policies

PREFIX = "/__bedrock_token/"
SCPS = re.compile(r"^/__bedrock_token/scps/(\d{12})$")


def _answer(start_response, status: int, body) -> list[bytes]:
    text = json.dumps(body).encode()
    reason = {200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(text)))])
    return [text]


def _body(environ) -> object:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return json.loads(environ["wsgi.input"].read(length) or b"null")


def _scps(environ, start_response, account: str) -> list[bytes]:
    method = environ["REQUEST_METHOD"]
    if method == "GET":
        documents = service_control_policies.get_for_account(account)
        return _answer(start_response, 200 if documents is not None else 404, documents)
    if method == "DELETE":
        service_control_policies.delete_for_account(account)
        return _answer(start_response, 200, {"account": account, "scps": None})
    if method != "PUT":
        return _answer(start_response, 405, {"message": f"{method} is not allowed here; PUT, GET or DELETE"})
    documents = _body(environ)
    if not isinstance(documents, list) or not all(isinstance(d, dict) and "Statement" in d for d in documents):
        return _answer(start_response, 400, {"message": "the body must be a JSON list of policy documents, each with a Statement"})
    service_control_policies.set_for_account(account, documents)
    return _answer(start_response, 200, {"account": account, "scps": len(documents)})


class WithPrivateRoutes(DomainDispatcherApplication):
    """moto's application, with the routes above in front of it."""

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/moto-api/reset":
            service_control_policies.forget_all()
        if not path.startswith(PREFIX):
            return super().__call__(environ, start_response)
        try:
            if path == PREFIX + "caller" and environ["REQUEST_METHOD"] == "POST":
                answer = caller.lookup(_body(environ) or {})
                return _answer(start_response, 200 if answer["found"] else 404, answer)
            scps = SCPS.match(path)
            if scps:
                return _scps(environ, start_response, scps.group(1))
            return _answer(start_response, 404, {"message": f"no private route {environ['REQUEST_METHOD']} {path}"})
        except (ValueError, AttributeError) as error:
            return _answer(start_response, 400, {"message": f"bad request: {error}"})


def install() -> None:
    """moto.server.main builds its application from this name: ours serves the routes above."""
    moto.server.DomainDispatcherApplication = WithPrivateRoutes


install()

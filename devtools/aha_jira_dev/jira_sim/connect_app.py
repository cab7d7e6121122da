"""The Jira side of an Atlassian Connect app's life: the simulator installs an app from its descriptor the
way Jira Cloud does, as an independent party with its own RSA key pair.

* ``ConnectKeys``: the site's signing key (RSA 2048, a random ``kid``); the public key is served by the
  install-keys endpoint ``GET /_sim/connect/install-keys/{kid}`` (PEM, as connect-install-keys.atlassian.com
  serves it), so the app under test fetches it like the real one (``CONNECT_INSTALL_KEYS_URL``).
* ``install_app``: fetch the descriptor, create a clientKey and a shared secret, POST the ``installed``
  lifecycle callback signed RS256 (signed-install: ``iss`` = clientKey, ``aud`` = the app's baseUrl, ``qsh``
  of ``POST&<lifecycle path>&``, ``kid`` in the header), and on a 2xx register the installation: its JWTs
  are then accepted (``iss`` = the app key), and issue/worklog events go to the descriptor's webhook URLs
  signed HS256 with the shared secret.
* ``uninstall_app``: the signed ``uninstalled`` callback, then the installation is forgotten.
* ``lifecycle_token``: the token alone, with any claim overridden (tests forge callbacks with it).
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .auth import query_string_hash

if TYPE_CHECKING:
    from .core import Core


class ConnectKeys:
    def __init__(self) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = str(uuid.uuid4())
        self.public_pem = (
            self.private_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def sign(self, claims: dict[str, Any], kid: str | None = None) -> str:
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": kid or self.kid})


def lifecycle_token(
    keys: ConnectKeys,
    *,
    client_key: str,
    app_base_url: str,
    path: str,
    method: str = "POST",
    **overrides: Any,
) -> str:
    """An RS256 lifecycle token; ``overrides`` replace claims (``None`` removes one). ``kid=`` overrides the
    header's key id."""
    now = int(time.time())
    base_path = urllib.parse.urlsplit(app_base_url).path.rstrip("/")
    claims: dict[str, Any] = {
        "iss": client_key,
        "sub": "557058:0a1b2c3d-admin",
        "aud": app_base_url.rstrip("/"),
        "iat": now,
        "exp": now + 180,
        "qsh": query_string_hash(method, base_path + path, "", base_path),
    }
    kid = overrides.pop("kid", None)
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return keys.sign(claims, kid)


@dataclass
class LifecycleResult:
    status: int | None
    client_key: str
    shared_secret: str
    body: str

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "clientKey": self.client_key,
            "sharedSecret": self.shared_secret,
            "body": self.body,
        }


def fetch_descriptor(descriptor_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(descriptor_url, timeout=10) as answer:  # noqa: S310 (a local test tool)
        document: dict[str, Any] = json.loads(answer.read())
    return document


def lifecycle_payload(
    core: Core, descriptor: dict[str, Any], event: str, client_key: str, secret: str
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "key": descriptor["key"],
        "clientKey": client_key,
        "baseUrl": core.base_url,
        "displayUrl": core.base_url,
        "productType": "jira",
        "description": "Jira simulator",
        "eventType": event,
        "serverVersion": "100274",
        "pluginsVersion": "1001.0.0-SNAPSHOT",
    }
    if event == "installed":
        payload["sharedSecret"] = secret
    return payload


def post_lifecycle(
    keys: ConnectKeys,
    descriptor: dict[str, Any],
    event: str,
    payload: dict[str, Any],
    token: str | None = None,
) -> tuple[int | None, str]:
    app_base = str(descriptor["baseUrl"]).rstrip("/")
    path = str(descriptor["lifecycle"][event])
    if token is None:
        token = lifecycle_token(keys, client_key=payload["clientKey"], app_base_url=app_base, path=path)
    request = urllib.request.Request(  # noqa: S310
        app_base + path,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"JWT {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return int(answer.status), answer.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode(errors="replace")
    except OSError:
        return None, ""


def install_app(
    core: Core, descriptor_url: str, *, client_key: str | None = None, shared_secret: str | None = None
) -> LifecycleResult:
    from .routes.control import register_installation  # noqa: PLC0415

    descriptor = fetch_descriptor(descriptor_url)
    client_key = client_key or f"jira:{uuid.uuid4()}"
    shared_secret = shared_secret or secrets.token_urlsafe(32)
    payload = lifecycle_payload(core, descriptor, "installed", client_key, shared_secret)
    status, body = post_lifecycle(core.connect_keys, descriptor, "installed", payload)
    if status is not None and 200 <= status < 300:
        webhooks = {
            str(item["event"]): str(item["url"]) for item in descriptor.get("modules", {}).get("webhooks", [])
        }
        register_installation(
            core,
            client_key,
            shared_secret,
            base_url=str(descriptor["baseUrl"]).rstrip("/"),
            app_key=str(descriptor["key"]),
            webhook_urls=webhooks,
            descriptor=descriptor,
        )
    return LifecycleResult(status, client_key, shared_secret, body)


def uninstall_app(core: Core, client_key: str) -> LifecycleResult:
    with core.store.lock:
        installation = core.store.installations.get(client_key)
    if installation is None or installation.descriptor is None:
        raise KeyError(f"no app installed from a descriptor with clientKey {client_key}")
    descriptor = installation.descriptor
    payload = lifecycle_payload(core, descriptor, "uninstalled", client_key, installation.shared_secret)
    status, body = post_lifecycle(core.connect_keys, descriptor, "uninstalled", payload)
    with core.store.lock:
        core.store.installations.pop(client_key, None)
    return LifecycleResult(status, client_key, installation.shared_secret, body)

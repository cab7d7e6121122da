"""The public keys Atlassian signs lifecycle callbacks with, fetched by `kid` from the install-keys
service (`CONNECT_INSTALL_KEYS_URL`/<kid>, PEM) and cached per container: a key id names one key forever,
so a cached key never goes stale; keys that failed to load are not cached."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import requests

from aha_jira.connect.rsa_keys import InvalidKey, load_pem_public_key
from aha_jira.models.connect import RsaPublicKey
from aha_jira.settings import connect_install_keys_url

# Atlassian's key ids are UUIDs; refusing anything else keeps a forged `kid` from steering the fetch.
_KID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
FETCH_TIMEOUT = (3.05, 5.0)
MAX_CACHED_KEYS = 64


class KeyUnavailable(Exception):
    """No usable public key for the `kid`. `transient`: the service failed (retry later), rather than
    refusing the id or serving something that is not an RSA key."""

    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.transient = transient


class InstallKeys:
    def __init__(
        self,
        base_url: Callable[[], str] = connect_install_keys_url,
        session: requests.Session | None = None,
    ) -> None:
        self._base_url = base_url
        self._session = session or requests.Session()
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], RsaPublicKey] = {}

    def get(self, kid: str) -> RsaPublicKey:
        if not _KID.fullmatch(kid):
            raise KeyUnavailable("the key id is not valid")
        base = self._base_url()
        with self._lock:
            cached = self._cache.get((base, kid))
        if cached is not None:
            return cached
        try:
            answer = self._session.get(f"{base}/{kid}", timeout=FETCH_TIMEOUT, allow_redirects=False)
        except requests.RequestException:
            raise KeyUnavailable("the install-keys service could not be reached", transient=True) from None
        if answer.status_code != 200:
            raise KeyUnavailable(
                f"the install-keys service answered {answer.status_code}", transient=answer.status_code >= 500
            )
        try:
            key = load_pem_public_key(answer.text[:16_384])
        except InvalidKey as error:
            raise KeyUnavailable(f"the install key is not usable: {error}") from None
        with self._lock:
            if len(self._cache) >= MAX_CACHED_KEYS:
                self._cache.clear()
            self._cache[(base, kid)] = key
        return key

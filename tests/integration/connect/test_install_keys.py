"""Fetching lifecycle signing keys by kid from an install-keys service (the simulator's)."""

from __future__ import annotations

import pytest
import requests

from aha_jira.connect.install_keys import InstallKeys, KeyUnavailable
from aha_jira_dev.jira_sim import JiraSimulator


class CountingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.gets = 0

    def get(self, *args: object, **kwargs: object) -> requests.Response:  # type: ignore[override]
        self.gets += 1
        return super().get(*args, **kwargs)  # type: ignore[arg-type]


def test_a_key_is_fetched_once_per_container(jira_sim: JiraSimulator) -> None:
    session = CountingSession()
    keys = InstallKeys(lambda: jira_sim.install_keys_url, session=session)
    first = keys.get(jira_sim.connect_keys.kid)
    assert keys.get(jira_sim.connect_keys.kid) == first
    assert session.gets == 1
    assert first.modulus == jira_sim.connect_keys.private_key.public_key().public_numbers().n


def test_unknown_or_invalid_kids_and_an_unreachable_service(jira_sim: JiraSimulator) -> None:
    session = CountingSession()
    keys = InstallKeys(lambda: jira_sim.install_keys_url, session=session)
    with pytest.raises(KeyUnavailable) as unknown:
        keys.get("00000000-0000-0000-0000-000000000000")
    assert unknown.value.transient is False
    for bad in ("../_sim/info", "a/b", "", "x" * 200, "?q=1"):
        with pytest.raises(KeyUnavailable):
            keys.get(bad)
    assert session.gets == 1  # invalid ids never leave the process
    down = InstallKeys(lambda: "http://127.0.0.1:9")
    with pytest.raises(KeyUnavailable) as unreachable:
        down.get("some-kid")
    assert unreachable.value.transient is True

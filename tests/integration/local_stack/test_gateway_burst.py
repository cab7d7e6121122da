"""A burst of clients at once: the local gateway (as `make run` serves template.yaml) answers every one.

socketserver's default listen backlog (5) reset 58 of 100 concurrent sends: connections beyond the
backlog were refused before the gateway could accept them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from aha_jira_dev.local_stack.gateway import LocalApiGateway

CLIENTS = 200


def test_200_concurrent_requests_are_all_answered(gateway: LocalApiGateway) -> None:
    start = threading.Barrier(CLIENTS, timeout=60)

    def call(index: int) -> int | str:
        # Half reach a function (GET /integrations), half the gateway's own answer (no such route).
        path = "/integrations" if index % 2 else f"/no-such-route/{index}"
        start.wait()
        try:
            with requests.Session() as session:
                response = session.get(
                    f"{gateway.url}{path}", headers={"x-api-key": gateway.api_key}, timeout=120
                )
                return response.status_code
        except requests.ConnectionError as error:
            return f"{type(error).__name__}: {error}"

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        outcomes = list(pool.map(call, range(CLIENTS)))
    failures = [outcome for outcome in outcomes if isinstance(outcome, str)]
    assert failures == [], f"{len(failures)} of {CLIENTS} were not answered: {failures[:3]}"
    assert sorted(set(outcomes)) == [200, 404]

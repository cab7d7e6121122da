"""The local gateway (the one `make run` serves) holds 200 concurrent requests: each is answered, none is
reset in the listen backlog."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from tests.fuzz.wire import Answer, HttpRequest, send
from tests.fuzz.world import World

pytestmark = pytest.mark.fuzz

CONCURRENT = 200


def test_two_hundred_concurrent_requests_are_all_answered(world: World) -> None:
    request = HttpRequest(
        "GET", f"/integrations/{world.alpha.integration_id}", (("x-api-key", world.app.api_key),)
    )
    start = threading.Barrier(CONCURRENT)
    answers: list[Answer] = []
    lock = threading.Lock()

    def one() -> None:
        start.wait()
        answer = send(world.app.url, request, timeout=30)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=one) for _ in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes = Counter(answer.status if answer.status else answer.error.split(":")[0] for answer in answers)
    assert outcomes == Counter({200: CONCURRENT}), outcomes

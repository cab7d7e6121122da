"""Running a queue's function over what the queue holds, the way Lambda's event source mapping would, until
the queue is quiet: one helper for every test that drains a queue.

A receive that waits (long polling) is how a test gives a delayed or returning message the time to come back,
but on a queue that holds nothing at all (no message visible, in flight or delayed) nothing can come. So the
helper looks at the queue first (in moto's own state: `tests/moto_state.py`) and then does not wait: that
wait was a second or two of every drain, most of the suite's idle time.
"""

from __future__ import annotations

from aha_jira_dev.local_stack.sqs_poller import BatchOutcome, SqsPoller
from aha_jira_dev.local_stack.template import SqsEventSource
from tests import moto_state


def messages_held(poller: SqsPoller, source: SqsEventSource) -> int:
    """The messages `source`'s queue holds: visible, in flight and delayed (read from the in-process moto)."""
    name = poller.resources.queue_url(source.queue).rsplit("/", 1)[-1]
    return moto_state.queue_messages().get(name, 0)


def run_until_quiet(
    poller: SqsPoller,
    source: SqsEventSource | None = None,
    *,
    rounds: int = 30,
    empty_polls: int = 1,
    wait: int = 1,
    until_empty: bool = False,
) -> list[BatchOutcome]:
    """Receive and handle batches of `source` (the poller's first) until its queue holds no message, or gave
    nothing `empty_polls` times in a row (each receive waits up to `wait` s), or `rounds` receives were made.
    `until_empty`: only an empty queue ends it, and one still holding messages after `rounds` fails the test.
    The batches received, in order."""
    source = source or poller.sources[0]
    outcomes: list[BatchOutcome] = []
    empty = 0
    for _ in range(rounds):
        if not messages_held(poller, source):
            return outcomes
        outcome = poller.poll_once(source, wait_time_seconds=wait)
        if outcome.received:
            empty = 0
            outcomes.append(outcome)
            continue
        empty += 1
        if not until_empty and empty >= empty_polls:
            return outcomes
    if until_empty and messages_held(poller, source):
        raise AssertionError(f"{source.queue} did not drain in {rounds} receives")
    return outcomes


def messages_handled(outcomes: list[BatchOutcome]) -> int:
    return sum(len(outcome.received) for outcome in outcomes)

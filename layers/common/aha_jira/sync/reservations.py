"""Reservations: a record not yet linked is created at most once.

A send reserves the record's link with a conditional write before it creates the issue, and stamps the create
with an entity property carrying the reference and the reservation's token. A reservation whose create may
have reached Jira (a timeout after sending, a 5xx, a dropped answer, a holder that crashed) is never created
again blindly: whoever takes it over first looks for the stamp with a search (reconcile), after Jira's search
has had time to catch up.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from aha_jira.integration_log import Outcome, record_action
from aha_jira.jira.client import MAX_PAGES
from aha_jira.jira.errors import JiraError, JiraRejected
from aha_jira.models import roadmap_event
from aha_jira.models.issue_link import IssueLink, JiraSide, RecordKind
from aha_jira.models.jira_payloads import JiraIssue
from aha_jira.models.send import JiraIssueRef
from aha_jira.settings import retry_timing
from aha_jira.sync.drafting import IssueDraft
from aha_jira.sync.failures import RetryLater, transient_or_refused
from aha_jira.sync.send_attempt import SendAttempt, issue_summary

# Jira's search is eventually consistent: a create becomes searchable within seconds (the window is
# `retry_timing().search_consistency_seconds`). Reconciling earlier could miss the issue and create it
# twice, so a takeover that early waits in the queue.
RECONCILE_MARGIN_MINUTES = 5
RECONCILE_PAGE_SIZE = 100  # search/jql's largest page when fields are asked for
SUMMARY_WORD = re.compile(r"\w+")  # what Jira's text search indexes a summary by
SUMMARY_PHRASE_WORDS = 10  # the phrase searched: enough words to single an issue out, a bounded query


@dataclass
class Reserved:
    """What reserving a send's new records came to."""

    held: dict[str, IssueLink] = field(default_factory=dict)  # reservations this send holds
    already_linked: dict[str, IssueLink] = field(default_factory=dict)
    # Held, replacing one whose create may have happened: the latest time that create may have reached
    # Jira (the replaced reservation's lease end: a holder that saw an ambiguous answer ends its lease
    # then, a holder that crashed created before its lease ran out).
    took_over: dict[str, float] = field(default_factory=dict)
    # Held, and reconciled to an issue an earlier try made: the link now recorded.
    found: dict[str, IssueLink] = field(default_factory=dict)


def reserve(
    send: SendAttempt, drafts: list[IssueDraft], *, kind: RecordKind, feature_reference: str
) -> Reserved:
    """Reserve the drafts' links, taking over reservations whose holder's lease ran out and reconciling
    those; RetryLater while another send holds one (or search cannot tell yet), with none kept."""
    links = send.services.links
    now = send.now()
    reserved = Reserved()
    takeovers: dict[str, IssueLink] = {}
    for draft in drafts:
        mine = IssueLink(
            integration_id=send.integration_id,
            reference=draft.reference,
            kind=kind,
            feature_reference=feature_reference,
            state="reserved",
            token=send.token,
            lease_until=now + retry_timing().lease_seconds,
            reserved_at=now,
            site_url=send.integration.jira.base_url,
            jira=JiraSide(name=issue_summary(draft), summary=issue_summary(draft)),
        )
        reservation = links.reserve(mine, now=now)
        if reservation.taken:
            if reservation.previous is not None and reservation.previous.state == "reserved":
                # Keep the earliest time a create may have happened: the reconcile window starts there,
                # and it must survive this holder too.
                previous = reservation.previous
                # And what each earlier holder drafted: the summary an issue it created carries.
                earlier = [*previous.reconcile_summaries, previous.jira.summary or ""]
                mine = mine.model_copy(
                    update={
                        "reserved_at": min(previous.reserved_at, now),
                        "uncertain": True,
                        "reconcile_summaries": list(dict.fromkeys(earlier)),
                    }
                )
                links.update_reservation(mine)
                takeovers[draft.reference] = reservation.previous
                reserved.took_over[draft.reference] = reservation.previous.lease_until
            reserved.held[draft.reference] = mine
            continue
        current = links.get_many(send.integration_id, [draft.reference]).get(draft.reference)
        if current is not None and current.state == "linked":
            reserved.already_linked[draft.reference] = current
            continue
        give_back(send, reserved)
        raise RetryLater(
            f"another send of {draft.reference} is in progress",
            minimum_delay=retry_timing().lease_seconds / 3,
        )
    if takeovers:
        _reconcile(send, reserved, takeovers, {draft.reference: draft for draft in drafts})
    return reserved


def _reconcile(
    send: SendAttempt, reserved: Reserved, takeovers: dict[str, IssueLink], drafts: dict[str, IssueDraft]
) -> None:
    """Link the taken-over records an earlier attempt created: search the project for their stamps."""
    earliest = min(link.reserved_at for link in takeovers.values())
    # Search must have caught up with the *last* create that may have happened, not the first attempt:
    # a record with a long history of failures can have been created a moment ago.
    latest = max(reserved.took_over[reference] for reference in takeovers)
    age = send.now() - latest
    consistency = retry_timing().search_consistency_seconds
    if age < consistency:
        give_back(send, reserved)
        raise RetryLater(
            "an earlier attempt may have created the issue; waiting for Jira's search to show it",
            minimum_delay=consistency - age + 1,
        )
    # The window runs from the first reservation to the last create that may have happened, oldest
    # first: the stamped issue is near its start, whatever the project created since (a dead letter may
    # be replayed days later), and the search's page cap cannot hide it behind newer issues.
    since = math.ceil((send.now() - earliest) / 60) + RECONCILE_MARGIN_MINUTES
    until = math.floor((send.now() - latest) / 60) - RECONCILE_MARGIN_MINUTES
    window = f'project = "{send.snapshot.project.key}" AND created >= "-{since}m"'
    if until > 0:
        window += f' AND created <= "-{until}m"'
    everything = f"{window} ORDER BY created ASC"
    narrowed = summary_clause([s for ref in takeovers for s in reserved.held[ref].reconcile_summaries])
    try:
        issues = _search(send, reserved, everything, pages=1 if narrowed else MAX_PAGES)
        if narrowed and len(issues) >= RECONCILE_PAGE_SIZE:
            # More than a page: a busy project (a release creates hundreds of issues a minute), whose window
            # can hold more than the search's page cap. Only the issues carrying a drafted summary can be
            # the record's; a Jira that does not take the text clause is searched by the window.
            try:
                issues = _search(send, reserved, f"{window} AND {narrowed} ORDER BY created ASC")
            except JiraRejected:
                issues = _search(send, reserved, everything)
    except JiraError as error:
        give_back(send, reserved)
        raise transient_or_refused(send, error, next(iter(takeovers))) from None
    for issue in issues:
        stamp = issue.properties.get("aha-jira") or {}
        reference = stamp.get("reference")
        if (
            reference in takeovers
            and reference not in reserved.found  # a duplicate made before: keep the oldest
            and stamp.get("integration_id") == send.integration_id
        ):
            reserved.found[reference] = link_issue(
                send, reserved.held[reference], drafts[reference], issue.id, issue.key, reconciled=True
            )
    if len(issues) >= MAX_PAGES * RECONCILE_PAGE_SIZE and takeovers.keys() - reserved.found.keys():
        # The search stopped before the end of the window: not finding the issue proves nothing.
        give_back(send, reserved)
        raise RetryLater(
            f"too many issues were created in project {send.snapshot.project.key} around an earlier "
            "attempt to tell whether it created the issue"
        )


def _search(send: SendAttempt, reserved: Reserved, jql: str, *, pages: int = MAX_PAGES) -> list[JiraIssue]:
    """The issues `jql` finds (their stamps), at most `pages` pages."""
    issues: list[JiraIssue] = []
    for issue in send.client.search(
        jql, fields=["summary"], properties=["aha-jira"], page_size=RECONCILE_PAGE_SIZE
    ):
        issues.append(issue)
        # A busy project's window is many pages, and at Jira's rate limit they can take longer than the
        # lease: keep it, or another send takes the records over mid-search, this one cannot link what it
        # finds, and the next searches as long and loses them the same way.
        keep_held(send, reserved)
        if len(issues) >= pages * RECONCILE_PAGE_SIZE:
            break
    return issues


def summary_clause(summaries: list[str]) -> str | None:
    """JQL matching issues whose summary holds one of `summaries` as a phrase, or None when one of them has no
    word to search by or is unknown (then only the time window narrows the search).

    The window alone does not scale: a release creates hundreds of issues a minute, and the window (the
    lease plus the clock margins) then holds more than the search's page cap, so not finding the stamp
    proves nothing and the send waits forever. The summaries are those the earlier holders drafted (the
    payload may have changed since): an issue one of them created carries its own, unless someone renamed it
    in Jira within minutes of its creation (then it is created again: docs/decisions.md). Jira's text search matches words, so
    the phrase is the summary's first words, without the characters JQL and Lucene reserve."""
    clauses: list[str] = []
    for summary in dict.fromkeys(summaries):
        words = SUMMARY_WORD.findall(summary)[:SUMMARY_PHRASE_WORDS]
        if not words:
            return None
        clauses.append(f'summary ~ "\\"{" ".join(words)}\\""')
    return f"({' OR '.join(clauses)})" if clauses else None


def keep_held(send: SendAttempt, reserved: Reserved) -> None:
    """Extend the leases of the reservations this send holds once a third of a lease is spent (a slow
    search, a create waiting on the rate limit); RetryLater, with none kept, when another send took one
    over meanwhile."""
    lease = retry_timing().lease_seconds
    now = send.now()
    for reference, link in list(reserved.held.items()):
        if reference in reserved.found or link.lease_until - now > lease * 2 / 3:
            continue
        renewed = link.model_copy(update={"lease_until": now + lease})
        if not send.services.links.update_reservation(renewed):
            give_back(send, reserved)
            raise RetryLater(
                f"{reference}: its reservation ran out and another send took it over",
                minimum_delay=lease / 3,
            )
        reserved.held[reference] = renewed


def after_failed_create(send: SendAttempt, held: dict[str, IssueLink], error: JiraError) -> None:
    """A create failed: give the reservations back when nothing can have been created, otherwise
    leave them marked uncertain for the next attempt to reconcile."""
    for link in held.values():
        if error.may_have_committed:
            send.services.links.mark_uncertain(link, lease_until=send.now())
        else:
            send.services.links.release(link)


def give_back(send: SendAttempt, reserved: Reserved) -> None:
    """Stop holding reservations before a retry: fresh ones are released (nothing was created), those
    that replaced an uncertain one stay uncertain, free for the next attempt to take over at once. They
    keep the time the replaced holder's create may have reached Jira: this send created nothing, and
    moving it to now would make every next attempt wait for search again."""
    for reference, link in reserved.held.items():
        if reference in reserved.found:
            continue
        if reference in reserved.took_over:
            send.services.links.mark_uncertain(link, lease_until=reserved.took_over[reference])
        else:
            send.services.links.release(link)


def link_issue(
    send: SendAttempt,
    held: IssueLink,
    draft: IssueDraft,
    issue_id: str,
    key: str,
    *,
    reconciled: bool = False,
) -> IssueLink:
    """Record the created (or reconciled) issue on the reservation this send holds."""
    linked = held.model_copy(
        update={
            "state": "linked",
            "issue_id": issue_id,
            "issue_key": key,
            # A reconciled issue holds what an earlier attempt sent: unknown, so it differs from any draft.
            "content_hash": None if reconciled else draft.content_hash,
            "synced_at": send.now_iso(),
            "uncertain": False,
            # What this send told Jira of the record: its link back, its roadmap status.
            "record_url": draft.record_url,
            "sent_status": draft.roadmap_status,
        }
    )
    # The link and its roadmap event (`record.linked`) commit together (the outbox).
    event = roadmap_event.linked(linked, deliver=roadmap_event.delivers(send.integration.roadmap.type))
    if not send.services.links.mark_linked(linked, [event]):
        # The lease ran out while Jira was creating and another send took the reservation over. The
        # issue carries this send's stamp: the holder now, or the retry taking over, reconciles to it.
        raise RetryLater(
            f"{draft.reference}: another send took the reservation over while Jira created {key}",
            minimum_delay=retry_timing().search_consistency_seconds,
        )
    send.issues[draft.reference] = JiraIssueRef(key=key, id=issue_id, url=send.browse_url(key))
    send.created.append(draft.reference)
    if not reconciled:
        record_action(
            f"{draft.kind}.created",
            Outcome.SUCCEEDED,
            integration_id=send.integration_id,
            reference=draft.reference,
            jira_key=key,
            jira_status=201,
            message=f"Created {key} for {draft.kind} {draft.reference}",
            feature_reference=send.feature.reference_num,
        )
    if reconciled:
        record_action(
            "issue.reconciled",
            Outcome.SUCCEEDED,
            integration_id=send.integration_id,
            reference=draft.reference,
            jira_key=key,
            message=f"Found {key}, created by an earlier attempt whose answer was lost; linked it instead of creating again",
        )
    return linked

"""Release sends (DESIGN.md "Release sends and Jira's rate limits"): the body of
`POST /integrations/{id}/releases/{release_ref}/send`, its answers (started, progress, the dry run's plan),
the release queue's messages and the stored state of a release send and of each of its features.

The body carries Aha!'s release and feature resources as the single send takes them (`models.feature`);
what a release adds is checked here: at most `MAX_RELEASE_FEATURES` features (413 beyond, before the
features are validated: `check_feature_count`), no reference twice in the whole release and the release named
by the URL (400: `check_release`)."""

from __future__ import annotations

import json
import zlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aha_jira.errors import InvalidRequest, PayloadTooLarge
from aha_jira.models.feature import AhaFeature, AhaRelease

# A release send's features: a thousand is far above a real release and keeps one send's bookkeeping (its
# feature items, its fan-out message of references) within DynamoDB's and SQS's item and message sizes.
MAX_RELEASE_FEATURES = 1000
RELEASE_SEND_ID_LENGTH = 32  # uuid4().hex

ReleaseSendStatus = Literal["running", "done", "failed", "cancelled"]
# A feature of a release send: not started, being sent, waiting for a retry, or finished one way or another.
FeatureState = Literal["pending", "running", "waiting", "done", "failed", "cancelled"]
FINAL_FEATURE_STATES: frozenset[str] = frozenset({"done", "failed", "cancelled"})
PlanAction = Literal["create", "update", "unchanged"]


class ReleaseSendBody(BaseModel):
    """Body of `POST /integrations/{id}/releases/{release_ref}/send` (empty on an `aha` integration: the
    release and its features are read from Aha!)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    release: AhaRelease = Field(description="Aha!'s release: its name becomes the Jira fix version.")
    features: list[AhaFeature] = Field(
        description=f"Aha!'s features of the release, each as the single send takes it; at most "
        f"{MAX_RELEASE_FEATURES} (send a bigger release as several release sends of subsets)."
    )


def check_feature_count(document: Any) -> None:
    """413 for a body with more than `MAX_RELEASE_FEATURES` features, before a thousand features are
    validated for nothing."""
    if isinstance(document, dict) and isinstance(document.get("features"), list):
        count = len(document["features"])
        if count > MAX_RELEASE_FEATURES:
            raise too_many_features(count)


def check_release(body: ReleaseSendBody, release_ref: str) -> ReleaseSendBody:
    """What only the whole release shows (400): the release is the URL's, every feature belongs to it, no
    reference appears twice among the features and their requirements. A feature without a release takes
    the body's; a release without a reference takes the URL's."""
    if body.release.reference_num is None:
        body.release.reference_num = release_ref
    elif body.release.reference_num != release_ref:
        raise InvalidRequest(
            f"release.reference_num: '{body.release.reference_num}' does not match the release in the URL "
            f"'{release_ref}'",
            hint="Send the release to /integrations/{id}/releases/<its reference_num>/send.",
            code="reference_mismatch",
            details=[{"path": "release.reference_num", "message": "does not match the URL"}],
        )
    seen: dict[str, str] = {}
    for index, feature in enumerate(body.features):
        if feature.release is None:
            feature.release = body.release
        elif feature.release.reference_num not in (None, release_ref):
            path = f"features.{index}.release.reference_num"
            raise InvalidRequest(
                f"{path}: '{feature.release.reference_num}' is another release than '{release_ref}'",
                hint="Send each feature with the release it belongs to, or leave its release out.",
                code="release_mismatch",
                details=[{"path": path, "message": "is another release"}],
            )
        _note(seen, feature.reference_num, f"features.{index}.reference_num")
        for number, requirement in enumerate(feature.requirements):
            _note(seen, requirement.reference_num, f"features.{index}.requirements.{number}.reference_num")
    return body


def _note(seen: dict[str, str], reference: str, path: str) -> None:
    first = seen.setdefault(reference, path)
    if first != path:
        raise InvalidRequest(
            f"{path}: '{reference}' is also at {first}; every feature and requirement of a release needs "
            "its own reference",
            hint="Send each roadmap record once: remove the repeated one (or fix its reference_num).",
            code="duplicate_reference",
            details=[{"path": path, "message": f"repeats {first}"}],
        )


def too_many_features(count: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The release send has {count} features; a release send takes at most {MAX_RELEASE_FEATURES}.",
        hint=(
            f"Send the release as several release sends of at most {MAX_RELEASE_FEATURES} features each "
            "(the same release_ref, each with a subset of `features`); features already sent are skipped as "
            "unchanged."
        ),
        code="too_many_features",
    )


# --- answers ----------------------------------------------------------------------------------------------


class ReleaseSendStarted(BaseModel):
    """202: the features are queued, one message each."""

    release_send_id: str
    status: ReleaseSendStatus = Field(description="running; done at once for a release without features.")
    features: int = Field(description="How many features the send takes.")


class ReleaseFailure(BaseModel):
    reference: str
    code: str
    message: str
    hint: str


class ReleaseSendProgress(BaseModel):
    """`GET /integrations/{id}/release-sends/{send_id}` (and the answer of its `DELETE`)."""

    release_send_id: str
    release: str = Field(description="The release's reference (the URL's release_ref).")
    status: ReleaseSendStatus = Field(
        description="running; done (every feature sent), failed (finished with at least one failed "
        "feature), cancelled."
    )
    total: int
    done: int = Field(description="Features sent (synced, created, updated or unchanged).")
    failed: int = Field(description="Features that failed; each is in failures.")
    queued: int = Field(description="Features waiting for a retry (a transient Jira failure or limit).")
    cancelled: int = Field(description="Features a cancel stopped before they started.")
    failures: list[ReleaseFailure]
    started_at: str
    finished_at: str | None
    jira_calls: int = Field(description="Requests to Jira so far, all features together.")
    throttled: float = Field(
        description="Seconds spent waiting on Jira's rate limits, all features together."
    )


class PlanProblem(BaseModel):
    code: str
    message: str
    hint: str


class PlannedRequirement(BaseModel):
    reference: str
    action: PlanAction


class PlannedFeature(BaseModel):
    reference: str
    action: PlanAction = Field(
        description="create: the feature's issue does not exist yet; update: something of the feature or its "
        "requirements would be written; unchanged: nothing."
    )
    jira_writes: int = Field(description="Jira writes the send of this feature would take.")
    problems: list[PlanProblem] = Field(
        description="What the stored create metadata already shows would refuse the send (then it writes "
        "nothing): a required field left unmapped, an issue type no longer there."
    )
    requirements: list[PlannedRequirement]


class ReleasePlan(BaseModel):
    """200 of `?dry_run=true`: what the send would do, computed from the stored links, content hashes and
    create metadata; nothing is written anywhere."""

    release: str
    plan: list[PlannedFeature]
    jira_writes: int = Field(description="Every feature's writes, plus each fix version to create.")
    versions_to_create: list[str] = Field(description="Fix versions the send would create (one write each).")


# --- the release queue's messages -------------------------------------------------------------------------


class ReleaseFanOut(BaseModel):
    """Queues one `ReleaseFeatureJob` per reference (the API answers before a thousand messages are sent;
    a redelivered fan-out sends them again, which the feature's state makes harmless)."""

    kind: Literal["release_fanout"] = "release_fanout"
    integration_id: str
    release_send_id: str
    references: list[str]


class ReleaseFeatureJob(BaseModel):
    """Send one feature of a release. Small: the feature waits in its item of the release sends table."""

    kind: Literal["release_feature"] = "release_feature"
    integration_id: str
    release_send_id: str
    reference: str
    attempt: int = Field(default=0, ge=0, description="Transient failures met so far.")
    rounds: int = Field(default=0, ge=0, description="Times the feature was queued again (any reason).")


ReleaseMessage = ReleaseFanOut | ReleaseFeatureJob


def parse_release_message(body: str | bytes) -> ReleaseMessage:
    document = json.loads(body)
    if isinstance(document, dict) and document.get("kind") == "release_fanout":
        return ReleaseFanOut.model_validate(document)
    return ReleaseFeatureJob.model_validate(document)


# --- stored state ---------------------------------------------------------------------------------------


def pack_feature(feature: AhaFeature) -> bytes:
    """A feature as it waits in the release sends table: compressed JSON (a feature can be megabytes)."""
    return zlib.compress(feature.model_dump_json().encode(), 6)


def unpack_feature(packed: bytes) -> AhaFeature:
    return AhaFeature.model_validate_json(zlib.decompress(packed))


class ReleaseSendRecord(BaseModel):
    """A release send's summary item: the counters move with each feature's state, in one transaction."""

    integration_id: str
    release_send_id: str
    release: str
    status: ReleaseSendStatus
    total: int
    done: int = 0
    failed: int = 0
    queued: int = 0  # features waiting for a retry
    cancelled: int = 0
    running: int = 0  # features being sent right now
    remaining: int = 0  # features not finished (pending, running or waiting)
    jira_calls: int = 0
    throttled_ms: int = 0
    started_at: str
    finished_at: str | None = None
    source: Literal["body", "aha"] = "body"

    def progress(self, failures: list[ReleaseFailure]) -> ReleaseSendProgress:
        return ReleaseSendProgress(
            release_send_id=self.release_send_id,
            release=self.release,
            status=self.status,
            total=self.total,
            done=self.done,
            failed=self.failed,
            queued=max(0, self.queued),
            cancelled=self.cancelled,
            failures=failures,
            started_at=self.started_at,
            finished_at=self.finished_at,
            jira_calls=self.jira_calls,
            throttled=round(self.throttled_ms / 1000, 1),
        )


class ReleaseFeatureItem(BaseModel):
    """One feature of a release send as stored: its state and, once known, its payload."""

    reference: str
    state: FeatureState
    feature: AhaFeature | None = None  # None: to be read from Aha! (a release send from the roadmap)
    run_token: str | None = None
    lease_until: float = 0.0
    failure: ReleaseFailure | None = None  # a failed feature's code, message and hint

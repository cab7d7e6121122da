"""Attachments to Jira: a record's `attachments[]` and `description.attachments[]`, each uploaded to its issue
once (DESIGN.md "Two-way content"), and the images of its description shown from there.

- Once: an upload is recorded on the record's link by the attachment's Aha! id and size; a re-send uploads
  only what is new or changed. One send at a time uploads a record's files (a lease on the link); a send
  taking over from one that stopped part way (timeout, crash) first lists the issue's attachments and
  records those it finds (same name and size) instead of uploading them again.
- Streamed: the download (`outbound/downloads.py`, SSRF guard, timeouts) is read chunk by chunk straight
  into the multipart upload (`jira/multipart.py`); nothing holds the file.
- Within Jira's size limit (`GET attachment/meta`, cached an hour): a larger file is not fetched; a file that
  cannot be downloaded is skipped; attachments switched off in Jira skip them all. Each is a warning in the
  send's answer and the log, never a failed send. Jira's transient failures stop the uploads for a retry.
"""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import urlsplit

from aha_jira.integration_log import Outcome, Timer, record_action
from aha_jira.jira.errors import JiraError, JiraForbidden, JiraRejected
from aha_jira.jira.multipart import MultipartFile
from aha_jira.jira.rich_text import HostedImage, ImageHost
from aha_jira.models.feature import AhaAttachment, AhaRecord
from aha_jira.models.issue_link import IssueLink, UploadedAttachment
from aha_jira.models.jira_payloads import AttachmentSettings
from aha_jira.outbound.downloads import DownloadFailed, DownloadTooLarge, open_download
from aha_jira.settings import get_settings, retry_timing
from aha_jira.sync.failures import RetryLater, ensure_time_for_a_write, transient_or_refused
from aha_jira.sync.send_attempt import SendAttempt
from aha_jira.sync.warnings import warn

__all__ = ["attachment_key", "hosted_images", "upload_attachments"]

SETTINGS_TTL_SECONDS = 3600
_NO_LIMIT = 2**53
_ATTACHMENT_ID_IN_PATH = re.compile(r"/attachments/([0-9]+)(?:/|$)")


def attachment_key(attachment: AhaAttachment) -> str:
    """What an attachment is recognised by: its Aha! id, else its download URL without the query."""
    if attachment.id:
        return attachment.id
    parts = urlsplit(attachment.download_url or "")
    return "url-" + hashlib.sha256(f"{parts.netloc}{parts.path}".encode()).hexdigest()[:24]


def _pending(record: AhaRecord, link: IssueLink) -> list[tuple[str, AhaAttachment]]:
    """The record's attachments not on the issue yet (new, or changed size), each once."""
    found: dict[str, AhaAttachment] = {}
    for attachment in record.all_attachments():
        if not attachment.download_url:
            continue
        key = attachment_key(attachment)
        uploaded = link.attachments.get(key)
        if uploaded is not None and (attachment.file_size is None or uploaded.size == attachment.file_size):
            continue
        found.setdefault(key, attachment)
    return list(found.items())


def upload_attachments(send: SendAttempt, record: AhaRecord, link: IssueLink) -> IssueLink:
    """Upload the record's new attachments to its linked issue; the link as it is now (its uploads)."""
    if not send.integration.mapping.send_attachments or link.issue_key is None:
        return link
    pending = _pending(record, link)
    if not pending:
        return link
    settings = _settings(send)
    if not settings.enabled:
        warn(
            send,
            "attachments_disabled",
            f"Attachments are switched off in Jira: {len(pending)} file(s) of {record.reference_num} were not uploaded.",
            "Switch attachments on in Jira (Settings > System > Attachments), then send again.",
            reference=record.reference_num,
        )
        return link
    limit = settings.upload_limit or _NO_LIMIT
    fitting: list[tuple[str, AhaAttachment]] = []
    for key, attachment in pending:
        if attachment.file_size is not None and attachment.file_size > limit:
            _too_large(send, record, attachment, limit)
        else:
            fitting.append((key, attachment))
    if not fitting:
        return link
    return _upload_under_lease(send, record, link, fitting, limit)


def _upload_under_lease(
    send: SendAttempt,
    record: AhaRecord,
    link: IssueLink,
    fitting: list[tuple[str, AhaAttachment]],
    limit: int,
) -> IssueLink:
    links = send.services.links
    now = send.now()
    if not links.take_upload_lease(link, token=send.token, until=now + retry_timing().lease_seconds, now=now):
        raise RetryLater(f"another send is uploading the attachments of {record.reference_num}")
    uploads = dict(link.attachments)
    ambiguous = False
    try:
        if link.upload_token is not None and link.upload_token != send.token:
            # An earlier send stopped while uploading: what it uploaded is on the issue already.
            fitting = _found_on_issue(send, link, fitting, uploads)
        for key, attachment in fitting:
            ensure_time_for_a_write(send)
            uploaded = _upload(send, record, link, attachment, limit)
            if uploaded is not None:
                links.record_upload(link, key, uploaded)
                uploads[key] = uploaded
    except JiraError as error:
        ambiguous = error.may_have_committed
        raise transient_or_refused(send, error, record.reference_num) from None
    finally:
        if not ambiguous:
            # After an upload that may have happened, the lease stays: the next send looks before uploading.
            links.release_upload_lease(link, token=send.token)
    return link.model_copy(update={"attachments": uploads, "upload_token": None})


def _settings(send: SendAttempt) -> AttachmentSettings:
    cache = send.services.lookup_cache
    cached = cache.get(send.integration_id, "attachment_settings", "site")
    if cached:
        return AttachmentSettings.model_validate(json.loads(cached))
    try:
        settings = send.client.attachment_settings()
    except JiraError as error:
        if error.transient:
            raise transient_or_refused(send, error, send.feature.reference_num) from None
        # An account that may not read the settings can still upload: no known limit.
        return AttachmentSettings(enabled=True, uploadLimit=None)
    cache.put(
        send.integration_id,
        "attachment_settings",
        "site",
        settings.model_dump_json(by_alias=True),
        SETTINGS_TTL_SECONDS,
    )
    return settings


def _found_on_issue(
    send: SendAttempt,
    link: IssueLink,
    fitting: list[tuple[str, AhaAttachment]],
    uploads: dict[str, UploadedAttachment],
) -> list[tuple[str, AhaAttachment]]:
    assert link.issue_key is not None
    try:
        present = send.client.issue_attachments(link.issue_key)
    except JiraError as error:
        raise transient_or_refused(send, error, link.reference) from None
    left: list[tuple[str, AhaAttachment]] = []
    for key, attachment in fitting:
        match = next(
            (
                item
                for item in present
                if item.filename == _file_name(attachment)
                and (attachment.file_size is None or item.size == attachment.file_size)
            ),
            None,
        )
        if match is None:
            left.append((key, attachment))
            continue
        uploaded = _uploaded(
            send,
            link,
            attachment,
            jira_id=match.id,
            file_name=match.filename,
            size=match.size,
            content=match.content,
        )
        send.services.links.record_upload(link, key, uploaded)
        uploads[key] = uploaded
    return left


def _upload(
    send: SendAttempt, record: AhaRecord, link: IssueLink, attachment: AhaAttachment, limit: int
) -> UploadedAttachment | None:
    """One attachment, downloaded into its upload; None (and a warning) when it could not be carried."""
    assert link.issue_key is not None and attachment.download_url is not None
    name = _file_name(attachment)
    timer = Timer()
    try:
        download = open_download(
            attachment.download_url, allow_loopback=get_settings().allow_http_loopback, max_bytes=limit
        )
    except DownloadTooLarge:
        _too_large(send, record, attachment, limit)
        return None
    except DownloadFailed as failed:
        _unavailable(send, record, name, failed.message)
        return None
    size = download.size if download.size is not None else None
    body = MultipartFile(
        download.chunks(),
        file_name=name,
        content_type=attachment.content_type or download.content_type or "application/octet-stream",
        size=size,
    )
    try:
        answer = send.client.upload_attachment(link.issue_key, body)
    except DownloadTooLarge:
        _too_large(send, record, attachment, limit)
        return None
    except DownloadFailed as failed:
        _unavailable(send, record, name, failed.message)
        return None
    except (JiraRejected, JiraForbidden) as refused:
        # A file Jira will not take is reported, never a failed send: the issue itself is in Jira.
        if refused.status == 413:
            _too_large(send, record, attachment, limit)
        elif isinstance(refused, JiraForbidden):
            warn(
                send,
                "attachments_disabled",
                f"Jira refused the attachment {name} of {record.reference_num}: {refused.message}",
                "Give the integration's account Create attachments in the project (or switch attachments on), then send again.",
                reference=record.reference_num,
            )
        else:
            warn(
                send,
                "attachment_refused",
                f"Jira refused the attachment {name} of {record.reference_num}: {refused.message}",
                "Rename or replace the file in the roadmap as Jira's message says, then send again.",
                reference=record.reference_num,
            )
        return None
    finally:
        download.close()
    uploaded = _uploaded(
        send,
        link,
        attachment,
        jira_id=answer.id,
        file_name=answer.filename or name,
        size=answer.size,
        content=answer.content,
    )
    record_action(
        "attachment.uploaded",
        Outcome.SUCCEEDED,
        integration_id=send.integration_id,
        reference=record.reference_num,
        jira_key=link.issue_key,
        jira_status=200,
        duration_ms=timer.ms(),
        message=f"Uploaded {name} ({body.sent} bytes) to {link.issue_key}",
        feature_reference=send.feature.reference_num,
    )
    return uploaded


def _uploaded(
    send: SendAttempt,
    link: IssueLink,
    attachment: AhaAttachment,
    *,
    jira_id: str,
    file_name: str,
    size: int | None,
    content: str | None,
) -> UploadedAttachment:
    api = send.client.api_version
    return UploadedAttachment(
        size=attachment.file_size if attachment.file_size is not None else size,
        jira_id=jira_id,
        file_name=file_name,
        content_url=content
        or f"{send.integration.jira.base_url}/rest/api/{api}/attachment/content/{jira_id}",
        source_url=attachment.download_url,
    )


def _file_name(attachment: AhaAttachment) -> str:
    if attachment.file_name:
        return attachment.file_name
    path = urlsplit(attachment.download_url or "").path
    return path.rsplit("/", 1)[-1] or "attachment"


def _too_large(send: SendAttempt, record: AhaRecord, attachment: AhaAttachment, limit: int) -> None:
    size = f" ({attachment.file_size} bytes)" if attachment.file_size is not None else ""
    warn(
        send,
        "attachment_too_large",
        f"The attachment {_file_name(attachment)}{size} of {record.reference_num} is over Jira's size limit of {limit} bytes: it was not uploaded.",
        "Ask a Jira administrator to raise the attachment size limit, or attach a smaller file (or a link to it) in the roadmap.",
        reference=record.reference_num,
    )


def _unavailable(send: SendAttempt, record: AhaRecord, name: str, reason: str) -> None:
    warn(
        send,
        "attachment_unavailable",
        f"The attachment {name} of {record.reference_num} could not be downloaded: {reason}",
        "Check that the file is still in the roadmap; the next send tries it again.",
        reference=record.reference_num,
    )


def hosted_images(link: IssueLink | None) -> ImageHost:
    """Images of a description that are attachments on the issue: by download URL (without its query,
    which holds expiring tokens), else by the Aha! attachment id in the image's path."""
    if link is None or not link.attachments:
        return _nothing
    by_url: dict[str, HostedImage] = {}
    by_id: dict[str, HostedImage] = {}
    for key, uploaded in link.attachments.items():
        hosted = HostedImage(uploaded.file_name, uploaded.content_url)
        if uploaded.source_url:
            by_url[_without_query(uploaded.source_url)] = hosted
        by_id[key] = hosted

    def lookup(src: str) -> HostedImage | None:
        return by_url.get(_without_query(src)) or _by_path_id(src, by_id)

    return lookup


def _nothing(_src: str) -> HostedImage | None:
    return None


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"


def _by_path_id(src: str, by_id: dict[str, HostedImage]) -> HostedImage | None:
    match = _ATTACHMENT_ID_IN_PATH.search(urlsplit(src).path)
    return by_id.get(match.group(1)) if match else None

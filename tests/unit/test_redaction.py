"""Secrets never reach a log line: key-based and value-based redaction at the formatter."""

from __future__ import annotations

import base64
import http.client
import io
import json
import logging
import uuid
from collections.abc import Callable
from urllib.parse import quote_plus

import pytest
import requests
from aws_lambda_powertools import Logger

from aha_jira.integration_log import REDACTED, redact, register_secret
from aha_jira.integration_log.logger import RedactingFormatter
from aha_jira.redaction import redact_text
from tests.leak_scan import leaks, spellings


def test_secret_keys_are_redacted_at_any_depth() -> None:
    record = {"auth": {"api_token": "abc", "email": "bot@x"}, "headers": [{"Authorization": "Basic Zm9v"}]}
    cleaned = redact(record)
    assert cleaned["auth"] == {"api_token": REDACTED, "email": "bot@x"}
    assert cleaned["headers"] == [{"Authorization": REDACTED}]


def test_registered_values_are_redacted_inside_any_text() -> None:
    register_secret("s3cr3t-value-xyz")
    assert redact({"message": "Jira said: bad token s3cr3t-value-xyz!"}) == {
        "message": f"Jira said: bad token {REDACTED}!"
    }


def test_short_values_are_not_registered() -> None:
    register_secret("abc")
    assert redact("abc and more") == "abc and more"


def test_formatter_redacts_extra_keys_messages_and_exceptions() -> None:
    register_secret("tok-for-formatter-test")
    stream = io.StringIO()
    test_logger = Logger(
        service="redaction-test",
        logger_formatter=RedactingFormatter(),
        logger_handler=logging.StreamHandler(stream),
    )
    test_logger.info("using tok-for-formatter-test", extra={"password": "hunter22", "safe": "ok"})
    try:
        raise RuntimeError("failed with tok-for-formatter-test")
    except RuntimeError:
        test_logger.exception("boom")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    text = stream.getvalue()
    assert "tok-for-formatter-test" not in text
    assert "hunter22" not in text
    assert lines[0]["password"] == REDACTED
    assert lines[0]["safe"] == "ok"
    assert REDACTED in lines[1]["exception"]


# --- a registered secret is redacted however it is escaped ---------------------------------------------

# Secrets a careless or hostile client could store: line breaks, quotes of both kinds, backslashes,
# percent signs, NUL, non-ASCII (Latin-1 and beyond), characters URL encoding and base64 change.
HOSTILE_SECRETS = [
    "tok-crlf\r\nX-Injected: yes",
    "tok-\"double\"-and-'single'",
    "tok-only-'single'-quote",
    "tok\\back\\slash\\n-not-a-newline",
    "tok-100%25-%2F-percent",
    "tok-nul\x00-and-del\x7f",
    "tok-latin1-é-ñ-ø",
    "tok-unicode-☃-😀-\u202e",
    "tok/with+plus=and&amp?q",
]


@pytest.mark.parametrize("secret", HOSTILE_SECRETS)
def test_every_escaping_of_a_registered_secret_is_redacted(secret: str) -> None:
    register_secret(secret)
    for name, form in spellings(secret).items():
        cleaned = redact_text(f"Jira call failed: {form!s} (more text)")
        assert REDACTED in cleaned, (name, form)
        assert leaks(cleaned, {"secret": secret}) == [], (name, form, cleaned)


def test_basic_credentials_in_a_dumped_header_are_redacted_without_knowing_the_user() -> None:
    secret = "basic-secret-ü-'\"\\%"
    register_secret(secret)
    header = base64.b64encode(f"someone@example.com:{secret}".encode()).decode()
    cleaned = redact_text(f"headers: {{'Authorization': 'Basic {header}'}}")
    assert header not in cleaned
    assert cleaned == f"headers: {{'Authorization': 'Basic {REDACTED}'}}"
    # Other base64 after "Basic" is left alone.
    innocent = base64.b64encode(b"user:not-a-registered-secret").decode()
    assert redact_text(f"Basic {innocent}") == f"Basic {innocent}"


def _formatter_output(emit: Callable[[Logger], None]) -> str:
    stream = io.StringIO()
    test_logger = Logger(
        service=f"redaction-test-{uuid.uuid4().hex}",
        logger_formatter=RedactingFormatter(serialize_stacktrace=False),
        logger_handler=logging.StreamHandler(stream),
    )
    emit(test_logger)
    return stream.getvalue()


def _assert_no_trace_of(secret: str, text: str) -> None:
    assert leaks(text, {"secret": secret}) == []


@pytest.mark.parametrize("secret", HOSTILE_SECRETS)
def test_requests_refusing_a_header_does_not_leak_it_through_the_formatter(secret: str) -> None:
    """requests quotes the header value (`%r`) in InvalidHeader; the log line JSON-escapes it again."""
    register_secret(secret)

    def emit(test_logger: Logger) -> None:
        try:
            requests.Request(
                "GET",
                "https://jira.example.com/rest/api/3/myself",
                headers={"Authorization": f"Bearer {secret}"},
            ).prepare()
        except Exception as error:  # InvalidHeader, or UnicodeError for what Latin-1 cannot encode
            test_logger.exception("Unhandled error", extra={"error": error, "detail": str(error)})
        else:
            test_logger.info("prepared", extra={"detail": f"Bearer {secret}"})

    text = _formatter_output(emit)
    assert REDACTED in text
    _assert_no_trace_of(secret, text)


@pytest.mark.parametrize("secret", HOSTILE_SECRETS)
def test_http_client_refusing_a_header_does_not_leak_it_through_the_formatter(secret: str) -> None:
    """http.client (what requests sends with) quotes the header's bytes (`b'...'`) in its ValueError, or
    names the character in a UnicodeEncodeError."""
    register_secret(secret)

    def emit(test_logger: Logger) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", 9)
        connection.putrequest("GET", "/rest/api/3/myself")
        try:
            connection.putheader("Authorization", f"Bearer {secret}")
        except ValueError as error:  # UnicodeEncodeError names the character only
            test_logger.exception("Unhandled error: %s", error)
        finally:
            connection.close()
        try:
            raise RuntimeError(f"after sending {secret!r} and {json.dumps({'token': secret})}")
        except RuntimeError:
            test_logger.exception("retrying with %r", {"Authorization": f"Bearer {secret}"})

    text = _formatter_output(emit)
    assert REDACTED in text
    _assert_no_trace_of(secret, text)


def test_a_url_with_the_secret_in_its_query_is_redacted() -> None:
    secret = "url-secret/ä+%&="
    register_secret(secret)
    url = requests.Request("GET", "https://jira.example.com/x", params={"jwt": secret}).prepare().url
    assert url is not None and quote_plus(secret) in url
    text = _formatter_output(lambda test_logger: test_logger.warning("GET %s failed", url))
    assert f"jwt={REDACTED}" in text
    _assert_no_trace_of(secret, text)

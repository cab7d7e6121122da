"""Secrets never reach a log line: key-based and value-based redaction at the formatter."""

from __future__ import annotations

import io
import json
import logging

from aws_lambda_powertools import Logger

from aha_jira.integration_log import REDACTED, redact, register_secret
from aha_jira.integration_log.logger import RedactingFormatter


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

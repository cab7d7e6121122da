"""Answers with the event it received and a few environment variables (fixture for the gateway tests)."""

import base64
import json
import os

from shapes import describe  # a sibling module: the code directory is importable, as in Lambda


def handler(event, context):
    print("echo handler log line (goes to stderr under invoke)")
    path = event.get("path") or ""
    if path.endswith("/boom"):
        raise RuntimeError("boom")
    if path.endswith("/malformed"):
        return {"body": "no status code"}
    if path.endswith("/binary"):
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/octet-stream"},
            "body": base64.b64encode(bytes(range(256))).decode(),
            "isBase64Encoded": True,
        }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Echo": "single"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": json.dumps(
            {
                "event": event,
                "shape": describe(event),
                "context": {
                    "function_name": context.function_name,
                    "memory_limit_in_mb": context.memory_limit_in_mb,
                    "invoked_function_arn": context.invoked_function_arn,
                    "aws_request_id": context.aws_request_id,
                    "remaining_ms": context.get_remaining_time_in_millis(),
                },
                "env": {
                    name: os.environ.get(name)
                    for name in ("THINGS_TABLE", "WORK_QUEUE_URL", "SECRETS_PREFIX", "ONLY_ECHO", "PLAIN")
                },
            }
        ),
    }

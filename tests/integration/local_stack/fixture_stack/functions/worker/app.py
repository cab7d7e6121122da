"""SQS worker fixture: a body "fail..." fails its message, a body "raise" fails the whole invocation."""


def handler(event, context):
    records = event["Records"]
    if any(record["body"] == "raise" for record in records):
        raise RuntimeError("the whole batch fails")
    return {
        "batchItemFailures": [
            {"itemIdentifier": record["messageId"]} for record in records if record["body"].startswith("fail")
        ]
    }

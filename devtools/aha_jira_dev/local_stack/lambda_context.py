"""A Lambda context object for handlers invoked in-process (the attributes Powertools and handlers read)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from aha_jira_dev.local_stack.template import LOCAL_ACCOUNT_ID, LOCAL_REGION, FunctionDef


@dataclass
class LambdaContext:
    """Mirrors the attributes of the Python runtime's context object."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    timeout_seconds: float
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""
    identity: object | None = None
    client_context: object | None = None
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        if not self._deadline:
            self._deadline = time.monotonic() + self.timeout_seconds
        if not self.log_group_name:
            self.log_group_name = f"/aws/lambda/{self.function_name}"
        if not self.log_stream_name:
            day = time.strftime("%Y/%m/%d", time.gmtime())
            self.log_stream_name = f"{day}/[{self.function_version}]{uuid.uuid4().hex}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def context_for(function: FunctionDef, request_id: str | None = None) -> LambdaContext:
    """A fresh context for one invocation of `function` (its deadline starts now)."""
    name = function.local_function_name
    return LambdaContext(
        function_name=name,
        memory_limit_in_mb=function.memory_mb,
        invoked_function_arn=f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:function:{name}",
        aws_request_id=request_id or str(uuid.uuid4()),
        timeout_seconds=float(function.timeout_seconds),
    )

"""Cold start: each function's handler import-and-init time in a fresh interpreter, against ``import boto3``.

For every function of ``template.yaml`` (and for a bare ``import boto3``, the yardstick) a fresh Python
interpreter is started the way Lambda starts one: the function's code folder is the working directory and
``sys.path[0]`` (``/var/task``), the layer's package folder is on the path (``/opt/python``), and the
environment is the function's own from the template (Globals and its variables, intrinsics resolved to
plausible deployed values) plus what the Lambda runtime sets (``AWS_REGION``, ``AWS_LAMBDA_FUNCTION_NAME``,
``AWS_EXECUTION_ENV``, credentials, ...). The child measures, with ``time.perf_counter``:

- **import and init**: ``import app``: the handler module and everything it imports at module level,
  including its Powertools resolver or batch processor (what Lambda's INIT phase runs);
- **first request's set-up**: then what the function's first request creates before any call goes out:
  its adapters from ``aha_jira.wiring`` and their boto3 clients (boto3 is imported there: the clients are
  created lazily, once per container) and, for the functions that call Jira, the Jira client's modules;
- **peak memory**: the peak RSS (``VmHWM``) after the import (and after the set-up), and its growth over
  the bare interpreter.

Every module is imported from bytecode (one unmeasured run per target first fills the caches), as deployed:
the built layer ships ``.pyc`` files (``layers/common/Makefile``) and the runtime's boto3 has them too.

Targets and yardsticks are medians of ``RUNS`` (>= 15) runs, the runs of all targets interleaved in a
shuffled order so that a load change on the machine touches them alike. The target (issue 8): every
handler's import and init at most 1.6x ``import boto3`` measured in the same run.

Run: ``python -m bench.cold_start [--runs N]`` (``make bench`` runs it with the default). The figures depend
on the machine and its load (measure on a quiet machine); the ratios much less.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aha_jira_dev.local_stack.template import Template, load_template

REPO_ROOT = Path(__file__).resolve().parents[1]
LAYER_DIR = REPO_ROOT / "layers" / "common"
RUNS = 21
TARGET_RATIO = 1.6
REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "aha-jira"

# What each function's first request creates before it calls anything (see the module docstring).
FIRST_REQUEST: dict[str, str] = {
    "integrations": (
        "from aha_jira import wiring; wiring.integrations(); wiring.secrets(); wiring.features(); "
        "wiring.issue_links()"
    ),
    "test_connection": (
        "from aha_jira import wiring; wiring.integrations(); wiring.secrets(); "
        "import aha_jira.connection.jira_access, aha_jira.jira.transport"
    ),
    "send_feature": (
        "from aha_jira import wiring; wiring.send_services(); "
        "import aha_jira.connection.jira_access, aha_jira.jira.transport"
    ),
    "retry_worker": (
        "from aha_jira import wiring; wiring.send_services(); "
        "import aha_jira.connection.jira_access, aha_jira.jira.transport"
    ),
    "jira_webhook": "from aha_jira import wiring; wiring.webhook_services()",
}
BASELINE = "import boto3"

# Runs in the fresh interpreter: argv = [module to import, set-up code].
_CHILD = r"""
import importlib, json, resource, sys, time
def rss():
    # Peak RSS of this interpreter in KiB: VmHWM (ru_maxrss would carry the parent's peak across exec).
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
rss_start = rss()
modules_start = len(sys.modules)
started = time.perf_counter()
importlib.import_module(sys.argv[1])
imported = time.perf_counter()
rss_import = rss()
modules_import = len(sys.modules)
if sys.argv[2]:
    exec(sys.argv[2])
ready = time.perf_counter()
print(json.dumps({
    "import_s": imported - started, "setup_s": ready - imported,
    "rss_start_kb": rss_start, "rss_import_kb": rss_import, "rss_ready_kb": rss(),
    "modules_import": modules_import - modules_start, "modules_ready": len(sys.modules) - modules_start,
}))
"""


@dataclass
class Target:
    name: str  # "boto3" or the function's folder name
    module: str
    cwd: Path
    env: dict[str, str]
    setup: str = ""
    samples: list[dict[str, Any]] = field(default_factory=list)

    def median(self, key: str) -> float:
        return statistics.median(sample[key] for sample in self.samples)

    def median_ready_s(self) -> float:
        return statistics.median(sample["import_s"] + sample["setup_s"] for sample in self.samples)


def _deployed_refs(template: Template) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Plausible deployed values of `!Ref` and `!GetAtt` (names, URLs, ARNs): only their shape matters."""
    refs: dict[str, str] = {}
    attributes: dict[str, dict[str, str]] = {}
    for logical_id, resource in template.resources.items():
        kind = resource.get("Type")
        if kind == "AWS::DynamoDB::Table":
            name = f"{STACK}-{logical_id}-EXAMPLE"
            refs[logical_id] = name
            attributes[logical_id] = {"Arn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"}
        elif kind == "AWS::SQS::Queue":
            name = f"{STACK}-{logical_id}-EXAMPLE"
            refs[logical_id] = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"
            attributes[logical_id] = {"Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}", "QueueName": name}
        else:
            refs[logical_id] = f"{STACK}-{logical_id}-EXAMPLE"
    return refs, attributes


def lambda_environment(template: Template, logical_id: str) -> dict[str, str]:
    """The function's environment from the template plus what the Lambda runtime sets."""
    function = template.functions[logical_id]
    refs, attributes = _deployed_refs(template)
    own = template.environment(
        function,
        refs=refs,
        attributes=attributes,
        parameters={"AWS::StackName": STACK, "AWS::Region": REGION, "AWS::AccountId": ACCOUNT},
    )
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - Lambda's HOME is not set; keep the user's
        # Lambda: /opt/python (the layer) is on PYTHONPATH; the code folder is the working directory.
        "PYTHONPATH": str(LAYER_DIR),
        "LAMBDA_TASK_ROOT": str(function.code_dir),
        "_HANDLER": f"{function.handler_module}.{function.handler_function}",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": f"{STACK}-{logical_id}-EXAMPLE",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{STACK}-{logical_id}-EXAMPLE",
        "AWS_ACCESS_KEY_ID": "ASIACOLDSTARTEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "cold-start-example-secret",
        "AWS_SESSION_TOKEN": "cold-start-example-token",
        **own,
    }


def targets(template: Template) -> list[Target]:
    functions = template.functions
    found = [
        Target(
            name=function.name,
            module=function.handler_module,
            cwd=function.code_dir,
            env=lambda_environment(template, logical_id),
            setup=FIRST_REQUEST.get(function.name, ""),
        )
        for logical_id, function in sorted(functions.items(), key=lambda item: item[1].name)
    ]
    # The yardstick runs with the same environment as a function, from a neutral folder.
    some = next(iter(functions))
    baseline = Target("boto3", "boto3", REPO_ROOT / "bench", lambda_environment(template, some))
    return [baseline, *found]


def run_once(target: Target) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD, target.module, target.setup],
        cwd=target.cwd,
        env=target.env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{target.name}: the fresh interpreter failed:\n{completed.stderr[-3000:]}")
    sample: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return sample


@dataclass(frozen=True)
class ColdStartRow:
    function: str
    import_ms: float
    ratio: float
    ready_ms: float
    ready_ratio: float
    rss_mb: float
    rss_growth_mb: float
    rss_ready_mb: float
    modules: int
    meets: bool


@dataclass(frozen=True)
class ColdStartResult:
    runs: int
    boto3_ms: float
    boto3_rss_mb: float
    rows: list[ColdStartRow]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]

    @property
    def all_meet(self) -> bool:
        return all(row.meets for row in self.rows)


def measure(runs: int = RUNS, *, seed: int = 20261128) -> ColdStartResult:
    template = load_template(REPO_ROOT / "template.yaml")
    all_targets = targets(template)
    rng = random.Random(seed)
    load_before = os.getloadavg()
    for target in all_targets:  # warm the bytecode caches, as a deployed layer ships them compiled
        run_once(target)
    for _ in range(runs):
        order = list(all_targets)
        rng.shuffle(order)
        for target in order:
            target.samples.append(run_once(target))
    load_after = os.getloadavg()
    baseline, functions = all_targets[0], all_targets[1:]
    boto3_s = baseline.median("import_s")
    rows = []
    for target in functions:
        import_s = target.median("import_s")
        ready_s = target.median_ready_s()
        rows.append(
            ColdStartRow(
                function=target.name,
                import_ms=import_s * 1000,
                ratio=import_s / boto3_s,
                ready_ms=ready_s * 1000,
                ready_ratio=ready_s / boto3_s,
                rss_mb=target.median("rss_import_kb") / 1024,
                rss_growth_mb=(target.median("rss_import_kb") - target.median("rss_start_kb")) / 1024,
                rss_ready_mb=target.median("rss_ready_kb") / 1024,
                modules=int(target.median("modules_import")),
                meets=import_s / boto3_s <= TARGET_RATIO,
            )
        )
    return ColdStartResult(
        runs=runs,
        boto3_ms=boto3_s * 1000,
        boto3_rss_mb=baseline.median("rss_import_kb") / 1024,
        rows=rows,
        load_before=load_before,
        load_after=load_after,
    )


def print_result(result: ColdStartResult) -> None:
    print(
        f"Cold start: median of {result.runs} fresh interpreters per target ({sys.version.split()[0]}, "
        f"load average {result.load_before[0]:.2f} before, {result.load_after[0]:.2f} after)"
    )
    print(f"  yardstick: import boto3 = {result.boto3_ms:.0f} ms, peak RSS {result.boto3_rss_mb:.1f} MB")
    print(
        f"  {'function':<16} {'import+init':>11} {'x boto3':>8} {'target':>7} {'+1st request':>13} "
        f"{'x boto3':>8} {'peak RSS':>9} {'growth':>7} {'RSS ready':>9} {'modules':>7}"
    )
    for row in result.rows:
        print(
            f"  {row.function:<16} {row.import_ms:>8.0f} ms {row.ratio:>7.2f}x "
            f"{'ok' if row.meets else 'MISSED':>7} {row.ready_ms:>10.0f} ms {row.ready_ratio:>7.2f}x "
            f"{row.rss_mb:>6.1f} MB {row.rss_growth_mb:>4.1f} MB {row.rss_ready_mb:>6.1f} MB {row.modules:>7}"
        )
    verdict = "every handler meets" if result.all_meet else "NOT every handler meets"
    print(f"  {verdict} the target: import and init <= {TARGET_RATIO}x import boto3")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--runs", type=int, default=RUNS, help=f"fresh interpreters per target (default {RUNS})"
    )
    args = parser.parse_args(argv if argv is not None else [])
    result = measure(max(args.runs, 1))
    print_result(result)
    from bench import _report  # noqa: PLC0415 - only when the report is being assembled

    _report.record("cold_start", result)
    load = f"load average {result.load_before[0]:.1f} → {result.load_after[0]:.1f}"
    for row in result.rows:
        _report.figure(
            "Cold start",
            f"`{row.function}`: handler import and init / `import boto3` (median of {result.runs})",
            f"{row.ratio:.2f}x ({row.import_ms:.0f} ms / {result.boto3_ms:.0f} ms; peak RSS {row.rss_mb:.0f} MB; "
            f"with the first request's clients {row.ready_ratio:.2f}x; {load})",
            f"≤ {TARGET_RATIO}x `import boto3`",
            row.meets,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

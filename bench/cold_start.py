"""Cold start: each function's handler against ``import boto3``, by two methods (issue 13: at most 1.4x by both).

Every function of ``template.yaml`` (and a bare ``import boto3``, the yardstick) is started in fresh Python
interpreters laid out the way Lambda lays one out: the function's code folder is the working directory and
``sys.path[0]`` (``/var/task``), the layer's package folder is on the path (``PYTHONPATH``, as ``/opt/python``
is), and the environment is the function's own from the template (Globals and its variables, intrinsics
resolved to plausible deployed values) plus what the Lambda runtime sets (``AWS_REGION``,
``AWS_LAMBDA_FUNCTION_NAME``, ``AWS_EXECUTION_ENV``, credentials, ...). Two methods:

- **in-process** (issue 8's): the child interpreter times, with ``time.perf_counter``, ``import app`` alone:
  the handler module and everything it imports at module level, including its Powertools resolver or batch
  processor (what Lambda's INIT phase runs). It then times what the function's **first request** sets up
  before any call goes out (the use cases its routes import when first called, its adapters from
  ``aha_jira.wiring`` and their boto3 clients), and reads the peak RSS (``VmHWM``) after each step. Every
  module comes from bytecode (an unmeasured run first writes it), as deployed: the built layer ships
  compiled (``layers/common/Makefile``) and so does the runtime's boto3.
- **whole process** (issue 13's, "outside the project"): the parent times the whole
  ``python -c "import app"`` process, from its start to its exit, against a whole
  ``python -c "import boto3"`` process started the same way, in two bytecode states:
  - **bytecode**: every module from its ``.pyc``, as deployed (and as the in-process method);
  - **project from source**: the project's own modules (``aha_jira`` and ``functions/``) compiled at every
    run, the dependencies and the standard library from the bytecode pip and Python installed: measured on
    a copy of ``layers/common`` and ``functions`` without ``__pycache__``, with ``PYTHONDONTWRITEBYTECODE=1``.
  ``--no-bytecode`` adds a third state, nothing cached at all (``PYTHONPYCACHEPREFIX`` an empty folder):
  boto3 and botocore are compiled at every run too and dominate, so every ratio is near or below 1.

Why the methods gave different figures (issue 13: 1.48x to 1.90x outside, 1.35x to 1.59x here, for the same
code). (1) Bytecode: the machines these sessions run on set ``PYTHONDONTWRITEBYTECODE=1`` in the shell's
environment, so a ``python -c "import app"`` started from a shell never writes ``.pyc`` for the project:
every run compiles every ``aha_jira`` module the handler imports (about 1 ms per 5 KB of source) while
boto3 comes from the bytecode pip wrote. This benchmark's children get the function's environment, without
that variable, so its warm-up run writes the bytecode and the measured runs read it. A handler importing
450 KB of the layer at module level (the send handler then) paid about 90 ms more outside than here: that is
the "project from source" state. (2) The whole process adds the interpreter's start-up and exit (the bare
``python -c pass``, reported) to the handler and to the yardstick alike, which pulls a ratio towards 1, and
an exit that grows with the modules to tear down. (3) The in-process child has already imported ``json``,
``importlib`` and ``resource`` before it starts timing, which both imports would otherwise load: that
takes the same few milliseconds off both figures, which raises a ratio above 1. With every handler's
use cases imported on first use (none at module level), all three effects are small next to the target.

The target (issue 13): every handler at most 1.4x ``import boto3`` in-process and as a whole process in
both bytecode states, each against the yardstick measured the same way in the same run. ``modules`` counts
the modules ``import app`` loads; the first request's column is not in the target: it shows what moving an
import to the first request defers (it is paid once per container, by the first request that needs it).

Runs: ``RUNS`` (>= 15; the median is reported) of every target by every method and state, all interleaved
in one shuffled order per round so that a load change on the machine touches them alike; the CPU time
(user + sys) of the whole processes is reported beside their wall time, as what the machine's load changes
least.

Run: ``python -m bench.cold_start [--runs N] [--no-bytecode]`` (``make bench`` runs it with the default;
``python -m bench --only cold_start`` records it in RESULTS.md, keeping the other benchmarks' figures). The
figures depend on the machine and its load (measure on a quiet machine); the ratios much less.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aha_jira_dev.local_stack.template import Template, load_template

REPO_ROOT = Path(__file__).resolve().parents[1]
LAYER_DIR = REPO_ROOT / "layers" / "common"
FUNCTIONS_DIR = REPO_ROOT / "functions"
RUNS = 21
TARGET_RATIO = 1.4
REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "aha-jira"

# What each function's first request sets up before it calls anything (see the module docstring): its
# adapters and clients, and the use cases its routes import when first called (every route's, for a
# function with several).
FIRST_REQUEST: dict[str, str] = {
    "integrations": (
        "from aha_jira import wiring; wiring.integrations(); wiring.secrets(); wiring.features(); "
        "wiring.issue_links(); wiring.webhook_health(); import aha_jira.integrations.configure, "
        "aha_jira.integrations.query, aha_jira.integrations.remove, aha_jira.features.query, "
        "aha_jira.models.integration"
    ),
    "test_connection": (
        "from aha_jira import wiring; wiring.integrations(); wiring.secrets(); wiring.rate_budgets(); "
        "import aha_jira.connection.test_connection, aha_jira.connection.jira_access, aha_jira.jira.transport"
    ),
    "send_feature": (
        "from aha_jira import wiring; wiring.send_services(); "
        "import aha_jira.http_api.paths, aha_jira.http_api.request, aha_jira.models.feature, "
        "aha_jira.models.send, aha_jira.sync.send, aha_jira.connection.jira_access, aha_jira.jira.transport"
    ),
    "retry_worker": (
        "from aha_jira import wiring; wiring.send_services(); "
        "import aha_jira.retry.jobs, aha_jira.connection.jira_access, aha_jira.jira.transport"
    ),
    "jira_webhook": (
        "from aha_jira import wiring; wiring.webhook_services(); "
        "import aha_jira.webhooks.receive, aha_jira.webhooks.authentication"
    ),
    "aha_webhook": (
        "from aha_jira import wiring; wiring.aha_webhook_services(); import aha_jira.roadmap_inbound.receive"
    ),
    "roadmap_delivery": (
        "from aha_jira import wiring; wiring.roadmap_delivery_services(); import aha_jira.roadmap.delivery"
    ),
    "reconcile": "from aha_jira import wiring; wiring.reconcile_services(); import aha_jira.reconcile.sweep",
    "release_send": (
        "from aha_jira import wiring; wiring.release_services(); import aha_jira.releases.start, "
        "aha_jira.releases.progress, aha_jira.models.release, aha_jira.integrations.query"
    ),
    "release_worker": (
        "from aha_jira import wiring; wiring.release_services(); import aha_jira.releases.worker"
    ),
    "api_docs": "import aha_jira.http_api.openapi_document",
}
BASELINE = "boto3"
BARE = "(bare interpreter)"

# Runs in the fresh interpreter of the in-process method: argv = [module to import, set-up code].
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

IN_PROCESS = "in-process"
BYTECODE = "bytecode"
SOURCE = "project from source"
UNCACHED = "no bytecode at all"
WHOLE_PROCESS_STATES = (BYTECODE, SOURCE)  # `--no-bytecode` adds UNCACHED
# The states the target applies to (see the module docstring).
JUDGED_STATES = (BYTECODE, SOURCE)


@dataclass
class Target:
    name: str  # "boto3", BARE or the function's folder name
    module: str  # what `python -c "import <module>"` imports ("" for the bare interpreter)
    cwd: Path
    env: dict[str, str]
    setup: str = ""
    samples: list[dict[str, Any]] = field(default_factory=list)  # the in-process method's
    process_s: dict[str, list[float]] = field(default_factory=dict)  # whole process, by bytecode state
    process_cpu_s: dict[str, list[float]] = field(default_factory=dict)  # its CPU time (user + sys)

    def median(self, key: str) -> float:
        return statistics.median(sample[key] for sample in self.samples)

    def median_ready_s(self) -> float:
        return statistics.median(sample["import_s"] + sample["setup_s"] for sample in self.samples)

    def median_process_s(self, state: str) -> float:
        return statistics.median(self.process_s[state])

    def median_process_cpu_s(self, state: str) -> float:
        return statistics.median(self.process_cpu_s[state])


def _deployed_refs(template: Template) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Plausible deployed values of `!Ref` and `!GetAtt` (names, URLs, ARNs): only their shape matters."""
    refs: dict[str, str] = {}
    attributes: dict[str, dict[str, str]] = {}
    for logical_id, declared in template.resources.items():
        kind = declared.get("Type")
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
    """The yardstick (`import boto3`), the bare interpreter, then every function by name."""
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
    # The yardsticks run with the same environment as a function, from a neutral folder.
    some = next(iter(functions))
    neutral = REPO_ROOT / "bench"
    baseline = Target(BASELINE, "boto3", neutral, lambda_environment(template, some))
    bare = Target(BARE, "", neutral, lambda_environment(template, some))
    return [baseline, bare, *found]


def run_once(target: Target) -> dict[str, Any]:
    """The in-process method: one fresh interpreter times its own `import app` (and first request)."""
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
class Layout:
    """Where the whole-process runs of each bytecode state find the project, and what they set."""

    source_copy: Path  # a copy of layers/common and functions without bytecode
    empty_prefix: Path  # PYTHONPYCACHEPREFIX of the no-bytecode state: nothing in it, nothing written

    def place(self, target: Target, state: str) -> tuple[Path, dict[str, str]]:
        """The working directory and environment of `target` in bytecode state `state`."""
        if state == BYTECODE:
            return target.cwd, target.env
        env = {**target.env, "PYTHONDONTWRITEBYTECODE": "1"}
        if state == UNCACHED:
            return target.cwd, {**env, "PYTHONPYCACHEPREFIX": str(self.empty_prefix)}
        layer = self.source_copy / LAYER_DIR.relative_to(REPO_ROOT)
        cwd = self.source_copy / target.cwd.relative_to(REPO_ROOT)
        return cwd, {**env, "PYTHONPATH": str(layer), "LAMBDA_TASK_ROOT": str(cwd)}


@contextmanager
def layout() -> Iterator[Layout]:
    with tempfile.TemporaryDirectory(prefix="aha-jira-cold-start-") as folder:
        root = Path(folder)
        copy = root / "clone"
        no_bytecode = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(LAYER_DIR / "aha_jira", copy / "layers" / "common" / "aha_jira", ignore=no_bytecode)
        shutil.copytree(FUNCTIONS_DIR, copy / "functions", ignore=no_bytecode)
        (copy / "bench").mkdir()
        (root / "empty-prefix").mkdir()
        yield Layout(source_copy=copy, empty_prefix=root / "empty-prefix")


def run_process(target: Target, state: str, where: Layout) -> tuple[float, float]:
    """The whole-process method: the wall time of one `python -c "import <module>"` process, and its CPU
    time (user + sys: what the machine's load changes least)."""
    cwd, env = where.place(target, state)
    code = f"import {target.module}" if target.module else "pass"
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    if completed.returncode != 0:
        raise RuntimeError(
            f"{target.name} ({state}): `python -c {code!r}` failed:\n{completed.stderr[-3000:]}"
        )
    return elapsed, cpu


def check_source_layout(functions: list[Target], where: Layout) -> None:
    """The project-from-source runs import the copy (not the worktree's bytecode) and write no bytecode."""
    target = next(t for t in functions if t.module)
    cwd, env = where.place(target, SOURCE)
    completed = subprocess.run(
        [sys.executable, "-c", f"import {target.module}, aha_jira; print(aha_jira.__file__)"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = Path(completed.stdout.strip().splitlines()[-1])
    if where.source_copy not in loaded.parents:
        raise RuntimeError(f"the project-from-source runs import aha_jira from {loaded}, not from the copy")
    if any(where.source_copy.rglob("*.pyc")):
        raise RuntimeError("the project-from-source copy got bytecode: PYTHONDONTWRITEBYTECODE was ignored")


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
    process_ms: dict[str, float]  # whole process, by bytecode state
    process_ratio: dict[str, float]
    process_cpu_ratio: dict[str, float]  # the same ratio of CPU times

    @property
    def meets(self) -> bool:
        return self.ratio <= TARGET_RATIO and all(
            self.process_ratio[state] <= TARGET_RATIO for state in JUDGED_STATES
        )


@dataclass(frozen=True)
class ColdStartResult:
    runs: int
    states: tuple[str, ...]  # the whole-process method's bytecode states
    boto3_ms: float
    boto3_rss_mb: float
    boto3_process_ms: dict[str, float]
    bare_process_ms: dict[str, float]
    rows: list[ColdStartRow]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]

    @property
    def all_meet(self) -> bool:
        return all(row.meets for row in self.rows)


def measure(
    runs: int = RUNS, *, states: tuple[str, ...] = WHOLE_PROCESS_STATES, seed: int = 20261128
) -> ColdStartResult:
    template = load_template(REPO_ROOT / "template.yaml")
    all_targets = targets(template)
    baseline, bare, functions = all_targets[0], all_targets[1], all_targets[2:]
    rng = random.Random(seed)
    load_before = os.getloadavg()
    with layout() as where:
        check_source_layout(functions, where)
        plan: list[tuple[Target, str]] = [
            (target, IN_PROCESS) for target in all_targets if target is not bare
        ] + [(target, state) for target in all_targets for state in states]
        for target, state in plan:  # unmeasured: fills the caches of the bytecode state, as deployed
            if state == IN_PROCESS:
                run_once(target)
            else:
                run_process(target, state, where)
        for _ in range(runs):
            order = list(plan)
            rng.shuffle(order)
            for target, state in order:
                if state == IN_PROCESS:
                    target.samples.append(run_once(target))
                else:
                    wall, cpu = run_process(target, state, where)
                    target.process_s.setdefault(state, []).append(wall)
                    target.process_cpu_s.setdefault(state, []).append(cpu)
    load_after = os.getloadavg()
    boto3_s = baseline.median("import_s")
    boto3_process = {state: baseline.median_process_s(state) for state in states}
    boto3_cpu = {state: baseline.median_process_cpu_s(state) for state in states}
    rows = []
    for target in functions:
        import_s = target.median("import_s")
        process = {state: target.median_process_s(state) for state in states}
        rows.append(
            ColdStartRow(
                function=target.name,
                import_ms=import_s * 1000,
                ratio=import_s / boto3_s,
                ready_ms=target.median_ready_s() * 1000,
                ready_ratio=target.median_ready_s() / boto3_s,
                rss_mb=target.median("rss_import_kb") / 1024,
                rss_growth_mb=(target.median("rss_import_kb") - target.median("rss_start_kb")) / 1024,
                rss_ready_mb=target.median("rss_ready_kb") / 1024,
                modules=int(target.median("modules_import")),
                process_ms={state: seconds * 1000 for state, seconds in process.items()},
                process_ratio={state: process[state] / boto3_process[state] for state in process},
                process_cpu_ratio={
                    state: target.median_process_cpu_s(state) / boto3_cpu[state] for state in process
                },
            )
        )
    return ColdStartResult(
        runs=runs,
        states=states,
        boto3_ms=boto3_s * 1000,
        boto3_rss_mb=baseline.median("rss_import_kb") / 1024,
        boto3_process_ms={state: seconds * 1000 for state, seconds in boto3_process.items()},
        bare_process_ms={state: bare.median_process_s(state) * 1000 for state in states},
        rows=rows,
        load_before=load_before,
        load_after=load_after,
    )


def _verdict(ratio: float) -> str:
    return "ok" if ratio <= TARGET_RATIO else "MISSED"


def print_result(result: ColdStartResult) -> None:
    print(
        f"Cold start: median of {result.runs} fresh interpreters per target, method and state "
        f"({sys.version.split()[0]}, load average {result.load_before[0]:.2f} before, "
        f"{result.load_after[0]:.2f} after)"
    )
    print("In-process: `import app` timed inside the interpreter, all bytecode")
    print(f"  yardstick: import boto3 = {result.boto3_ms:.0f} ms, peak RSS {result.boto3_rss_mb:.1f} MB")
    print(
        f"  {'function':<16} {'import+init':>11} {'x boto3':>8} {'target':>7} {'+1st request':>13} "
        f"{'x boto3':>8} {'peak RSS':>9} {'growth':>7} {'RSS ready':>9} {'modules':>7}"
    )
    for row in result.rows:
        print(
            f"  {row.function:<16} {row.import_ms:>8.0f} ms {row.ratio:>7.2f}x "
            f"{_verdict(row.ratio):>7} {row.ready_ms:>10.0f} ms {row.ready_ratio:>7.2f}x "
            f"{row.rss_mb:>6.1f} MB {row.rss_growth_mb:>4.1f} MB {row.rss_ready_mb:>6.1f} MB {row.modules:>7}"
        )
    print('Whole process: `python -c "import app"` from start to exit, by bytecode state')
    print(f"  {'':<16} " + " ".join(f"{state:>{_WIDTH}}" for state in result.states))
    for label, values in (
        ("import boto3", result.boto3_process_ms),
        ("bare (pass)", result.bare_process_ms),
    ):
        print(f"  {label:<16} " + " ".join(f"{values[state]:>{_WIDTH - 3}.0f} ms" for state in values))
    for row in result.rows:
        cells = [
            f"{row.process_ms[state]:>4.0f} ms {row.process_ratio[state]:>4.2f}x "
            f"{_verdict(row.process_ratio[state]) if state in JUDGED_STATES else '':>6}"
            for state in result.states
        ]
        print(f"  {row.function:<16} " + " ".join(f"{cell:>{_WIDTH}}" for cell in cells))
    print(
        "  the same processes' CPU time (user + sys) / import boto3's (what the machine's load changes least):"
    )
    for row in result.rows:
        cells = [f"{row.process_cpu_ratio[state]:.2f}x" for state in result.states]
        print(f"  {row.function:<16} " + " ".join(f"{cell:>{_WIDTH}}" for cell in cells))
    verdict = "every handler meets" if result.all_meet else "NOT every handler meets"
    print(
        f"  {verdict} the target: <= {TARGET_RATIO}x import boto3 in-process and as a whole process "
        f"({' and '.join(JUDGED_STATES)})"
    )


_WIDTH = 22


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--runs", type=int, default=RUNS, help=f"fresh interpreters per target (default {RUNS})"
    )
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="also measure the whole processes with nothing cached at all (every module compiled)",
    )
    args = parser.parse_args(argv if argv is not None else [])
    states = (*WHOLE_PROCESS_STATES, UNCACHED) if args.no_bytecode else WHOLE_PROCESS_STATES
    result = measure(max(args.runs, 1), states=states)
    print_result(result)
    from bench import _report  # noqa: PLC0415 - only when the report is being assembled

    _report.record("cold_start", result)
    load = f"load average {result.load_before[0]:.1f} → {result.load_after[0]:.1f}"
    target = f"≤ {TARGET_RATIO}x `import boto3`"
    for row in result.rows:
        _report.figure(
            "Cold start",
            f"`{row.function}`: handler import and init / `import boto3`, in-process (median of {result.runs})",
            f"{row.ratio:.2f}x ({row.import_ms:.0f} ms / {result.boto3_ms:.0f} ms; peak RSS {row.rss_mb:.0f} MB; "
            f"with the first request's set-up {row.ready_ratio:.2f}x; {load})",
            target,
            row.ratio <= TARGET_RATIO,
        )
        states = "; ".join(
            f"{state} {row.process_ratio[state]:.2f}x ({row.process_ms[state]:.0f} ms / "
            f"{result.boto3_process_ms[state]:.0f} ms)"
            for state in result.states
        )
        _report.figure(
            "Cold start",
            f'`{row.function}`: whole `python -c "import app"` / `python -c "import boto3"` '
            f"(median of {result.runs})",
            f"{states}; {load}",
            f"{target} with bytecode and with the project from source",
            all(row.process_ratio[state] <= TARGET_RATIO for state in JUDGED_STATES),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""``python -m bench`` (``make bench``): every benchmark, then ``bench/RESULTS.md`` written from their figures.

Each benchmark module's ``main()`` runs in name order (``cold_start`` first, on the quietest machine), its
output shown and captured, its run saved in ``bench/results/<name>.json``; ``bench/_report.py`` then renders
RESULTS.md (the summary table and one section per benchmark) from every saved run. The reliability runs use the
scales in ``PLAN`` so that the whole run stays within about 20 minutes on two cores; their full-scale commands
are in each section's description. ``--only a,b`` runs some benchmarks and keeps the others' saved figures;
``--no-write`` neither saves nor writes.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import io
import os
import pkgutil
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bench import _report


@dataclass(frozen=True)
class Planned:
    argv: tuple[str, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()

    def command(self, module: str) -> str:
        prefix = " ".join(f"{name}={value}" for name, value in self.environment)
        return " ".join(part for part in (prefix, f"python -m bench.{module}", *self.argv) if part)


# Scales `make bench` runs (default: the module's own). The webhook reliability runs at half the issue's
# scale (1,000 events for 100 issues, ~4 minutes): moto's transactions copy whole tables, so its time grows
# faster than the events. Full scale, for the record:
#   python -m bench.webhook_reliability               (100 issues, 2,000 events: ~14 minutes, ~9 GB in moto)
#   python -m bench.send_reliability --sends 200      (the scale, run here too: ~2 minutes)
# `BENCH_FULL_SCALE=1 python -m bench --only webhook_reliability` records the full-scale run in the report.
_WEBHOOK_EVENTS = "2000" if os.environ.get("BENCH_FULL_SCALE") == "1" else "1000"
# The release benchmarks run at the scale (1,000 features x 10 requirements). The send runs with Jira's
# burst limit at 2 requests a second a class, so that Jira is the bottleneck: at 4 a second (2026-12-07, load
# 2) this one process (moto, the simulator and the five release workers share its GIL) drove 2.77 writes a
# second, 0 429s: 0.69 of a limit it never reached. The faults run keeps the module's default (4).
PLAN: dict[str, Planned] = {
    "release_send": Planned(("--rate", "2")),
    "release_dry_run": Planned(("--rate", "1")),
    "send_reliability": Planned(("--sends", "200")),
    "webhook_reliability": Planned(environment=(("ISSUES", "100"), ("EVENTS", _WEBHOOK_EVENTS))),
}


class _Tee(io.TextIOBase):
    """Writes to the terminal (without the handlers' metric lines) and keeps everything."""

    def __init__(self, terminal: TextIO) -> None:
        self._terminal = terminal
        self.captured = io.StringIO()
        self._line = ""

    def write(self, text: str) -> int:
        self.captured.write(text)
        self._line += text
        *complete, self._line = self._line.split("\n")
        for line in complete:
            if not line.startswith('{"_aws":'):
                self._terminal.write(line + "\n")
        self._terminal.flush()
        return len(text)

    def flush(self) -> None:
        self._terminal.flush()


@contextlib.contextmanager
def _environment(values: tuple[tuple[str, str], ...]) -> Iterator[None]:
    previous = {name: os.environ.get(name) for name, _ in values}
    os.environ.update(dict(values))
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _title(module: Any, name: str) -> tuple[str, str]:
    doc = inspect.getdoc(module) or name
    first, _, rest = doc.partition("\n")
    return first.rstrip("."), rest.strip()


def run_module(name: str) -> _report.ModuleRun:
    module = importlib.import_module(f"bench.{name}")
    planned = PLAN.get(name, Planned())
    title, description = _title(module, name)
    run = _report.ModuleRun(
        module=name,
        command=planned.command(name),
        title=title,
        description=description,
        started=datetime.now(UTC),
    )
    _report.start_module(name)
    tee = _Tee(sys.stdout)
    started = time.perf_counter()
    print(f"== {run.command}", flush=True)
    try:
        with contextlib.redirect_stdout(tee), _environment(planned.environment):
            main = module.main
            takes_argv = bool(inspect.signature(main).parameters)
            result = main(list(planned.argv)) if takes_argv else main()
        run.status = result if isinstance(result, int) else 0
    except Exception:
        run.status = 1
        tee.write(traceback.format_exc())
        sys.stdout.write(traceback.format_exc())
    run.seconds = time.perf_counter() - started
    run.output = tee.captured.getvalue()
    return run


def benchmark_names() -> list[str]:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not info.name.startswith("_")
    )
    return [
        name for name in names if callable(getattr(importlib.import_module(f"bench.{name}"), "main", None))
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks and write bench/RESULTS.md.")
    parser.add_argument("--only", default="", help="comma-separated benchmark names (default: all)")
    parser.add_argument("--no-write", action="store_true", help="save nothing, leave RESULTS.md alone")
    args = parser.parse_args(argv)
    names = benchmark_names()
    if args.only:
        wanted = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            parser.error(f"unknown benchmarks {unknown}; known: {names}")
        names = [name for name in names if name in wanted]
    started = time.perf_counter()
    runs = []
    for name in names:
        run = run_module(name)
        runs.append(run)
        if not args.no_write:
            _report.save(run)
    total = time.perf_counter() - started
    if not args.no_write:
        path = _report.write()
        print(f"wrote {path} ({total / 60:.1f} minutes)")
    failed = [run.module for run in runs if run.status]
    if failed:
        print(f"benchmarks that failed or found a broken invariant: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

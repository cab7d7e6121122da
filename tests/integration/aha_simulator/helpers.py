"""Shared helpers for the Aha! simulator's own tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference"


def reference(name: str) -> Any:
    return json.loads((REFERENCE / name).read_text())


def shape_problems(sample: Any, actual: Any, where: str = "") -> list[str]:
    """Where ``actual`` lacks a key of ``sample`` or holds another JSON type (recursively; a null or empty
    list in the sample says nothing about the type). Extra keys in ``actual`` are allowed."""
    problems: list[str] = []
    if sample is None:
        return problems
    if isinstance(sample, dict):
        if not isinstance(actual, dict):
            return [f"{where or '(root)'}: expected an object, got {type(actual).__name__}"]
        for key, value in sample.items():
            if key not in actual:
                problems.append(f"{where}/{key}: missing")
            else:
                problems += shape_problems(value, actual[key], f"{where}/{key}")
        return problems
    if isinstance(sample, list):
        if not isinstance(actual, list):
            return [f"{where}: expected a list, got {type(actual).__name__}"]
        if sample and actual:
            problems += shape_problems(sample[0], actual[0], f"{where}[0]")
        return problems
    if actual is not None and type(actual) is not type(sample):
        problems.append(f"{where}: expected {type(sample).__name__}, got {type(actual).__name__}")
    return problems

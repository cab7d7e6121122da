"""Aha!'s estimate texts ("1d 2h 30min") to minutes and back.

Aha! counts estimates and work done in minutes when a record's ``work_units`` is 10 (time), with 8-hour
days and 5-day weeks (its account defaults). A bare number has no unit, so it is refused rather than guessed.
"""

from __future__ import annotations

import re

MINUTES_PER_HOUR = 60
HOURS_PER_DAY = 8
DAYS_PER_WEEK = 5

_UNITS: dict[str, int] = {
    "w": DAYS_PER_WEEK * HOURS_PER_DAY * MINUTES_PER_HOUR,
    "wk": DAYS_PER_WEEK * HOURS_PER_DAY * MINUTES_PER_HOUR,
    "week": DAYS_PER_WEEK * HOURS_PER_DAY * MINUTES_PER_HOUR,
    "weeks": DAYS_PER_WEEK * HOURS_PER_DAY * MINUTES_PER_HOUR,
    "d": HOURS_PER_DAY * MINUTES_PER_HOUR,
    "day": HOURS_PER_DAY * MINUTES_PER_HOUR,
    "days": HOURS_PER_DAY * MINUTES_PER_HOUR,
    "h": MINUTES_PER_HOUR,
    "hr": MINUTES_PER_HOUR,
    "hrs": MINUTES_PER_HOUR,
    "hour": MINUTES_PER_HOUR,
    "hours": MINUTES_PER_HOUR,
    "m": 1,
    "min": 1,
    "mins": 1,
    "minute": 1,
    "minutes": 1,
}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")


def parse_duration(text: str) -> int | None:
    """Minutes in ``text`` ("1d 2h 30min", "1.5h", "45 min"), or None when it is not a duration."""
    cleaned = text.strip().lower().replace(",", " ")
    if not cleaned:
        return None
    total = 0.0
    position = 0
    for match in _PART.finditer(cleaned):
        if cleaned[position : match.start()].strip():
            return None
        unit = _UNITS.get(match.group(2))
        if unit is None:
            return None
        total += float(match.group(1)) * unit
        position = match.end()
    if position == 0 or cleaned[position:].strip():
        return None
    return round(total)


def format_duration(minutes: int | None) -> str:
    """``95`` -> ``"1h 35min"`` (days of 8 hours); ``0`` -> ``"0min"``."""
    if minutes is None:
        return ""
    parts: list[str] = []
    remaining = int(minutes)
    for label, size in (("d", HOURS_PER_DAY * MINUTES_PER_HOUR), ("h", MINUTES_PER_HOUR)):
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{label}")
    if remaining or not parts:
        parts.append(f"{remaining}min")
    return " ".join(parts)

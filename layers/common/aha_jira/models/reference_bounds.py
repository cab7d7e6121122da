"""The length bound of a roadmap reference (`models.references`), in a module that imports nothing: a
handler declares its query parameters with it at cold start, before pydantic is loaded."""

from __future__ import annotations

MAX_REFERENCE_LENGTH = 64

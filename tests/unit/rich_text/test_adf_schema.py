"""The tests' ADF schema check must be Atlassian's schema: its faster `anyOf` answers as plain draft-04
validation does, on documents that pass and on documents the schema refuses."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from aha_jira.jira.rich_text import html_to_adf
from tests.adf_schema import ADF_SCHEMA, adf_schema_errors

from .adf_nodes import color, doc, image, li, p, sub, table, task, td, text, tr, ul
from .aha_descriptions import ALL

PLAIN = jsonschema.Draft4Validator(json.loads(ADF_SCHEMA.read_text()))

VALID: dict[str, Any] = {
    "marks": doc(p(sub("2"), text("red", color("#ff0000")))),
    "image": doc(image("https://x.example/a.png", "a")),
    "task list": doc({"type": "taskList", "attrs": {"localId": "a"}, "content": [
        {**task("DONE", "x"), "attrs": {"localId": "b", "state": "DONE"}}]}),
    "table": doc(table(tr(td(p("a"), ul(li("b")))))),
    **{name: html_to_adf(html) for name, html in ALL.items()},
}  # fmt: skip
INVALID: dict[str, Any] = {
    "colour by name": doc(p(text("red", color("red")))),
    "subsup without its type": doc(p(text("x", {"type": "subsup"}))),
    "task list without localId": doc({"type": "taskList", "content": [task("DONE", "x")]}),
    "task item with another state": doc(
        {
            "type": "taskList",
            "attrs": {"localId": "a"},
            "content": [{"type": "taskItem", "attrs": {"localId": "b", "state": "MAYBE"}}],
        }
    ),
    "media in a paragraph": doc(p(image("https://x.example/a.png")["content"][0])),
    "external media without url": doc(
        {
            "type": "mediaSingle",
            "attrs": {"layout": "center"},
            "content": [{"type": "media", "attrs": {"type": "external"}}],
        }
    ),
    "file media without collection": doc(
        {"type": "mediaSingle", "content": [{"type": "media", "attrs": {"type": "file", "id": "1"}}]}
    ),
    "mediaSingle with two media": doc(
        {"type": "mediaSingle", "content": [image("https://x.example/a")["content"][0]] * 2}
    ),
    "text in a list": doc(ul({"type": "listItem", "content": [text("loose")]})),
    "empty text": doc(p({"type": "text", "text": ""})),
    "table in a cell": doc(table(tr(td(table(tr(td("x"))))))),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_documents_pass_both(name: str) -> None:
    assert PLAIN.is_valid(VALID[name])
    assert adf_schema_errors(VALID[name]) == []


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_documents_fail_both(name: str) -> None:
    assert not PLAIN.is_valid(INVALID[name])
    assert adf_schema_errors(INVALID[name])

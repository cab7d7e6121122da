"""The test-side ADF checker must itself reject what Jira would refuse, or the validity tests prove nothing."""

from __future__ import annotations

from typing import Any

import pytest

from .adf_nodes import br, code_block, doc, h, li, link, ol, p, quote, rule, table, td, text, th, tr, ul
from .adf_rules import AdfError, validate_adf


def test_a_document_using_every_node_passes() -> None:
    validate_adf(
        doc(
            h(1, "T", br(), text("x", "strong")),
            p(text("a", "code", link("https://x.example")), " ", text("b", "em", "underline", "strike")),
            ul(li(p(), ol(li("x"), order=0))),
            code_block("x", "python"),
            code_block(""),
            quote(p("q"), ul(li("l"))),
            rule(),
            table(tr(th("a", colspan=2)), tr(td("b", rowspan=2), td("c")), tr(td(p("d"), ul(li("e"))))),
        )
    )


BAD: dict[str, Any] = {
    "not a doc": {"type": "paragraph", "content": []},
    "wrong version": {"type": "doc", "version": 2, "content": []},
    "empty text": doc(p(text(""))),
    "text at top level": doc(text("x")),
    "block in paragraph": doc(p(p("x"))),
    "marks on a paragraph": doc({**p("x"), "marks": [{"type": "strong"}]}),
    "duplicate marks": doc(p(text("x", "strong", "strong"))),
    "code with strong": doc(p(text("x", "code", "strong"))),
    "unknown mark": doc(p(text("x", "blink"))),
    "link without href": doc(p(text("x", {"type": "link", "attrs": {}}))),
    "javascript link": doc(p(text("x", link("javascript:alert(1)")))),
    "unmerged neighbours": doc(p("a", "b")),
    "list item starting with list": doc(ul(li(ul(li("x"))))),
    "empty list": doc(ul()),
    "heading in list item": doc(ul(li(h(2, "x")))),
    "heading level 7": doc(h(7, "x")),
    "heading in quote": doc(quote(h(1, "x"))),
    "empty quote": doc(quote()),
    "table in cell": doc(table(tr(td(table(tr(td("x"))))))),
    "empty cell": doc(table(tr({"type": "tableCell", "content": []}))),
    "ragged table": doc(table(tr(td("a"), td("b")), tr(td("c")))),
    "rowspan past the end": doc(table(tr(td("a", rowspan=2)))),
    "marked code text": doc({"type": "codeBlock", "content": [text("x", "strong")]}),
    "extra key": doc({**p("x"), "attrs": {"align": "center"}}),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_invalid_documents_are_rejected(name: str) -> None:
    with pytest.raises(AdfError):
        validate_adf(BAD[name])

"""The package's public face: format dispatch, and the plain-text safety nets."""

from __future__ import annotations

import logging

import pytest

from aha_jira.jira import rich_text
from aha_jira.jira.rich_text import RichTextFormat, html_to_adf, html_to_wiki, render, wiki_to_text
from aha_jira.jira.rich_text import adf as adf_module
from aha_jira.jira.rich_text import wiki as wiki_module

from .adf_nodes import doc, p, text
from .adf_rules import validate_adf

HTML = "<p>Ship <b>it</b> &amp; more</p>"


def test_public_interface() -> None:
    assert sorted(rich_text.__all__) == [
        "HostedImage", "ImageHost", "RichTextFormat", "adf_to_html", "adf_to_text", "first_line",
        "html_to_adf", "html_to_wiki", "no_hosting", "render", "wiki_to_html", "wiki_to_text",
    ]  # fmt: skip
    assert [member.value for member in RichTextFormat] == ["adf", "wiki"]


def test_render_dispatches_on_format() -> None:
    assert render(HTML, RichTextFormat.ADF) == doc(p("Ship ", text("it", "strong"), " & more"))
    assert render(HTML, RichTextFormat.WIKI) == "Ship *it* & more"


def test_render_accepts_the_format_value_and_refuses_unknown_ones() -> None:
    assert render(HTML, "wiki") == "Ship *it* & more"  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="markdown"):
        render(HTML, "markdown")  # type: ignore[arg-type]


def test_none_is_treated_as_empty() -> None:
    assert html_to_adf(None) == doc()  # type: ignore[arg-type]
    assert html_to_wiki(None) == ""  # type: ignore[arg-type]


def _explode(*_: object) -> object:
    raise RuntimeError("converter bug")


def test_adf_falls_back_to_plain_text_when_the_converter_fails(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(adf_module, "document_to_adf", _explode)
    result = html_to_adf("<h1>Title</h1><p>a &lt; b <b>bold</b>\x00</p>")
    validate_adf(result)
    assert result == doc(p("Title a < b bold"))
    assert [r.levelno for r in caplog.records if r.name == adf_module.__name__] == [logging.ERROR]
    caplog.clear()


def test_wiki_falls_back_to_escaped_plain_text_when_the_converter_fails(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(wiki_module, "document_to_wiki", _explode)
    assert html_to_wiki("<p>- a *b* [c]</p>") == "\\- a \\*b\\* \\[c\\]"
    assert [r.levelno for r in caplog.records if r.name == wiki_module.__name__] == [logging.ERROR]
    caplog.clear()


def test_wiki_reader_falls_back_to_the_raw_markup(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(wiki_module._WikiReader, "read", _explode)
    assert wiki_to_text("  *raw* markup \n") == "*raw* markup"
    assert [r.levelno for r in caplog.records if r.name == wiki_module.__name__] == [logging.ERROR]
    caplog.clear()


@pytest.mark.parametrize(
    ("html", "line"),
    [
        ("<p>First requirement<br></p>", "First requirement"),
        ("<p><br></p><h2>  Title <b>bold</b> </h2><p>rest</p>", "Title bold"),
        ("<p>one<br>two</p>", "one"),
        ("<ul><li>item</li></ul>", "• item"),
        ('<p><img src="https://x.example/a.png" alt="diagram"></p>', "diagram"),
        ("", ""),
        ("<p> </p>", ""),
    ],
)
def test_first_line(html: str, line: str) -> None:
    assert rich_text.first_line(html) == line

"""Jira's rich text back into roadmap HTML (`adf_to_html`, `wiki_to_html`): what Jira-native content becomes,
the real captures' descriptions, and hostile input kept as text."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from aha_jira.jira.rich_text import adf_html as adf_html_module
from aha_jira.jira.rich_text import adf_to_html, wiki_to_html, wiki_to_text
from aha_jira.jira.rich_text import wiki_html as wiki_html_module

from .adf_nodes import br, color, doc, h, image, li, link, ol, p, quote, sub, sup, text, ul

CAPTURES = Path(__file__).resolve().parents[4] / "shared" / "reference" / "jira-webhooks"


def test_adf_marks_and_blocks() -> None:
    document = doc(
        h(2, "Plan"),
        p("H", sub("2"), "O ", sup("n"), " ", text("red", color("#de350b"), "strong"), br(),
          text("docs", link("https://x.example/d?a=1&b=2"))),
        ol(li("one"), li(p("two"), ul(li("deep"))), order=3),
        quote(p("quoted")),
        image("https://cdn.example/a.png", "diagram", href="https://x.example"),
    )  # fmt: skip
    assert adf_to_html(document) == (
        "<h2>Plan</h2>"
        '<p>H<sub>2</sub>O <sup>n</sup> <span style="color: #de350b"><strong>red</strong></span><br>'
        '<a href="https://x.example/d?a=1&amp;b=2">docs</a></p>'
        '<ol start="3"><li><p>one</p></li><li><p>two</p><ul><li><p>deep</p></li></ul></li></ol>'
        "<blockquote><p>quoted</p></blockquote>"
        '<p><a href="https://x.example"><img src="https://cdn.example/a.png" alt="diagram"></a></p>'
    )


def test_jira_native_nodes_keep_their_words() -> None:
    document: dict[str, Any] = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "panel", "attrs": {"panelType": "info"}, "content": [p("Heads up")]},
            {"type": "expand", "attrs": {"title": "Details"}, "content": [p("hidden")]},
            {"type": "paragraph", "content": [
                {"type": "mention", "attrs": {"id": "5f1e", "text": "@Erin"}},
                {"type": "text", "text": " "},
                {"type": "emoji", "attrs": {"shortName": ":smile:", "text": "😄"}},
                {"type": "text", "text": " "},
                {"type": "status", "attrs": {"text": "BLOCKED", "color": "red"}},
                {"type": "text", "text": " "},
                {"type": "date", "attrs": {"timestamp": "1717200000000"}},
                {"type": "text", "text": " "},
                {"type": "inlineCard", "attrs": {"url": "https://x.example/card"}},
            ]},
            {"type": "decisionList", "attrs": {"localId": "d"}, "content": [
                {"type": "decisionItem", "attrs": {"localId": "e", "state": "DECIDED"}, "content": [text("Go")]}]},
            {"type": "mediaSingle", "content": [{"type": "media", "attrs": {"type": "file", "id": "abc", "collection": "", "alt": "shot.png"}}]},
            {"type": "extension", "attrs": {"extensionKey": "x", "extensionType": "y"}},
            {"type": "blockCard", "attrs": {"url": "javascript:alert(1)"}},
        ],
    }  # fmt: skip
    assert adf_to_html(document) == (
        "<blockquote><p>Heads up</p></blockquote><p><strong>Details</strong></p><p>hidden</p>"
        '<p>@Erin 😄 BLOCKED 2024-06-01 <a href="https://x.example/card">https://x.example/card</a></p>'
        "<ul><li><p>Go</p></li></ul><p>shot.png</p>"
    )
    shown = adf_to_html(document, media_url=lambda attrs: f"https://jira.example/media/{attrs['id']}")
    assert '<p><img src="https://jira.example/media/abc" alt="shot.png"></p>' in shown


def test_checklists_from_adf_and_wiki() -> None:
    task_list = {"type": "taskList", "attrs": {"localId": "l"}, "content": [
        {"type": "taskItem", "attrs": {"localId": "a", "state": "DONE"}, "content": [text("done")]},
        {"type": "taskList", "attrs": {"localId": "m"}, "content": [
            {"type": "taskItem", "attrs": {"localId": "b", "state": "TODO"}, "content": [text("nested")]}]},
    ]}  # fmt: skip
    expected = (
        '<ul data-type="taskList"><li data-type="taskItem" data-checked="true"><p>done</p>'
        '<ul data-type="taskList"><li data-type="taskItem" data-checked="false"><p>nested</p></li></ul></li></ul>'
    )
    assert adf_to_html(doc(task_list)) == expected
    assert wiki_to_html("* \\[x\\] done\n** [ ] nested") == expected
    # A list with one unmarked item is a plain list, its markers text.
    assert wiki_to_html("* [x] done\n* plain") == "<ul><li><p>[x] done</p></li><li><p>plain</p></li></ul>"


def test_wiki_typed_by_an_engineer() -> None:
    wiki = (
        "h1. Findings\n"
        "The *root cause* is in _the_ {{sync}} job; see [the runbook|https://wiki.example/rb] and [~erin].\n"
        "Second line of the paragraph, H~2~O, x^2^, {color:red}urgent{color}, -gone-, +new+, ??cite??.\n\n"
        "# first\n# second\n## nested\n\n"
        "||Col||Other||\n|a|[x|https://x.example/1]|\n\n"
        "{code:java}\nint x = 1;\n{code}\n"
        "bq. a quote\n"
        "{quote}\nlonger quote\n{quote}\n"
        "!diagram.png|thumbnail! !https://cdn.example/i.png|alt=icon!\n"
        "----\n"
        "{panel:title=Note}inside a panel{panel}"
    )
    html = wiki_to_html(wiki, attachment_url=lambda name: f"https://jira.example/att/{name}")
    assert html == (
        "<h1>Findings</h1>"
        "<p>The <strong>root cause</strong> is in <em>the</em> <code>sync</code> job; see "
        '<a href="https://wiki.example/rb">the runbook</a> and erin.<br>'
        'Second line of the paragraph, H<sub>2</sub>O, x<sup>2</sup>, <span style="color: #ff0000">urgent</span>, '
        "<s>gone</s>, <u>new</u>, <em>cite</em>.</p>"
        "<ol><li><p>first</p></li><li><p>second</p><ol><li><p>nested</p></li></ol></li></ol>"
        '<table><tbody><tr><th><p>Col</p></th><th><p>Other</p></th></tr><tr><td><p>a</p></td><td><p><a href="https://x.example/1">x</a></p></td></tr></tbody></table>'
        '<pre><code class="language-java">int x = 1;</code></pre>'
        "<blockquote><p>a quote</p></blockquote><blockquote><p>longer quote</p></blockquote>"
        '<p><img src="https://jira.example/att/diagram.png"> <img src="https://cdn.example/i.png" alt="icon"></p>'
        "<hr><blockquote><p>inside a panel</p></blockquote>"
    )


def test_captured_descriptions_keep_their_text() -> None:
    seen = 0
    for path in sorted(CAPTURES.glob("*.json")):
        payload = json.loads(path.read_text())
        description = ((payload.get("issue") or {}).get("fields") or {}).get("description")
        if not isinstance(description, str) or not description:
            continue
        seen += 1
        html = wiki_to_html(description)
        assert html.startswith("<p>"), path.name
        assert wiki_to_text(description) in html.replace("&amp;", "&"), path.name
    assert seen >= 10


@pytest.mark.parametrize(
    "wiki",
    [
        "<script>alert(1)</script>",
        "[click|javascript:alert(1)]",
        "!javascript:alert(1)!",
        '{color:"><script>}x{color}',
        '[x|https://a.example/"><script>]',
        "*" * 500 + "x",
        "{code}\nunterminated",
        "{quote}\n{quote}\n{quote}",
        "|| || |",
        "\\",
        "{{",
        "h1.",
    ],
)
def test_hostile_wiki_stays_text(wiki: str) -> None:
    html = wiki_to_html(wiki)
    assert "<script" not in html and '="javascript:' not in html


@pytest.mark.parametrize(
    "value",
    [None, "plain string", 42, [], {"type": "doc"}, {"type": "doc", "content": [{"type": "paragraph", "content": "x"}]},
     {"type": "doc", "content": [{"type": "text", "text": "<b>loose</b>", "marks": [{"type": "link", "attrs": {"href": "javascript:x"}}]}]}],
)  # fmt: skip
def test_hostile_adf_never_raises(value: Any) -> None:
    html = adf_to_html(value)
    assert "<b>" not in html and '="javascript:' not in html


def test_readers_fall_back_to_plain_text(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*_: object) -> object:
        raise RuntimeError("reader bug")

    monkeypatch.setattr(adf_html_module, "document_to_html", explode)
    monkeypatch.setattr(wiki_html_module, "document_to_html", explode)
    assert adf_to_html(doc(p("a < b"))) == "<p>a &lt; b</p>"
    assert wiki_to_html("*a* < b") == "<p>a &lt; b</p>"
    assert [r.levelno for r in caplog.records if r.name.startswith("aha_jira.jira.rich_text")] == [
        logging.ERROR,
        logging.ERROR,
    ]
    caplog.clear()

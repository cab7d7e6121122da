"""Reading Jira descriptions back as plain text (issues created in Jira are imported as features)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from aha_jira.jira.rich_text import adf_to_text, html_to_adf, html_to_wiki, wiki_to_text

from .adf_nodes import br, code_block, doc, h, li, link, ol, p, quote, rule, table, td, text, th, tr, ul
from .aha_descriptions import ALL, RELEASE_NOTES, SPECIAL_CHARACTERS, USER_STORY

# -- ADF written by Jira ---------------------------------------------------------------------------


def test_adf_as_jira_cloud_writes_it() -> None:
    description = doc(
        h(2, "Context"),
        p(
            "Raised by ",
            {"type": "mention", "attrs": {"id": "5b10ac8d82e05b22cc7d4ef5", "text": "@Ana Lima"}},
            " ",
            {"type": "emoji", "attrs": {"shortName": ":warning:", "text": "⚠️"}},
            " see ",
            {"type": "inlineCard", "attrs": {"url": "https://acme.atlassian.net/browse/MOB-7"}},
            " by ",
            {"type": "date", "attrs": {"timestamp": "1767225600000"}},
            " ",
            {"type": "status", "attrs": {"text": "BLOCKED", "color": "red"}},
        ),
        {"type": "panel", "attrs": {"panelType": "info"}, "content": [p("Panel text")]},
        {"type": "expand", "attrs": {"title": "More"}, "content": [p("Hidden ", text("detail", "strong"))]},
        {
            "type": "mediaSingle",
            "content": [{"type": "media", "attrs": {"type": "file", "id": "abc", "collection": "x"}}],
        },
        ol(li("first"), li(p("second"), ul(li("nested"))), order=3),
        {
            "type": "taskList",
            "attrs": {"localId": "t"},
            "content": [
                {"type": "taskItem", "attrs": {"localId": "1", "state": "TODO"}, "content": [text("Do it")]}
            ],
        },
        table(tr(th("K"), th("V")), tr(td("a"), td(p("1"), p("2")))),
        code_block("x = 1\n\n\ny = 2", "python"),
        rule(),
        quote(p("quoted", br(), "twice")),
        {"type": "blockCard", "attrs": {"url": "https://example.com/card"}},
    )
    assert adf_to_text(description) == (
        "Context\n\n"
        "Raised by @Ana Lima ⚠️ see https://acme.atlassian.net/browse/MOB-7 by 2026-01-01 BLOCKED\n\n"
        "Panel text\n\n"
        "Hidden detail\n\n"
        "3. first\n4. second\n  - nested\n\n"
        "- Do it\n\n"
        "K | V\na | 1\n2\n\n"
        "x = 1\n\n\ny = 2\n\n"
        "quoted\ntwice\n\n"
        "https://example.com/card"
    )


@pytest.mark.parametrize(
    "value",
    [None, {}, {"type": "doc"}, {"type": "doc", "content": "nope"}, {"content": [1, "x", None, [], {"type": 5}]},
     {"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text", "text": None}]}]},
     {"type": "doc", "content": [{"type": "orderedList", "attrs": {"order": "x"}, "content": [{"content": 3}]}]},
     {"type": "doc", "content": [{"type": "date", "attrs": {"timestamp": "not a number"}}]}],
)  # fmt: skip
def test_adf_reader_tolerates_malformed_documents(value: Any) -> None:
    assert adf_to_text(value) == ""


def test_adf_reader_accepts_a_v2_string() -> None:
    assert adf_to_text("  plain description \n") == "plain description"  # type: ignore[arg-type]


def test_adf_reader_survives_deep_nesting() -> None:
    node: dict[str, Any] = p("bottom")
    for _ in range(5000):
        node = {"type": "blockquote", "content": [node]}
    deep = doc(p("top"), node)
    assert adf_to_text(deep) == "top"


def test_adf_reader_reads_unknown_inline_containers_and_loose_inline_nodes() -> None:
    value = doc(text("loose"), {"type": "futureBlock", "content": [p("kept")]})
    assert adf_to_text(value) == "loose\n\nkept"


# -- wiki written by Jira Data Center --------------------------------------------------------------


def test_wiki_as_jira_data_center_writes_it() -> None:
    wiki = (
        "h1. Overview\r\n"
        "Reported by [~jdoe] about [the docs|https://example.com/docs] and [https://example.com].\r\n"
        "Attachment [^screen.png] and !screen.png|thumbnail! inline.\r\n"
        "\r\n"
        "{color:red}*Important*{color} _really_ -gone- +new+ ^sup^ ~sub~ ??cite?? {{mono}} x{*}in{*}word\r\n"
        "\r\n"
        "* one\r\n"
        "** one.a\r\n"
        "* two\r\n"
        "# first\r\n"
        "#* bullet under first\r\n"
        "# second\r\n"
        "- dash item\r\n"
        "\r\n"
        "||Key||Value||\r\n"
        "|a|[link|https://x.example/?a=1]|\r\n"
        "|b|two\\\\lines|\r\n"
        "\r\n"
        "{code:java}\r\n"
        "int *p = null;\r\n"
        "\r\n"
        "\r\n"
        "return _x_;\r\n"
        "{code}\r\n"
        "{noformat}one-line{noformat}\r\n"
        "{quote}\r\n"
        "bq text\r\n"
        "{quote}\r\n"
        "bq. short quote\r\n"
        "{panel:title=Note}\r\n"
        "Inside panel\r\n"
        "{panel}\r\n"
        "----\r\n"
        "Escaped \\*stars\\* and \\{braces\\} and a&#92;b &amp; well-known -5"
    )
    assert wiki_to_text(wiki) == (
        "Overview\n\n"
        "Reported by jdoe about the docs and https://example.com.\n"
        "Attachment screen.png and screen.png inline.\n\n"
        "Important really gone new sup sub cite mono xinword\n\n"
        "- one\n  - one.a\n- two\n1. first\n  - bullet under first\n2. second\n- dash item\n\n"
        "Key | Value\na | link\nb | two\nlines\n\n"
        "int *p = null;\n\n\nreturn _x_;\n\n"
        "one-line\n\n"
        "bq text\n\n"
        "short quote\n\n"
        "Inside panel\n\n"
        "Escaped *stars* and {braces} and a\\b & well-known -5"
    )


@pytest.mark.parametrize("value", [None, "", "   ", "\n\n", "{quote}{quote}", "{code}\n{code}", "----"])
def test_wiki_reader_empty_input(value: str | None) -> None:
    assert wiki_to_text(value) == ""


@pytest.mark.parametrize(
    ("wiki", "expected"),
    [
        ("{code}never closed\nline", "never closed\nline"),
        ("[unclosed link", "[unclosed link"),
        ("|unclosed table", "unclosed table"),
        ("*unclosed bold", "*unclosed bold"),
        ("trailing \\", "trailing \\"),
        ("{{ open", "{{ open"),
        ("!! bang", "!! bang"),
        ("{", "{"),
    ],
)
def test_wiki_reader_keeps_text_of_broken_markup(wiki: str, expected: str) -> None:
    assert wiki_to_text(wiki) == expected


# -- round trips -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["user_story", "release_notes", "special_characters"])
def test_both_formats_read_back_to_the_same_text(name: str) -> None:
    html = ALL[name]
    assert adf_to_text(html_to_adf(html)) == wiki_to_text(html_to_wiki(html))


def test_round_trip_text_of_the_user_story() -> None:
    expected = (
        "As a mobile user I want to save my cart so that I can finish checkout later.\n\n"
        "Acceptance criteria\n\n"
        "1. The cart survives an app restart\n"
        "2. Items out of stock are flagged, not removed\n"
        "  - show a badge\n"
        "  - offer a similar item\n"
        "3. Prices refresh on open\n\n"
        "See the design for details."
    )
    assert adf_to_text(html_to_adf(USER_STORY)) == expected
    assert wiki_to_text(html_to_wiki(USER_STORY)) == expected


def test_escaped_text_survives_the_wiki_round_trip() -> None:
    expected_paragraphs = [
        "Use *args and **kwargs, snake_case names, {braces}, [brackets] and a|b pipes.",
        "- not a list item",
        "# not numbered either",
        "h1. not a heading",
        "Ranges like 10-20, well-known terms, a spaced - dash and -negative numbers.",
    ]
    assert wiki_to_text(html_to_wiki(SPECIAL_CHARACTERS)).split("\n\n") == expected_paragraphs


@pytest.mark.parametrize(
    "fragment",
    [
        "<p>ok :) fine ;) (i) ?? C++ e^x ~t~ !x! C:\\temp a--b -c- {x} 10:30</p>",
        "<p><b>bold*star</b> <i>it_al</i> <u>plus+</u> <s>mi-nus</s> <code>co{{de}}</code></p>",
        "<p>un<b>believ</b>able and <b>x</b><i>y</i></p>",
        "<ul><li>a|b<ul><li>[c]</li></ul></li></ul><table><tr><th>h|1</th><td>*2*</td></tr></table>",
        "<h3>Title - with * stars</h3><blockquote>quote {quote}</blockquote>",
        '<p><a href="https://example.com/x_y">label_with_underscores</a></p>',
    ],
)
def test_every_word_survives_both_formats(fragment: str) -> None:
    # Inline tags join words (un<b>believ</b>able is one word); other tags separate them.
    joined = re.sub(r"</?(?:b|i|u|s|code|a)\b[^>]*>", "", fragment)
    words = re.findall(r"\w+", unescape(re.sub(r"<[^>]+>", " ", joined)))
    for result in (adf_to_text(html_to_adf(fragment)), wiki_to_text(html_to_wiki(fragment))):
        assert re.findall(r"\w+", result) == words


def test_release_notes_code_survives_verbatim() -> None:
    code = "def retry(job):\n    return job.run(attempts=3)"
    assert code in adf_to_text(html_to_adf(RELEASE_NOTES))
    assert code in wiki_to_text(html_to_wiki(RELEASE_NOTES))


def test_link_helpers_are_plain_dicts() -> None:
    # Guards the expected-output builders the other tests rely on.
    assert text("x", "strong", link("https://a")) == {
        "type": "text",
        "text": "x",
        "marks": [{"type": "strong"}, {"type": "link", "attrs": {"href": "https://a"}}],
    }

"""Property-style: random tag soup never makes a converter raise, and always gives valid output."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from aha_jira.jira.rich_text import adf_to_text, html_to_adf, html_to_wiki, wiki_to_text
from aha_jira.jira.rich_text.adf_html import adf_document
from aha_jira.jira.rich_text.adf_writer import document_to_adf
from aha_jira.jira.rich_text.html_reader import build_document
from aha_jira.jira.rich_text.html_writer import document_to_html
from aha_jira.jira.rich_text.wiki_html import wiki_document
from aha_jira.jira.rich_text.wiki_writer import document_to_wiki

from .adf_rules import validate_adf

TAGS = [
    "p", "div", "span", "br", "b", "strong", "i", "em", "u", "s", "del", "code", "kbd", "pre", "a", "a", "img",
    "ul", "ol", "li", "li", "table", "table", "thead", "tbody", "tr", "tr", "td", "td", "th", "th", "caption", "h1", "h2", "h3", "h6",
    "blockquote", "hr", "script", "style", "x-widget", "font", "sup", "sub", "dl", "dt", "dd", "section", "col",
    "span", "ul", "li", "input", "label",
]  # fmt: skip
ATTRIBUTES = {
    "a": ['href="https://x.example/a_b?c=1|2"', 'href="mailto:pm@x.example"', 'href="javascript:alert(1)"',
          'href="/relative"', 'href=""', "href", 'href=" https://x.example/ sp "'],
    "img": ['src="https://img.example/p.png" alt="pic"', 'src="https://img.example/q.png"',
            'src="data:image/png;base64,AA" alt="inline"', "src", 'alt="only alt"'],
    "td": ['colspan="2"', 'rowspan="3"', 'colspan="0"', 'rowspan="-1"', 'colspan="999999"', 'rowspan="x"'],
    "th": ['colspan="3"', 'rowspan="2"'],
    "ol": ['start="5"', 'start="0"', 'start="-3"', 'start="zz"'],
    "pre": ['class="language-python"', 'class="lang-<x>"', 'data-lang="c#"'],
    "code": ['class="language-sql"'],
    "span": ['style="color: #de350b"', 'style="color: rgb(0, 82, 204)"', 'style="color: red; color: bogus"'],
    "font": ['color="#00ff00"', 'color="nonsense"'],
    "ul": ['data-type="taskList"', 'class="checklist"'],
    "li": ['data-checked="true"', 'data-checked="false"', 'class="checked"', 'data-type="taskItem"'],
    "input": ['type="checkbox" checked', 'type="checkbox"'],
}  # fmt: skip
TEXTS = [
    "word", "word", "word", " ", "\n", "  spaced  ", "\t", "*", "**", "_", "+", "^", "~", "{", "}", "[", "]", "|",
    "||", "-", "--", "----", "#", "h1. ", "bq. ", "!", "\\", "\\\\", "?", "??", ":)", "(i)", "&amp;", "&nbsp;",
    "&#0;", "&#xD800;", "&bogus;", "&", ">", "é", "😀", "\x00", "\x1b", "\ud800", "http://u.example/a_b*c",
    "{code}", "{noformat}", "{{", "}}", "\r\n", "\u00a0",
]  # fmt: skip
JUNK = [
    "<!--", "-->", "<!-- c -->", "<![foo[", "]]>", "<!DOCTYPE x>", "<?php ?>", "</", "<", "<p", '"', "'",
    "<a href='", "</>", "<!x[", "<![CDATA[", "<![if x]>", "</br>", "<br/>", "<p/>", "<td", "=",
]  # fmt: skip


def tag_soup(rng: random.Random) -> str:
    parts: list[str] = []
    for _ in range(rng.randint(1, 40)):
        roll = rng.random()
        if roll < 0.35:
            tag = rng.choice(TAGS)
            attrs = ""
            if tag in ATTRIBUTES and rng.random() < 0.7:
                attrs = " " + " ".join(
                    rng.sample(ATTRIBUTES[tag], k=min(len(ATTRIBUTES[tag]), rng.randint(1, 2)))
                )
            closing = "/" if rng.random() < 0.05 else ""
            parts.append(f"<{tag.upper() if rng.random() < 0.1 else tag}{attrs}{closing}>")
        elif roll < 0.6:
            parts.append(f"</{rng.choice(TAGS)}>")
        elif roll < 0.93:
            parts.append(rng.choice(TEXTS))
        else:
            parts.append(rng.choice(JUNK))
    return "".join(parts)


SOUPS = [tag_soup(random.Random(seed)) for seed in range(600)]


@pytest.mark.parametrize("chunk", range(6))
def test_tag_soup_never_raises_and_is_always_valid(chunk: int) -> None:
    for soup in SOUPS[chunk * 100 : (chunk + 1) * 100]:
        # The strict paths, without the plain-text safety net, must cope on their own.
        document = build_document(soup)
        adf = document_to_adf(document)
        wiki = document_to_wiki(document)
        try:
            validate_adf(adf)
        except AssertionError as error:
            raise AssertionError(f"{error}\nfor soup {soup!r}") from error
        json.dumps(adf, ensure_ascii=False).encode("utf-8")
        wiki.encode("utf-8")
        assert "\x00" not in wiki
        assert html_to_adf(soup) == adf
        assert html_to_wiki(soup) == wiki
        adf_text, wiki_text = adf_to_text(adf), wiki_to_text(wiki)
        # Both formats carry the same words (images differ: alt text in ADF, URL in wiki).
        assert adf_text.count("word") == wiki_text.count("word"), soup
        # Read back as HTML (the strict readers, without their safety nets): the words are all there.
        for back in (document_to_html(adf_document(adf)), document_to_html(wiki_document(wiki))):
            assert "<script" not in back and "javascript:" not in back
            assert build_document(back) == build_document(back)
            assert adf_to_text(html_to_adf(back)).count("word") == adf_text.count("word"), soup


def test_the_soups_exercise_the_hard_parts() -> None:
    # Guards against a generator that drifts into only producing trivial input.
    joined = "".join(SOUPS)
    for needle in ("<table", "<li", "<pre", "rowspan", "<![foo[", "\ud800", "{code}", "<a href"):
        assert needle in joined, needle
    kinds: set[str] = set()

    def collect(node: dict[str, Any]) -> None:
        kinds.add(node["type"])
        for child in node.get("content", []):
            collect(child)

    for soup in SOUPS:
        collect(html_to_adf(soup))
    assert {
        "table",
        "tableHeader",
        "bulletList",
        "orderedList",
        "codeBlock",
        "blockquote",
        "heading",
        "rule",
    } <= kinds


@pytest.mark.parametrize("seed", range(3))
def test_random_text_round_trips_through_wiki_escaping(seed: int) -> None:
    rng = random.Random(1000 + seed)
    alphabet = "ab *_+^~{}[]|!#-?:;()\\/.&h1bq"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))).strip()
        if not text:
            continue
        html = "<p>" + text.replace("&", "&amp;") + "</p>"
        expected = " ".join(text.split())
        assert wiki_to_text(html_to_wiki(html)) == expected, html
        assert adf_to_text(html_to_adf(html)) == expected, html
        # And back to HTML: the same text.
        assert build_document(document_to_html(wiki_document(html_to_wiki(html)))) == build_document(html), (
            html
        )
        assert build_document(document_to_html(adf_document(html_to_adf(html)))) == build_document(html), html

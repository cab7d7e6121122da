"""HTML → ADF: exact output for each construct, and every output valid ADF."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aha_jira.jira.rich_text import html_to_adf
from aha_jira.jira.rich_text.hosting import HostedImage
from aha_jira.jira.rich_text.table_layout import MAX_COLUMNS

from .adf_nodes import (
    br,
    code_block,
    color,
    doc,
    h,
    image,
    li,
    link,
    ol,
    p,
    quote,
    rule,
    sub,
    sup,
    table,
    task,
    task_list,
    td,
    text,
    th,
    tr,
    ul,
    without_local_ids,
)
from .adf_rules import validate_adf
from .aha_descriptions import ALL, USER_STORY, reference_bodies


def adf(html: str) -> dict[str, Any]:
    result = html_to_adf(html)
    validate_adf(result)
    return result


# -- real Aha! bodies ----------------------------------------------------------------------------


def test_reference_event_bodies_convert_to_exact_documents() -> None:
    expected = {
        "": doc(),
        "<p>First requirement<br></p>": doc(p("First requirement")),
        "<p>First requirement<br>, changed</p>": doc(p("First requirement", br(), ", changed")),
    }
    bodies = reference_bodies()
    assert {body for _, body in bodies} == set(expected)
    for where, body in bodies:
        assert adf(body) == expected[body], where


def test_user_story_description() -> None:
    assert adf(USER_STORY) == doc(
        p(
            "As a ",
            text("mobile user", "strong"),
            " I want to ",
            text("save my cart", "em"),
            " so that I can finish checkout later.",
        ),
        h(2, "Acceptance criteria"),
        ol(
            li("The cart survives an app restart"),
            li(
                p("Items out of stock are ", text("flagged", "strong"), ", not removed"),
                ul(
                    li("show a badge"),
                    li(p("offer a ", text("similar item", link("https://shop.example.com/alternatives")))),
                ),
            ),
            li("Prices refresh on open"),
        ),
        p("See the ", text("design", link("https://design.example.com/cart?v=2&lang=en")), " for details."),
    )


@pytest.mark.parametrize("name", sorted(ALL))
def test_realistic_descriptions_are_valid_and_serialisable(name: str) -> None:
    result = adf(ALL[name])
    assert result["content"], name
    # The body goes over HTTP as UTF-8 JSON.
    json.dumps(result, ensure_ascii=False).encode("utf-8")


# -- empty and dropped content ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    ["", "   \n\t ", "<p></p>", "<p><br></p>", "<p>&nbsp;</p>", "<div><p> </p></div>", "<script>x()</script>",
     "<!-- only a comment -->", "<ul><li></li></ul>", "<table><tr></tr></table>", "<pre>\n</pre>"],
)  # fmt: skip
def test_visually_empty_html_gives_an_empty_document(html: str) -> None:
    assert adf(html) == doc()


def test_script_and_style_are_dropped_but_their_neighbours_kept() -> None:
    html = "<p>before<script>alert('x')</script><style>p { color: red }</style> after</p>"
    assert adf(html) == doc(p("before after"))


# -- paragraphs, breaks, headings ------------------------------------------------------------------


def test_paragraphs_and_line_breaks() -> None:
    assert adf("<p>one<br>two<br/><br>three</p><p>four</p>") == doc(
        p("one", br(), "two", br(), br(), "three"), p("four")
    )


def test_breaks_at_paragraph_edges_are_dropped() -> None:
    assert adf("<p><br>text<br><br></p>") == doc(p("text"))


@pytest.mark.parametrize("level", range(1, 7))
def test_headings(level: int) -> None:
    assert adf(f"<h{level}>Title <em>here</em></h{level}>") == doc(h(level, "Title ", text("here", "em")))


def test_loose_text_between_blocks_becomes_paragraphs() -> None:
    assert adf("intro<h2>Scope</h2>details<div>more</div>") == doc(
        p("intro"), h(2, "Scope"), p("details"), p("more")
    )


# -- marks -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "mark"),
    [("strong", "strong"), ("b", "strong"), ("em", "em"), ("i", "em"), ("u", "underline"), ("s", "strike"),
     ("strike", "strike"), ("del", "strike"), ("code", "code"), ("kbd", "code")],
)  # fmt: skip
def test_each_mark_tag(tag: str, mark: str) -> None:
    assert adf(f"<p>a <{tag}>b</{tag}> c</p>") == doc(p("a ", text("b", mark), " c"))


def test_nested_marks_are_sorted_and_not_duplicated() -> None:
    assert adf("<p><b>bold <i>both <strong>still</strong></i></b></p>") == doc(
        p(text("bold ", "strong"), text("both still", "strong", "em"))
    )


def test_adjacent_runs_with_the_same_marks_merge() -> None:
    assert adf("<p><b>a</b><b>b</b><span>c</span>d</p>") == doc(p(text("ab", "strong"), "cd"))


def test_code_mark_drops_marks_adf_forbids_beside_it() -> None:
    html = '<p><strong><code>x</code></strong> <a href="https://a.example"><code>y</code></a></p>'
    assert adf(html) == doc(p(text("x", "code"), " ", text("y", "code", link("https://a.example"))))


def test_whitespace_moves_out_of_marks() -> None:
    assert adf("<p>a<strong> bold </strong>b<em> </em>c</p>") == doc(p("a ", text("bold", "strong"), " b c"))


# -- links and images ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "href",
    ["https://example.com/a?b=1&c=2", "http://example.com", "mailto:pm@example.com", "HTTPS://EXAMPLE.COM"],
)
def test_safe_links(href: str) -> None:
    assert adf(f'<p><a href="{href}">go</a></p>') == doc(p(text("go", link(href))))


@pytest.mark.parametrize(
    "href",
    ["javascript:alert(1)", "/features/PROD-1", "#top", "data:text/html,x", "ftp://files.example", "https:"],
)
def test_unsafe_or_relative_links_become_text(href: str) -> None:
    assert adf(f'<p><a href="{href}">go</a> on</p>') == doc(p("go on"))


def test_link_href_whitespace_is_removed() -> None:
    assert adf('<a href=" https://example.com/\na ">x</a>') == doc(
        p(text("x", link("https://example.com/a")))
    )


def test_empty_links_show_their_target() -> None:
    html = '<p><a href="https://example.com"></a> <a href="mailto:pm@example.com"> </a></p>'
    assert adf(html) == doc(
        p(
            text("https://example.com", link("https://example.com")),
            " ",
            text("pm@example.com", link("mailto:pm@example.com")),
        )
    )


def test_inner_link_replaces_outer_link() -> None:
    html = '<a href="https://outer.example">a <a href="https://inner.example">b</a></a>'
    assert adf(html) == doc(
        p(text("a", link("https://outer.example")), " ", text("b", link("https://inner.example")))
    )


def test_images_become_media_blocks_splitting_their_paragraph() -> None:
    html = (
        '<p>Before <img src="https://cdn.example/a.png" alt="Checkout flow"> '
        '<img src="https://cdn.example/b.png"> '
        '<img src="data:image/png;base64,AAAA" alt="inline"> '
        '<img src="/relative.png"></p>'
    )
    assert adf(html) == doc(
        p("Before"),
        image("https://cdn.example/a.png", "Checkout flow"),
        image("https://cdn.example/b.png"),
        p("inline"),
    )


def test_image_inside_a_link_keeps_the_link() -> None:
    html = '<a href="https://example.com"><img src="https://cdn.example/a.png" alt="logo"></a>'
    assert adf(html) == doc(image("https://cdn.example/a.png", "logo", href="https://example.com"))


def test_an_image_in_a_heading_follows_it_and_one_in_a_checklist_item_is_a_link() -> None:
    html = (
        '<h2>Flow <img src="https://cdn.example/f.png" alt="flow"></h2>'
        '<ul data-type="taskList"><li data-checked="true">see <img src="https://cdn.example/s.png"></li></ul>'
    )
    assert without_local_ids(adf(html)) == doc(
        h(2, "Flow"),
        image("https://cdn.example/f.png", "flow"),
        task_list(task("DONE", "see ", text("https://cdn.example/s.png", link("https://cdn.example/s.png")))),
    )


def test_hosted_images_are_shown_from_the_issue_attachment() -> None:
    hosted = HostedImage("Austria.png", "https://acme.atlassian.net/rest/api/3/attachment/content/10001")
    result = html_to_adf(
        '<p><img src="https://aha.example/a/original.png?1"> <img src="https://cdn.example/other.png"></p>',
        images=lambda src: hosted if src.startswith("https://aha.example/") else None,
    )
    validate_adf(result)
    assert result == doc(image(hosted.url, "Austria.png"), image("https://cdn.example/other.png"))


# -- marks the roadmap's editor writes ---------------------------------------------------------------


def test_subscript_superscript_and_text_colour() -> None:
    html = (
        "<p>H<sub>2</sub>O, E = mc<sup>2</sup>, <sup><sub>inner wins</sub></sup> "
        '<span style="color: rgb(222, 53, 11)">red <b>bold</b></span> '
        '<font color="navy">navy</font> <span style="color:#0F0">short hex</span> '
        '<span style="color: rgba(0,0,0,0.5)">see-through</span> <span style="color: var(--x)">var</span> '
        "<code><sup>code</sup></code></p>"
    )
    assert adf(html) == doc(
        p(
            "H", sub("2"), "O, E = mc", sup("2"), ", ", sub("inner wins"), " ",
            text("red ", color("#de350b")), text("bold", "strong", color("#de350b")), " ",
            text("navy", color("#000080")), " ", text("short hex", color("#00ff00")),
            " see-through var ", text("code", "code"),
        )
    )  # fmt: skip


def test_checklists_keep_their_state_and_nesting() -> None:
    html = (
        '<ul data-type="taskList">'
        '<li data-type="taskItem" data-checked="true"><label><input type="checkbox" checked></label>'
        "<div><p>Write the spec</p></div></li>"
        '<li data-type="taskItem" data-checked="false"><div><p>Review it</p>'
        '<ul data-type="taskList"><li data-checked="true">with design</li></ul>'
        "<ul><li>a note</li></ul></div></li></ul>"
        '<ul class="contains-task-list"><li class="task-list-item"><input type="checkbox" checked> GitHub style</li>'
        '<li class="task-list-item"><input type="checkbox"> open</li></ul>'
    )
    result = adf(html)
    assert without_local_ids(result) == doc(
        task_list(
            task("DONE", "Write the spec"),
            task("TODO", "Review it", br(), "• a note"),
            task_list(task("DONE", "with design")),
        ),
        task_list(task("DONE", "GitHub style"), task("TODO", "open")),
    )
    ids = [node["attrs"]["localId"] for node in _walk(result) if node["type"] in ("taskList", "taskItem")]
    assert len(set(ids)) == len(ids) == 8
    assert html_to_adf(html) == result  # the same ids every time: an unchanged description hashes the same


def test_a_checklist_in_a_quote_is_a_list_with_its_state_in_text() -> None:
    html = '<blockquote><ul data-type="taskList"><li data-checked="true">done</li><li>open</li></ul></blockquote>'
    assert adf(html) == doc(quote(ul(li("☑ done"), li("☐ open"))))


def test_anchors_keep_their_text_and_in_page_links_point_nowhere() -> None:
    html = '<h2><a id="scope" name="scope"></a>Scope</h2><p>See <a href="#scope">the scope</a>.</p>'
    assert adf(html) == doc(h(2, "Scope"), p("See the scope."))


def _walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node]
    for child in node.get("content", []):
        found.extend(_walk(child))
    return found


# -- lists -----------------------------------------------------------------------------------------


def test_nested_lists_of_both_kinds() -> None:
    html = "<ul><li>a<ol><li>a1</li><li>a2<ul><li>a2x</li></ul></li></ol></li><li>b</li></ul>"
    assert adf(html) == doc(
        ul(
            li(p("a"), ol(li("a1"), li(p("a2"), ul(li("a2x"))))),
            li("b"),
        )
    )


def test_ordered_list_start() -> None:
    assert adf('<ol start="4"><li>four</li></ol><ol start="1"><li>one</li></ol>') == doc(
        ol(li("four"), order=4), ol(li("one"))
    )


def test_list_item_starting_with_a_list_gets_an_empty_paragraph_first() -> None:
    assert adf("<ul><li><ul><li>inner</li></ul></li></ul>") == doc(ul(li(p(), ul(li("inner")))))


def test_list_nested_without_li_joins_the_previous_item() -> None:
    assert adf("<ul><li>a</li><ul><li>b</li></ul><li>c</li></ul>") == doc(
        ul(li(p("a"), ul(li("b"))), li("c"))
    )


def test_unclosed_list_items() -> None:
    assert adf("<ul><li>one<li>two<li>three</ul>") == doc(ul(li("one"), li("two"), li("three")))


def test_list_item_paragraphs_and_blocks_it_cannot_hold() -> None:
    html = "<ul><li><p>first</p><p>second</p><h3>Heading</h3><blockquote>quoted</blockquote><hr></li></ul>"
    assert adf(html) == doc(ul(li(p("first"), p("second"), p(text("Heading", "strong")), p("quoted"))))


def test_table_in_a_list_item_becomes_lines() -> None:
    html = (
        "<ol><li>Options<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table></li></ol>"
    )
    assert adf(html) == doc(
        ol(li(p("Options"), p(text("A", "strong"), " | ", text("B", "strong")), p("1 | 2")))
    )


# -- code ------------------------------------------------------------------------------------------


def test_code_block_keeps_whitespace_and_language() -> None:
    html = '<pre><code class="hljs language-python">\ndef f(x):\n\n    return  x &lt; 1\n\n</code></pre>'
    assert adf(html) == doc(code_block("def f(x):\n\n    return  x < 1", "python"))


@pytest.mark.parametrize(
    ("html", "language"),
    [
        ('<pre class="lang-sql">select 1</pre>', "sql"),
        ('<pre data-language="Ruby">puts 1</pre>', "ruby"),
        ("<pre>plain</pre>", None),
        ('<pre class="language-">x</pre>', None),
        ('<pre class="language-<script>">x</pre>', None),
    ],
)
def test_code_block_language_sources(html: str, language: str | None) -> None:
    [node] = adf(html)["content"]
    assert node.get("attrs") == ({"language": language} if language else None)


def test_line_breaks_and_markup_inside_pre() -> None:
    assert adf("<pre>a<br>b <b>bold</b>\r\nc</pre>") == doc(code_block("a\nb bold\nc"))


# -- quotes and rules ------------------------------------------------------------------------------


def test_blockquote_with_nested_quote_and_heading() -> None:
    html = "<blockquote><h3>Note</h3><p>one</p><blockquote><p>two</p></blockquote><ul><li>x</li></ul></blockquote>"
    assert adf(html) == doc(quote(p(text("Note", "strong")), p("one"), p("two"), ul(li("x"))))


def test_horizontal_rule() -> None:
    assert adf("<p>a</p><hr/><p>b</p>") == doc(p("a"), rule(), p("b"))


# -- tables ----------------------------------------------------------------------------------------


def test_table_with_header_row() -> None:
    html = "<table><thead><tr><th>Tier</th><th>Price</th></tr></thead><tbody><tr><td>Pro</td><td><b>$25</b></td></tr></tbody></table>"
    assert adf(html) == doc(table(tr(th("Tier"), th("Price")), tr(td("Pro"), td(p(text("$25", "strong"))))))


def test_table_spans() -> None:
    html = (
        "<table><tr><th>A</th><th>B</th><th>C</th></tr>"
        "<tr><td colspan=2 rowspan=2>big</td><td>1</td></tr>"
        "<tr><td>2</td></tr>"
        "<tr><td>x</td><td>y</td><td>z</td></tr></table>"
    )
    assert adf(html) == doc(
        table(
            tr(th("A"), th("B"), th("C")),
            tr(td("big", colspan=2, rowspan=2), td("1")),
            tr(td("2")),
            tr(td("x"), td("y"), td("z")),
        )
    )


def test_ragged_rows_are_padded_and_rowspans_clamped() -> None:
    html = (
        "<table><tr><th>A</th><th>B</th></tr><tr><td rowspan=9>only</td></tr><tr><td>tail</td></tr></table>"
    )
    assert adf(html) == doc(table(tr(th("A"), th("B")), tr(td("only", rowspan=2), td()), tr(td("tail"))))


@pytest.mark.parametrize("value", ["0", "-1", "abc", "", "1"])
def test_meaningless_spans_are_one(value: str) -> None:
    assert adf(f'<table><tr><td colspan="{value}" rowspan="{value}">a</td></tr></table>') == doc(
        table(tr(td("a")))
    )


def test_cells_hold_blocks_and_nested_tables_flatten() -> None:
    html = (
        "<table><tr><td><p>one</p><ul><li>x</li></ul></td>"
        "<td><table><tr><td>in</td><td>ner</td></tr></table></td><td></td></tr></table>"
    )
    assert adf(html) == doc(table(tr(td(p("one"), ul(li("x"))), td("in | ner"), td())))


def test_caption_and_stray_text_come_before_the_table() -> None:
    html = "<table><caption>Prices</caption>stray<tr><td>a</td></tr></table>"
    assert adf(html) == doc(p("Prices"), p("stray"), table(tr(td("a"))))


def test_cells_outside_rows_form_a_row() -> None:
    assert adf("<table><td>a</td><td>b</td></table>") == doc(table(tr(td("a"), td("b"))))


# -- text ------------------------------------------------------------------------------------------


def test_whitespace_is_collapsed_and_trimmed() -> None:
    html = "<p>\n   many \t  spaces&nbsp;&nbsp;here   <br>  next  line  </p>\n\n<p> x </p>"
    assert adf(html) == doc(p("many spaces here", br(), "next line"), p("x"))


def test_entities_are_decoded() -> None:
    assert adf("<p>&lt;b&gt; &amp; &quot;q&quot; &#169; &copy; &eacute; &unknown; &#x1F600;</p>") == doc(
        p('<b> & "q" © © é &unknown; \U0001f600')
    )


def test_unknown_tags_keep_their_text() -> None:
    assert adf("<p><font face=serif>serif</font> <x-widget>custom</x-widget> <mark>2</mark></p>") == doc(
        p("serif custom 2")
    )


def test_control_characters_and_lone_surrogates_are_cleaned() -> None:
    result = adf("<p>a\x00b\x07c\ud800d &#0;e</p>")
    assert result == doc(p("abc\ufffdd \ufffde"))
    json.dumps(result).encode("utf-8")


def test_malformed_markup() -> None:
    assert adf("<p>unclosed <b>bold <i>both</p><p>next</b> plain") == doc(
        p("unclosed ", text("bold ", "strong"), text("both", "strong", "em")), p("next plain")
    )


# -- size limits -----------------------------------------------------------------------------------


def test_rows_wider_than_the_column_limit_fold_into_their_last_cell() -> None:
    cells = "".join(f"<td>c{index}</td>" for index in range(70))
    [grid] = adf(f"<table><tr>{cells}</tr></table>")["content"]
    [row] = grid["content"]
    assert len(row["content"]) == MAX_COLUMNS
    assert row["content"][-1] == td(*(f"c{index}" for index in range(MAX_COLUMNS - 1, 70)))


def test_spans_that_would_explode_the_grid_are_ignored() -> None:
    rows = "<tr><td rowspan=1000000 colspan=1000>a</td></tr>" * 300
    [grid] = adf(f"<table>{rows}</table>")["content"]
    assert len(grid["content"]) == 300
    assert all(row["content"] == [td("a")] for row in grid["content"])

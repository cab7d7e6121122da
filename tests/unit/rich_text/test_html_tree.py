"""The HTML tree builder: the repairs browsers make that matter for descriptions."""

from __future__ import annotations

import pytest

from aha_jira.jira.rich_text.html_tree import MAX_DEPTH, Element, Node, Text, parse_html


def shape(node: Node) -> object:
    """A compact view of a tree: text as str, elements as (tag, [children])."""
    if isinstance(node, Text):
        return node.data
    return (node.tag, [shape(child) for child in node.children])


def children(html: str) -> list[object]:
    root = parse_html(html)
    assert root.tag == "#root"
    return [shape(child) for child in root.children]


def test_attributes_are_lowercased_and_unescaped() -> None:
    [anchor] = parse_html('<A HREF="https://x.example/?a=1&amp;b=2" Title>x</A>').children
    assert isinstance(anchor, Element)
    assert anchor.tag == "a"
    assert anchor.attrs == {"href": "https://x.example/?a=1&b=2", "title": ""}


def test_void_elements_take_no_children() -> None:
    assert children("a<br>b<img src=x>c<hr/>d") == ["a", ("br", []), "b", ("img", []), "c", ("hr", []), "d"]


def test_self_closing_br_is_one_break_and_end_tag_br_is_another() -> None:
    assert children("a<br/>b</br>c") == ["a", ("br", []), "b", ("br", []), "c"]


def test_block_start_closes_an_open_paragraph() -> None:
    assert children("<p>one<p>two<ul><li>x</ul>") == [
        ("p", ["one"]),
        ("p", ["two"]),
        ("ul", [("li", ["x"])]),
    ]


def test_list_items_and_table_parts_close_implicitly() -> None:
    assert children("<ul><li>a<li>b</ul><table><tr><td>1<td>2<tr><td>3</table>") == [
        ("ul", [("li", ["a"]), ("li", ["b"])]),
        ("table", [("tr", [("td", ["1"]), ("td", ["2"])]), ("tr", [("td", ["3"])])]),
    ]


def test_nested_table_parts_stay_inside_their_own_table() -> None:
    html = "<table><tr><td><table><tr><td>in</td></tr></table>after</td><td>next</td></tr></table>"
    assert children(html) == [
        (
            "table",
            [("tr", [("td", [("table", [("tr", [("td", ["in"])])]), "after"]), ("td", ["next"])])],
        )
    ]


def test_end_tags_close_what_they_enclose_and_strays_are_ignored() -> None:
    assert children("<div><b>bold <i>both</div>after</i></span>") == [
        ("div", [("b", ["bold ", ("i", ["both"])])]),
        "after",
    ]


def test_an_end_tag_does_not_escape_a_table_cell() -> None:
    assert children("<div><table><tr><td>x</div>y</td></tr></table></div>") == [
        ("div", [("table", [("tr", [("td", ["xy"])])])])
    ]


def test_script_and_style_keep_raw_text_and_comments_vanish() -> None:
    assert children("<script>if (a < b) { x() }</script><!-- c --><style>p{}</style>") == [
        ("script", ["if (a < b) { x() }"]),
        ("style", ["p{}"]),
    ]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # The stdlib tokenizer raises AssertionError on these; HTML skips them to the next `>`.
        ("a<![foo[ b ]]>c", ["ac"]),
        ("a<![if !IE]>b<![endif]>c", ["abc"]),
        ("a<![CDATA[ x > y ]]>c", ["ac"]),
        ("<!DOCTYPE html [ <!ENTITY x 'y'> ]>c", [" ]>c"]),
        # Unterminated constructs stay as text rather than swallowing the rest.
        ("a <![1 c", ["a <![1 c"]),
        ("<!x[ c", ["<!x[ c"]),
        ("a <!-- never closed", ["a <!-- never closed"]),
        ("a < b and c <d", ["a < b and c <d"]),
    ],
)
def test_declarations_and_stray_angle_brackets(html: str, expected: list[object]) -> None:
    assert children(html) == expected


def _texts(node: Node) -> list[str]:
    if isinstance(node, Text):
        return [node.data]
    return [text for child in node.children for text in _texts(child)]


def _depth(node: Node) -> int:
    if isinstance(node, Text):
        return 0
    return 1 + max((_depth(child) for child in node.children), default=0)


def test_depth_is_capped_and_the_text_kept() -> None:
    root = parse_html("<div>" * 500 + "deep" + "</div>" * 500)
    assert _depth(root) <= MAX_DEPTH + 1  # elements past the cap are kept, empty, as leaves
    assert _texts(root) == ["deep"]


def test_control_characters_are_removed_from_text_and_attributes() -> None:
    [anchor] = parse_html('<a href="https://x\x00.example">a\x01b\ud800</a>').children
    assert isinstance(anchor, Element)
    assert anchor.attrs["href"] == "https://x.example"
    assert anchor.children == [Text("ab\ufffd")]

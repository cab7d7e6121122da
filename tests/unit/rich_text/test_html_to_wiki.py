"""HTML → Jira wiki markup: exact output for each construct, escaping, and how spans degrade."""

from __future__ import annotations

import pytest

from aha_jira.jira.rich_text import html_to_wiki
from aha_jira.jira.rich_text.hosting import HostedImage

from .aha_descriptions import PRICING_TABLE, RELEASE_NOTES, SPECIAL_CHARACTERS, USER_STORY, reference_bodies

# -- real Aha! bodies ----------------------------------------------------------------------------


def test_reference_event_bodies() -> None:
    expected = {
        "": "",
        "<p>First requirement<br></p>": "First requirement",
        "<p>First requirement<br>, changed</p>": "First requirement\n, changed",
    }
    for where, body in reference_bodies():
        assert html_to_wiki(body) == expected[body], where


def test_user_story_description() -> None:
    assert html_to_wiki(USER_STORY) == (
        "As a *mobile user* I want to _save my cart_ so that I can finish checkout later.\n"
        "\n"
        "h2. Acceptance criteria\n"
        "\n"
        "# The cart survives an app restart\n"
        "# Items out of stock are *flagged*, not removed\n"
        "#* show a badge\n"
        "#* offer a [similar item|https://shop.example.com/alternatives]\n"
        "# Prices refresh on open\n"
        "\n"
        "See the [design|https://design.example.com/cart?v=2&lang=en] for details."
    )


def test_pricing_table_spans_become_empty_cells() -> None:
    # Wiki tables cannot span: the spanning cell keeps its content in its first slot and each
    # slot it covered is an empty cell, so every row keeps the table's width.
    assert html_to_wiki(PRICING_TABLE) == (
        "Pricing tiers:\n"
        "\n"
        "||Tier||Monthly||Yearly||\n"
        "|Basic|$10|Contact sales|\n"
        "|Pro|$25| |\n"
        "|_Prices exclude VAT_| | |"
    )


def test_release_notes() -> None:
    assert html_to_wiki(RELEASE_NOTES) == (
        "h1. Release notes\n"
        "\n"
        "Fixed the {{sync\\_status}} job & its retry logic.\n"
        "\n"
        "{code:python}\n"
        "def retry(job):\n"
        "    return job.run(attempts=3)\n"
        "{code}\n"
        "\n"
        "{quote}\n"
        "Customers on v1 must upgrade first.\n"
        "{quote}\n"
        "\n"
        "----\n"
        "\n"
        "Owner: [pm@example.com|mailto:pm@example.com]"
    )


def test_special_characters_read_as_written() -> None:
    assert html_to_wiki(SPECIAL_CHARACTERS) == (
        "Use \\*args and \\*\\*kwargs, snake\\_case names, \\{braces\\}, \\[brackets\\] and a\\|b pipes.\n"
        "\n"
        "\\- not a list item\n"
        "\n"
        "\\# not numbered either\n"
        "\n"
        "h1\\. not a heading\n"
        "\n"
        "Ranges like 10-20, well-known terms, a spaced - dash and \\-negative numbers."
    )


# -- blocks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("html", ["", "  ", "<p><br></p>", "<script>x</script>", "<ul><li> </li></ul>"])
def test_visually_empty_html_gives_an_empty_string(html: str) -> None:
    assert html_to_wiki(html) == ""


def test_paragraphs_and_line_breaks() -> None:
    assert html_to_wiki("<p>one<br>two</p><p>three</p>") == "one\ntwo\n\nthree"


@pytest.mark.parametrize("level", range(1, 7))
def test_headings(level: int) -> None:
    assert html_to_wiki(f"<h{level}>Scope <b>now</b></h{level}>") == f"h{level}. Scope *now*"


def test_heading_line_break_stays_on_the_heading_line() -> None:
    assert html_to_wiki("<h2>One<br>Two</h2>") == "h2. One\\\\Two"


def test_nested_mixed_lists() -> None:
    html = "<ol><li>a<ul><li>a1<ol><li>a1x</li></ol></li></ul></li><li>b</li></ol><ul><li>c</li></ul>"
    assert html_to_wiki(html) == "# a\n#* a1\n#*# a1x\n# b\n\n* c"


def test_list_item_with_several_paragraphs_and_blocks() -> None:
    html = "<ul><li><p>first</p><p>second <em>line</em></p><pre>x = 1</pre><h4>Head</h4></li><li><ul><li>deep</li></ul></li></ul>"
    assert html_to_wiki(html) == "* first\\\\second _line_\\\\{{x = 1}}\\\\*Head*\n** deep"


def test_code_blocks() -> None:
    assert html_to_wiki('<pre><code class="language-js">if (a &amp;&amp; b) { go(); }</code></pre>') == (
        "{code:js}\nif (a && b) { go(); }\n{code}"
    )
    # No language, or one Jira's {code} macro does not know: {noformat}, which never warns.
    assert html_to_wiki("<pre>*not bold* [x]</pre>") == "{noformat}\n*not bold* [x]\n{noformat}"
    assert html_to_wiki('<pre class="language-kotlin">val x = 1</pre>') == "{noformat}\nval x = 1\n{noformat}"
    assert html_to_wiki('<pre class="language-py">pass</pre>') == "{code:python}\npass\n{code}"


def test_code_block_containing_its_own_terminator() -> None:
    assert (
        html_to_wiki('<pre class="language-python">a = "{code}"</pre>')
        == '{noformat}\na = "{code}"\n{noformat}'
    )
    assert html_to_wiki("<pre>{noformat}</pre>") == "{code}\n{noformat}\n{code}"
    assert html_to_wiki("<pre>{code}{noformat}</pre>") == "{noformat}\n{code}{noformat\u200b}\n{noformat}"


def test_quotes_do_not_nest() -> None:
    html = "<blockquote><p>outer</p><blockquote><p>inner</p></blockquote><ul><li>x</li></ul></blockquote>"
    assert html_to_wiki(html) == "{quote}\nouter\n\ninner\n\n* x\n{quote}"


def test_rule() -> None:
    assert html_to_wiki("<p>a</p><hr><p>b</p>") == "a\n\n----\n\nb"


# -- tables ----------------------------------------------------------------------------------------


def test_table_rows() -> None:
    html = "<table><thead><tr><th>Key</th><th>Value</th></tr></thead><tbody><tr><td>a</td><td><b>1</b></td></tr></tbody></table>"
    assert html_to_wiki(html) == "||Key||Value||\n|a|*1*|"


def test_rowspan_and_colspan_grid() -> None:
    html = (
        "<table><tr><th>A</th><th>B</th><th>C</th></tr>"
        "<tr><td colspan=2 rowspan=2>big</td><td>1</td></tr>"
        "<tr><td>2</td></tr>"
        "<tr><th>x</th><td>y</td></tr></table>"
    )
    assert html_to_wiki(html) == "||A||B||C||\n|big| |1|\n| | |2|\n||x|y| |"


def test_header_colspan_covers_with_header_cells() -> None:
    assert html_to_wiki(
        "<table><tr><th colspan=3>Title</th></tr><tr><td>a</td><td>b</td><td>c</td></tr></table>"
    ) == ("||Title|| || ||\n|a|b|c|")


def test_cell_content_is_one_line() -> None:
    html = (
        "<table><tr><td><p>one</p><p>two<br>three</p></td>"
        "<td><ul><li>x</li><li>y</li></ul></td>"
        "<td><table><tr><th>in</th><td>ner</td></tr></table></td>"
        "<td>a|b</td><td></td></tr></table>"
    )
    assert html_to_wiki(html) == "|one\\\\two\\\\three|• x\\\\• y|*in* \\| ner|a\\|b| |"


# -- marks -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "wiki"),
    [("strong", "*b*"), ("b", "*b*"), ("em", "_b_"), ("i", "_b_"), ("u", "+b+"), ("ins", "+b+"), ("s", "-b-"),
     ("del", "-b-"), ("strike", "-b-"), ("code", "{{b}}"), ("tt", "{{b}}")],
)  # fmt: skip
def test_each_mark(tag: str, wiki: str) -> None:
    assert html_to_wiki(f"<p>a <{tag}>b</{tag}> c</p>") == f"a {wiki} c"


def test_whitespace_moves_outside_marks() -> None:
    html = "<p>Hello<strong> bold </strong>world<em> </em>and <u>under </u>line</p>"
    assert html_to_wiki(html) == "Hello *bold* world and +under+ line"


def test_marks_inside_words_use_the_braced_form() -> None:
    assert html_to_wiki("<p>un<b>believ</b>able <i>it</i>alic</p>") == "un{*}believ{*}able {_}it{_}alic"


def test_adjacent_marks_are_kept_apart() -> None:
    assert html_to_wiki("<p><b>bold</b><i>italic</i></p>") == "{*}bold{*}_italic_"


def test_overlapping_marks_nest_by_the_longest_run() -> None:
    assert html_to_wiki("<p><b>a <i>b</i> c</b></p>") == "*a _b_ c*"
    # Runs that only touch: each group is closed before the next opens, braced where they glue.
    assert html_to_wiki("<p><b>x<i>y</i></b><i>z</i></p>") == "{*}x{_}y{_}{*}_z_"
    assert html_to_wiki("<p><i>z</i><b><i>y</i>x</b></p>") == "{_}z{*}y{*}{_}*x*"


def test_code_mark_with_other_marks() -> None:
    assert html_to_wiki("<p><b><code>x_y</code></b></p>") == "*{{x\\_y}}*"


def test_links() -> None:
    html = (
        '<p><a href="https://example.com/a_b?c=1|2">the <b>docs</b></a> '
        '<a href="https://example.com">https://example.com</a> '
        '<a href="javascript:alert(1)">no</a> '
        '<a href="mailto:pm@example.com"></a></p>'
    )
    assert html_to_wiki(html) == (
        "[the *docs*|https://example.com/a_b?c=1%7C2] [https://example.com] no [pm@example.com|mailto:pm@example.com]"
    )


def test_images() -> None:
    html = (
        '<p><img src="https://cdn.example/a b.png" alt="diagram"> '
        '<a href="https://example.com"><img src="https://cdn.example/logo.png"></a> '
        '<img src="data:image/png;base64,AA" alt="inline pic"></p>'
    )
    assert html_to_wiki(html) == (
        "!https://cdn.example/a%20b.png|alt=diagram! [!https://cdn.example/logo.png!|https://example.com] inline pic"
    )


def test_hosted_images_are_embedded_by_file_name() -> None:
    def hosted(src: str) -> HostedImage | None:
        if src.endswith("/a.png"):
            return HostedImage("Austria map.png", "https://jira.example/secure/attachment/1/a.png")
        if src.endswith("/b.png"):  # a name wiki cannot embed: shown from its URL on the issue
            return HostedImage("odd|name!.png", "https://jira.example/secure/attachment/2/b.png")
        return None

    html = '<p><img src="https://aha.example/a.png" alt="a, with comma"> <img src="https://aha.example/b.png"></p>'
    assert html_to_wiki(html, images=hosted) == (
        "!Austria map.png! !https://jira.example/secure/attachment/2/b.png!"
    )


def test_subscript_superscript_and_colour() -> None:
    html = '<p>H<sub>2</sub>O and <sup>note</sup> then <span style="color:#DE350B">red <b>bold</b></span></p>'
    assert html_to_wiki(html) == "H{~}2{~}O and ^note^ then {color:#de350b}red *bold*{color}"


def test_checklists_are_bullets_with_their_state() -> None:
    html = (
        '<ul data-type="taskList"><li data-checked="true">Write the spec</li>'
        '<li data-checked="false">Review<ul data-type="taskList"><li data-checked="true">design</li></ul></li></ul>'
        '<table><tr><td><ul class="checklist"><li class="checked">in a cell</li></ul></td></tr></table>'
    )
    assert html_to_wiki(html) == (
        "* \\[x\\] Write the spec\n* \\[ \\] Review\n** \\[x\\] design\n\n|☑ in a cell|"
    )


# -- escaping --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "wiki"),
    [
        ("a*b", "a\\*b"),
        ("snake_case", "snake\\_case"),
        ("C++ and e^x and ~t~", "C\\+\\+ and e\\^x and \\~t\\~"),
        ("{color:red}x{color}", "\\{color:red\\}x\\{color\\}"),
        ("[link|x] !img!", "\\[link\\|x\\] \\!img\\!"),
        ("a -b- c", "a \\-b\\- c"),
        ("pre-release 2024-01 - done", "pre-release 2024-01 - done"),
        ("a--b --", "a\\-\\-b \\-\\-"),
        ("Really?? yes? no", "Really\\?\\? yes? no"),
        ("ok :) fine ;) (i) (on) :D", "ok \\:) fine \\;) \\(i) \\(on) \\:D"),
        ("C:\\temp\\new", "C:&#92;temp&#92;new"),
        ("10:30 (approx)", "10:30 (approx)"),
    ],
)
def test_text_escaping(text: str, wiki: str) -> None:
    assert html_to_wiki(f"<p>{text}</p>") == wiki


@pytest.mark.parametrize(
    ("line", "wiki"),
    [
        ("# one", "\\# one"),
        ("* one", "\\* one"),
        ("- one", "\\- one"),
        ("---- rule", "\\-\\-\\-\\- rule"),
        ("h3. title", "h3\\. title"),
        ("bq. quote", "bq\\. quote"),
        ("|cell|", "\\|cell\\|"),
    ],
)
def test_line_start_markup_is_escaped_after_breaks_too(line: str, wiki: str) -> None:
    assert html_to_wiki(f"<p>{line}</p>") == wiki
    assert html_to_wiki(f"<p>x<br>{line}</p>") == f"x\n{wiki}"


def test_line_start_rules_apply_only_at_line_start() -> None:
    assert html_to_wiki("<p>see #12 and h3. later</p>") == "see #12 and h3. later"
    assert html_to_wiki("<ul><li># not a sublist</li></ul>") == "* # not a sublist"


def test_bare_urls_are_left_linkable() -> None:
    assert html_to_wiki("<p>See https://example.com/a_b*c/d-e_f and mailto:x_y@example.com.</p>") == (
        "See https://example.com/a_b*c/d-e_f and mailto:x_y@example.com."
    )


def test_escaping_inside_marks_and_links() -> None:
    assert html_to_wiki('<p><b>2*3</b> <a href="https://x.example">a|b]</a></p>') == (
        "*2\\*3* [a\\|b\\]|https://x.example]"
    )


# -- whitespace and malformed input ----------------------------------------------------------------


def test_whitespace_normalisation() -> None:
    html = "\n<p>\n  lots   of\n\tspace&nbsp; <br>\n  here </p>\n<pre>  keep\n    this  </pre>"
    assert html_to_wiki(html) == "lots of space\nhere\n\n{noformat}\n  keep\n    this  \n{noformat}"


def test_malformed_html() -> None:
    html = "<p>open <b>bold <i>both</p>loose</b> text<li>stray item<table><td>cell"
    assert html_to_wiki(html) == "open *bold _both_*\n\nloose text\n\nstray item\n\n|cell|"

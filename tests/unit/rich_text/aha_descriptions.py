"""Feature descriptions as Aha!'s editor writes them: the shapes the converters must handle."""

from __future__ import annotations

import json
from pathlib import Path

REFERENCE_EVENTS = Path(__file__).resolve().parents[4] / "shared" / "reference" / "aha-events"


def reference_bodies() -> list[tuple[str, str]]:
    """Every non-empty `description.body` in the reference Aha! event payloads, with where it came from."""
    bodies: list[tuple[str, str]] = []

    def visit(value: object, where: str) -> None:
        if isinstance(value, dict):
            description = value.get("description")
            if isinstance(description, dict) and isinstance(description.get("body"), str):
                bodies.append((where, description["body"]))
            for key, child in value.items():
                visit(child, f"{where}.{key}")
        elif isinstance(value, list):
            for index, child in enumerate(value):
                visit(child, f"{where}[{index}]")

    for path in sorted(REFERENCE_EVENTS.glob("*.json")):
        visit(json.loads(path.read_text()), path.stem)
    return bodies


USER_STORY = (
    "<p>As a <strong>mobile user</strong> I want to <em>save my cart</em> so that I can finish "
    "checkout later.</p>"
    "<h2>Acceptance criteria</h2>"
    "<ol>"
    "<li>The cart survives an app restart</li>"
    "<li>Items out of stock are <strong>flagged</strong>, not removed"
    '<ul><li>show a badge</li><li>offer a <a href="https://shop.example.com/alternatives">similar item</a></li></ul>'
    "</li>"
    "<li>Prices refresh on open</li>"
    "</ol>"
    '<p>See the <a href="https://design.example.com/cart?v=2&amp;lang=en">design</a> for details.<br></p>'
)

PRICING_TABLE = (
    "<p>Pricing tiers:</p>"
    "<table><tbody>"
    "<tr><th>Tier</th><th>Monthly</th><th>Yearly</th></tr>"
    '<tr><td>Basic</td><td>$10</td><td rowspan="2">Contact sales</td></tr>'
    "<tr><td>Pro</td><td>$25</td></tr>"
    '<tr><td colspan="3"><em>Prices exclude VAT</em></td></tr>'
    "</tbody></table>"
)

RELEASE_NOTES = (
    "<h1>Release&nbsp;notes</h1>\n"
    "<p>\n  Fixed the <code>sync_status</code> job &amp; its retry logic.\n</p>\n"
    '<pre><code class="language-python">def retry(job):\n    return job.run(attempts=3)\n</code></pre>\n'
    "<blockquote><p>Customers on v1 must upgrade first.</p></blockquote>\n"
    "<hr>\n"
    '<p>Owner: <a href="mailto:pm@example.com">pm@example.com</a></p>'
)

# Text as product managers paste it: wiki-significant characters that must read as written.
SPECIAL_CHARACTERS = (
    "<p>Use *args and **kwargs, snake_case names, {braces}, [brackets] and a|b pipes.</p>"
    "<p>- not a list item</p>"
    "<p># not numbered either</p>"
    "<p>h1. not a heading</p>"
    "<p>Ranges like 10-20, well-known terms, a spaced - dash and -negative numbers.</p>"
)

ALL = {
    "user_story": USER_STORY,
    "pricing_table": PRICING_TABLE,
    "release_notes": RELEASE_NOTES,
    "special_characters": SPECIAL_CHARACTERS,
}

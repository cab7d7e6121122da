"""The corpus of roadmap descriptions (`tests/fixtures/rich_text/`: Aha!'s reference payloads and descriptions
crafted in its editor's style) round-trips HTML → ADF → HTML and HTML → wiki → HTML with exactly the losses
listed for it, each of them needed; every ADF document it gives validates against Atlassian's schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from aha_jira.jira.rich_text import (
    HostedImage,
    adf_to_html,
    html_to_adf,
    html_to_wiki,
    wiki_to_html,
)
from aha_jira.jira.rich_text.document import Document
from aha_jira.jira.rich_text.html_reader import build_document

from .adf_rules import validate_adf
from .aha_descriptions import reference_bodies
from .losses import LOSSES, apply_losses

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "rich_text"
MANIFEST = json.loads((CORPUS / "losses.json").read_text())["files"]
DOC = Path(__file__).resolve().parents[3] / "docs" / "rich-text.md"
FORMATS = ("adf", "wiki")


def corpus() -> list[tuple[str, str]]:
    crafted = [(path.name, path.read_text()) for path in sorted(CORPUS.glob("*.html"))]
    return crafted + [(f"reference:{where}", body) for where, body in reference_bodies()]


CASES = [(name, html, fmt) for name, html in corpus() for fmt in FORMATS]


def round_trip(html: str, fmt: str) -> Document:
    if fmt == "adf":
        document = html_to_adf(html)
        validate_adf(document)
        return build_document(adf_to_html(document))
    return build_document(wiki_to_html(html_to_wiki(html)))


def listed(name: str, fmt: str) -> list[str]:
    return MANIFEST.get(name, {}).get(fmt, [])


def test_every_crafted_description_has_its_losses_listed() -> None:
    assert sorted(MANIFEST) == sorted(path.name for path in CORPUS.glob("*.html"))
    assert len(MANIFEST) >= 15
    for name, losses in MANIFEST.items():
        for fmt in FORMATS:
            unknown = set(losses[fmt]) - set(LOSSES)
            assert not unknown, (name, unknown)
            assert all(loss.startswith(fmt + "_") for loss in losses[fmt]), (name, fmt)


@pytest.mark.parametrize(("name", "html", "fmt"), CASES, ids=[f"{n}-{f}" for n, _, f in CASES])
def test_round_trip_loses_exactly_what_is_listed(name: str, html: str, fmt: str) -> None:
    original = build_document(html)
    back = round_trip(html, fmt)
    losses = listed(name, fmt)
    assert apply_losses(back, losses) == apply_losses(original, losses)
    for loss in losses:
        others = [other for other in losses if other != loss]
        assert apply_losses(back, others) != apply_losses(original, others), (
            f"{loss} is listed but not needed"
        )


def test_every_loss_is_seen_in_the_corpus_and_justified_in_the_docs() -> None:
    used = {loss for entry in MANIFEST.values() for fmt in FORMATS for loss in entry[fmt]}
    assert used == set(LOSSES)
    text = DOC.read_text()
    for loss in LOSSES:
        # Each loss has its own entry, with a reason.
        assert re.search(rf"`{loss}`[^\n]*\S", text), loss


@pytest.mark.parametrize(("name", "html"), corpus(), ids=[name for name, _ in corpus()])
def test_corpus_adf_is_valid_with_and_without_hosted_images(name: str, html: str) -> None:
    def hosted(src: str) -> HostedImage | None:
        if "aha.example.com/attachments/" in src:
            return HostedImage("upload.png", "https://acme.atlassian.net/rest/api/3/attachment/content/10042")
        return None

    validate_adf(html_to_adf(html))
    validate_adf(html_to_adf(html, images=hosted))

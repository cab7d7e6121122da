"""Attachments: streamed uploads (chunked or not) kept on disk, the site's upload limit (413), file name,
size and MIME type recorded, and images embedded in descriptions (ADF ``mediaSingle``/``media``, wiki
``!name!``) matched to the attachments they name."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient

from .helpers import Api, assert_matches_openapi, story

BOUNDARY = "sim-test-boundary-7d3f"
XSRF = {"X-Atlassian-Token": "no-check"}


def new_issue(api: Api) -> str:
    key: str = api.post("issue", json=story("With files")).json()["key"]
    return key


def upload(api: Api, key: str, name: str, content: bytes, mime: str = "image/png") -> requests.Response:
    return api.post(f"issue/{key}/attachments", files={"file": (name, content, mime)}, headers=XSRF)


def streamed_body(
    name: str, blocks: Iterator[bytes], mime: str = "application/octet-stream"
) -> Iterator[bytes]:
    """A multipart body produced block by block: requests sends it with chunked transfer encoding."""
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="comment"\r\n\r\nnot a file\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: {mime}\r\n\r\n"
    ).encode()
    yield from blocks
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def post_streamed(api: Api, key: str, body: Iterator[bytes]) -> requests.Response:
    headers = {**XSRF, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    return api.post(f"issue/{key}/attachments", data=body, headers=headers, timeout=60)


def blocks(count: int, block: bytes) -> Iterator[bytes]:
    for _ in range(count):
        yield block


def stored_files(sim: JiraSimulator) -> list[str]:
    return sorted(p.name for p in sim.core.uploads.directory.iterdir())


def test_upload_records_name_size_and_type_and_serves_the_content(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    content = bytes(range(256)) * 40
    resp = upload(api, key, "mock-up.png", content)
    assert resp.status_code == 200, resp.text
    assert_matches_openapi(resp)
    (attachment,) = resp.json()
    assert (attachment["filename"], attachment["size"], attachment["mimeType"]) == (
        "mock-up.png",
        10240,
        "image/png",
    )
    assert attachment["author"]["accountId"] == jira_sim.bot_account_id
    meta = api.get(f"attachment/{attachment['id']}")
    assert_matches_openapi(meta)
    assert meta.json()["size"] == 10240
    downloaded = api.session.get(attachment["content"], auth=api.auth, timeout=5)
    assert downloaded.content == content
    assert downloaded.headers["Content-Type"] == "image/png"
    stored = jira_sim.core.store.attachments[attachment["id"]]
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    listed = api.get(f"issue/{key}", params={"fields": "attachment"}).json()["fields"]["attachment"]
    assert [a["filename"] for a in listed] == ["mock-up.png"]


def test_several_files_in_one_request(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    files = [
        ("file", ("a.txt", b"alpha", "text/plain")),
        ("file", ("b.pdf", b"%PDF-1.7 beta", "application/pdf")),
    ]
    resp = api.post(f"issue/{key}/attachments", files=files, headers=XSRF)
    assert [(a["filename"], a["size"], a["mimeType"]) for a in resp.json()] == [
        ("a.txt", 5, "text/plain"),
        ("b.pdf", 13, "application/pdf"),
    ]


def test_a_chunked_upload_is_streamed_without_holding_the_body(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    block = b"\x89PNG" + bytes(65532)
    count = 384  # 24 MiB
    tracemalloc.start()
    try:
        resp = post_streamed(api, key, streamed_body("big.bin", blocks(count, block)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert resp.status_code == 200, resp.text
    (attachment,) = resp.json()
    assert attachment["size"] == count * len(block)
    assert attachment["filename"] == "big.bin"
    assert peak < 8 * 1024 * 1024  # the 24 MiB never sat in memory on either side of the socket
    expected = hashlib.sha256()
    for _ in range(count):
        expected.update(block)
    assert jira_sim.core.store.attachments[attachment["id"]].sha256 == expected.hexdigest()
    assert jira_sim.calls[-1]["body"] == {"multipart": True, "bytes": jira_sim.calls[-1]["body"]["bytes"]}


@pytest.mark.parametrize("chunked", [False, True])
def test_a_file_over_the_upload_limit_is_413_and_nothing_is_kept(
    jira_sim: JiraSimulator, chunked: bool
) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    SimulatorClient(jira_sim.base_url).set_attachment_limit(4096)
    meta = api.get("attachment/meta")
    assert_matches_openapi(meta)
    assert meta.json() == {"enabled": True, "uploadLimit": 4096}
    if chunked:
        resp = post_streamed(api, key, streamed_body("too-big.bin", blocks(3, bytes(2000))))
    else:
        resp = upload(api, key, "too-big.bin", bytes(5000))
    assert resp.status_code == 413
    assert "too-big.bin" in resp.json()["errorMessages"][0]
    assert jira_sim.core.store.attachments == {}
    assert stored_files(jira_sim) == []
    assert upload(api, key, "small.txt", bytes(4096)).status_code == 200  # at the limit is fine


def test_a_refused_upload_keeps_no_file(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    refused = api.post(
        f"issue/{key}/attachments", files={"file": ("x.txt", b"x", "text/plain")}
    )  # no XSRF header
    assert refused.status_code == 403
    missing = upload(api, "MOB-999", "x.txt", b"x")
    assert missing.status_code == 404
    assert stored_files(jira_sim) == []


def test_a_malformed_or_fileless_multipart_body_is_400(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    headers = {**XSRF, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    cut = api.post(
        f"issue/{key}/attachments",
        data=f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nno end',
        headers=headers,
    )
    assert cut.status_code == 400
    fileless = api.post(
        f"issue/{key}/attachments", files={"other": ("a.txt", b"a", "text/plain")}, headers=XSRF
    )
    assert fileless.status_code == 400
    assert "part named 'file'" in fileless.json()["errorMessages"][0]
    assert jira_sim.core.store.attachments == {}


def media_doc(attrs: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "The mock-up:"}]},
            {
                "type": "mediaSingle",
                "attrs": {"layout": "center"},
                "content": [{"type": "media", "attrs": attrs}],
            },
        ],
    }


def test_adf_media_referencing_attachments_is_accepted_in_descriptions(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    attachment = upload(api, key, "mock-up.png", b"png").json()[0]
    by_id = media_doc({"type": "file", "id": attachment["id"], "collection": "", "alt": "mock-up.png"})
    assert api.put(f"issue/{key}", json={"fields": {"description": by_id}}).status_code == 204
    assert api.get(f"issue/{key}").json()["fields"]["description"] == by_id
    assert (
        Api(jira_sim, version=2).get(f"issue/{key}").json()["fields"]["description"]
        == "The mock-up:\n\n!mock-up.png!"
    )
    client = SimulatorClient(jira_sim.base_url)
    (ref,) = client.issue_media(key)
    assert (ref["type"], ref["attachment_id"], ref["filename"]) == ("file", attachment["id"], "mock-up.png")
    external = media_doc({"type": "external", "url": attachment["content"]})
    assert api.put(f"issue/{key}", json={"fields": {"description": external}}).status_code == 204
    assert client.issue_media(key)[0]["attachment_id"] == attachment["id"]
    unknown = media_doc({"type": "file", "id": "not-an-attachment", "collection": ""})
    assert api.put(f"issue/{key}", json={"fields": {"description": unknown}}).status_code == 204
    assert client.issue_media(key)[0]["attachment_id"] is None


@pytest.mark.parametrize(
    "content",
    [
        [{"type": "media", "attrs": {"type": "file", "id": "1", "collection": ""}}],  # not inside mediaSingle
        [{"type": "mediaSingle", "content": [{"type": "media", "attrs": {"type": "file", "id": "1"}}]}],
        [{"type": "mediaSingle", "content": [{"type": "media", "attrs": {"type": "external"}}]}],
        [{"type": "mediaSingle", "content": []}],
    ],
)
def test_malformed_media_is_refused(jira_sim: JiraSimulator, content: list[dict[str, Any]]) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    resp = api.put(
        f"issue/{key}", json={"fields": {"description": {"type": "doc", "version": 1, "content": content}}}
    )
    assert resp.status_code == 400
    assert "description" in resp.json()["errors"]


def test_wiki_image_embeds_name_attachments(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim, version=2)
    key = new_issue(api)
    upload(api, key, "flow.png", b"png")
    description = "Before !flow.png|thumbnail! after, and !missing.jpg!"
    assert api.put(f"issue/{key}", json={"fields": {"description": description}}).status_code == 204
    refs = SimulatorClient(jira_sim.base_url).issue_media(key)
    assert [(r["name"], r["filename"]) for r in refs] == [("flow.png", "flow.png"), ("missing.jpg", None)]


def test_data_center_takes_wiki_embeds(jira_sim_dc: JiraSimulator) -> None:
    api = Api(jira_sim_dc, version=2)
    key = api.post("issue", json=story("DC", description="!spec.png!")).json()["key"]
    assert upload(api, key, "spec.png", b"png").status_code == 200
    assert SimulatorClient(jira_sim_dc.base_url).issue_media(key)[0]["filename"] == "spec.png"


def test_adf_media_alone_is_not_an_empty_description(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    only_image = {
        "type": "doc",
        "version": 1,
        "content": media_doc({"type": "external", "url": "https://x/y.png"})["content"][1:],
    }
    assert api.put(f"issue/{key}", json={"fields": {"description": only_image}}).status_code == 204
    assert api.post(f"issue/{key}/comment", json={"body": only_image}).status_code == 201

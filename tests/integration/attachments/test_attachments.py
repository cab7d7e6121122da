"""Attachments to Jira through the real send handler: uploaded once each, streamed from their download URL,
within Jira's size limit, the description's images shown from the issue, download URLs guarded."""

from __future__ import annotations

import time
from typing import Any

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.integration.attachments.file_server import FileServer

MB = 1024 * 1024


def feature(files: FileServer, *, body: str | None = None) -> dict[str, Any]:
    spec = files.add("/attachments/501/token/abc.download", 300_000, "application/pdf")
    image = files.add("/attachments/502/token/def.download", 40_000, "image/png")
    own = {"id": "501", "download_url": spec + "?size=original", "file_name": "spec.pdf",
           "content_type": "application/pdf", "file_size": 300_000}  # fmt: skip
    pictured = {"id": "502", "download_url": image + "?size=original", "file_name": "Flow diagram.png",
                "content_type": "image/png", "file_size": 40_000}  # fmt: skip
    return {
        "reference_num": "PROD-7",
        "name": "Checkout redesign",
        "url": "https://acme.aha.io/features/PROD-7",
        "description": {
            "body": body or f'<p>The new flow: <img src="{image}?size=original" alt="flow"></p>',
            "attachments": [pictured, own],  # the PDF is listed twice: uploaded once
        },
        "attachments": [own],
        "requirements": [],
    }


def send(call_api: Call, body: dict[str, Any], integration: str = "mob") -> tuple[int, Any]:
    return call_api(
        "POST", f"/integrations/{integration}/features/{body['reference_num']}/send", {"feature": body}
    )


def uploads(sim: JiraSimulator, since: int = 0) -> list[dict[str, Any]]:
    return [
        call
        for call in sim.calls[since:]
        if call["path"].endswith("/attachments") and call["method"] == "POST"
    ]


def test_attachments_are_uploaded_once_and_the_description_shows_its_image_from_the_issue(
    call_api: Call, mob: str, jira_sim: JiraSimulator, files: FileServer
) -> None:
    status, answer = send(call_api, feature(files))
    assert status == 200, answer
    assert answer["warnings"] == []
    key = answer["jira"]["key"]
    client = SimulatorClient(jira_sim.base_url)
    issue = client.issue(key)
    attached = {item["filename"]: item for item in issue["fields"]["attachment"]}
    assert sorted(attached) == ["Flow diagram.png", "spec.pdf"]
    assert attached["spec.pdf"]["size"] == 300_000 and attached["Flow diagram.png"]["mimeType"] == "image/png"
    assert len(uploads(jira_sim)) == 2
    # Each upload was streamed: multipart bodies the size of the files, with Jira's no-check header.
    assert sorted(call["body"]["bytes"] for call in uploads(jira_sim))[0] > 40_000
    # The image in the description is shown from the attachment (ADF media), not from the roadmap's URL.
    media = client.issue_media(key)
    assert [item["attachment_id"] for item in media] == [attached["Flow diagram.png"]["id"]]

    before = len(jira_sim.calls)
    status, again = send(call_api, feature(files))
    assert status == 200 and again["unchanged"] == ["PROD-7"]
    assert (
        uploads(jira_sim, before) == [] and [c for c in jira_sim.calls[before:] if c["method"] != "GET"] == []
    )


def test_a_changed_file_is_uploaded_again_and_a_new_one_added(
    call_api: Call, mob: str, jira_sim: JiraSimulator, files: FileServer
) -> None:
    body = feature(files)
    send(call_api, body)
    before = len(jira_sim.calls)
    files.add("/attachments/501/token/abc.download", 310_000, "application/pdf")
    body["attachments"][0] = {**body["attachments"][0], "file_size": 310_000}
    body["description"]["attachments"] = body["description"]["attachments"][:1]
    status, answer = send(call_api, body)
    assert status == 200, answer
    assert len(uploads(jira_sim, before)) == 1


def test_a_file_over_jiras_limit_is_a_warning_not_a_failure(
    call_api: Call, mob: str, jira_sim: JiraSimulator, files: FileServer
) -> None:
    jira_sim.set_attachment_limit(100_000)
    status, answer = send(call_api, feature(files))
    assert status == 200, answer
    assert [warning["code"] for warning in answer["warnings"]] == ["attachment_too_large"]
    assert "spec.pdf" in answer["warnings"][0]["message"] and "100000" in answer["warnings"][0]["message"]
    names = [
        item["filename"]
        for item in SimulatorClient(jira_sim.base_url).issue(answer["jira"]["key"])["fields"]["attachment"]
    ]
    assert names == ["Flow diagram.png"]
    # Announced too large: not even downloaded.
    assert "/attachments/501/token/abc.download" not in files.requests


def test_a_file_larger_than_announced_stops_at_the_limit(
    call_api: Call, mob: str, jira_sim: JiraSimulator, files: FileServer
) -> None:
    jira_sim.set_attachment_limit(200_000)
    body = feature(files)
    files.add("/attachments/501/token/abc.download", 300_000, "application/pdf", announce_length=False)
    for listed in (body["attachments"][0], body["description"]["attachments"][1]):
        listed["file_size"] = None
    status, answer = send(call_api, body)
    assert status == 200, answer
    assert [warning["code"] for warning in answer["warnings"]] == ["attachment_too_large"]


def test_downloads_that_fail_or_point_inside_the_network_are_warnings(
    call_api: Call, mob: str, jira_sim: JiraSimulator, files: FileServer
) -> None:
    body = feature(files)
    files.failures["/attachments/502/token/def.download"] = 404
    body["attachments"] = [
        {
            "id": "601",
            "download_url": "http://169.254.169.254/latest/meta-data/iam",
            "file_name": "creds.txt",
        },
        {"id": "602", "download_url": "https://10.0.0.7/internal.png", "file_name": "internal.png"},
    ]
    body["description"]["attachments"] = body["description"]["attachments"][:1]
    status, answer = send(call_api, body)
    assert status == 200, answer
    messages = {warning["code"]: [] for warning in answer["warnings"]}
    for warning in answer["warnings"]:
        messages[warning["code"]].append(warning["message"])
    assert list(messages) == ["attachment_unavailable"] and len(messages["attachment_unavailable"]) == 3
    joined = " ".join(messages["attachment_unavailable"])
    assert "404" in joined and "private or reserved address" in joined
    # The download token in the URL never shows.
    assert "def.download" not in joined and "token" not in joined
    assert SimulatorClient(jira_sim.base_url).issue(answer["jira"]["key"])["fields"]["attachment"] == []


def test_a_redirect_to_the_storage_host_is_followed(
    call_api: Call, mob: str, jira_sim: JiraSimulator, files: FileServer
) -> None:
    body = feature(files)
    stored = files.add("/storage/flow.png", 40_000, "image/png")
    files.redirects["/attachments/502/token/def.download"] = stored
    status, answer = send(call_api, body)
    assert status == 200 and answer["warnings"] == [], answer
    assert "/storage/flow.png" in files.requests


def test_an_upload_whose_answer_was_lost_is_not_uploaded_twice(
    call_api: Call, mob: str, jira_sim: JiraSimulator, files: FileServer, monkeypatch: Any
) -> None:
    monkeypatch.setenv("RESERVATION_LEASE_SECONDS", "0.2")
    body = feature(files)
    body["description"] = {"body": "<p>Spec attached.</p>", "attachments": []}
    jira_sim.add_fault(method="POST", path=r"/attachments$", drop_after_commit=True, times=1)
    status, answer = send(call_api, body)
    assert status == 202, answer  # the upload's outcome is unknown: retried
    key = SimulatorClient(jira_sim.base_url).issues()[0]["key"]
    # Once the first attempt's upload lease ended, the next send looks at the issue first: the file is there.
    time.sleep(0.3)
    before = len(jira_sim.calls)
    status, answer = send(call_api, body)
    assert status == 200, answer
    names = [
        item["filename"] for item in SimulatorClient(jira_sim.base_url).issue(key)["fields"]["attachment"]
    ]
    assert names == ["spec.pdf"]
    assert uploads(jira_sim, before) == []


def test_attachments_switched_off_are_one_warning(
    call_api: Call, mob: str, jira_sim: JiraSimulator, files: FileServer
) -> None:
    jira_sim.set_site_settings(attachments_enabled=False)
    status, answer = send(call_api, feature(files))
    assert status == 200, answer
    assert [warning["code"] for warning in answer["warnings"]] == ["attachments_disabled"]


def test_the_mapping_can_leave_attachments_out(
    call_api: Call, jira_sim: JiraSimulator, files: FileServer
) -> None:
    assert call_api("PUT", "/integrations/mob", integration_body(jira_sim, send_attachments=False))[0] == 201
    assert call_api("POST", "/integrations/mob/test-connection")[1]["ok"]
    status, answer = send(call_api, feature(files))
    assert status == 200 and answer["warnings"] == []
    assert uploads(jira_sim) == [] and files.requests == []


def test_data_center_embeds_the_image_by_file_name(
    call_api: Call, jira_sim_dc: JiraSimulator, files: FileServer, fast_retries: None
) -> None:
    body = integration_body(jira_sim_dc)
    body["jira"]["auth"] = {"type": "bearer", "token": jira_sim_dc.credentials["dc_pat"]}
    assert call_api("PUT", "/integrations/dc", body)[0] == 201
    assert call_api("POST", "/integrations/dc/test-connection")[1]["ok"]
    status, answer = send(call_api, feature(files), integration="dc")
    assert status == 200, answer
    client = SimulatorClient(jira_sim_dc.base_url)
    key = answer["jira"]["key"]
    assert "!Flow diagram.png|alt=flow!" in client.issue(key)["fields"]["description"]
    media = client.issue_media(key)
    assert len(media) == 1 and media[0]["attachment_id"] is not None

"""Worklogs (create, list, update, delete, estimates) and attachments."""

from __future__ import annotations

from aha_jira_dev.jira_sim import JiraSimulator

from .helpers import Api, adf, assert_matches_openapi, story


def new_issue(api: Api, estimate: str = "4h") -> str:
    resp = api.post("issue", json=story(timetracking={"originalEstimate": estimate}))
    assert resp.status_code == 201
    key: str = resp.json()["key"]
    return key


def test_worklog_lifecycle_and_estimates(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    added = api.post(
        f"issue/{key}/worklog",
        json={"timeSpent": "1h 30m", "comment": adf("pairing"), "started": "2026-11-01T09:00:00.000+0000"},
    )
    assert added.status_code == 201, added.text
    assert_matches_openapi(added)
    worklog = added.json()
    assert worklog["timeSpentSeconds"] == 5400
    assert worklog["comment"] == adf("pairing")
    assert worklog["author"]["accountId"] == jira_sim.bot_account_id
    listed = api.get(f"issue/{key}/worklog")
    assert_matches_openapi(listed)
    assert listed.json()["total"] == 1
    fields = api.get(f"issue/{key}").json()["fields"]
    assert fields["timetracking"]["remainingEstimateSeconds"] == 4 * 3600 - 5400
    assert fields["timespent"] == 5400

    updated = api.put(f"issue/{key}/worklog/{worklog['id']}", json={"timeSpentSeconds": 3600})
    assert updated.status_code == 200
    assert updated.json()["timeSpentSeconds"] == 3600
    assert api.get(f"issue/{key}").json()["fields"]["timetracking"]["remainingEstimateSeconds"] == 3 * 3600

    assert api.delete(f"issue/{key}/worklog/{worklog['id']}").status_code == 204
    fields = api.get(f"issue/{key}").json()["fields"]
    assert fields["timetracking"]["remainingEstimateSeconds"] == 4 * 3600
    assert fields["timespent"] is None
    assert api.get(f"issue/{key}/worklog/{worklog['id']}").status_code == 404


def test_worklog_validation(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    missing = api.post(f"issue/{key}/worklog", json={"comment": adf("no time")})
    assert missing.status_code == 400
    assert "timeLogged" in missing.json()["errors"]
    wiki_in_v3 = api.post(f"issue/{key}/worklog", json={"timeSpentSeconds": 60, "comment": "plain"})
    assert wiki_in_v3.status_code == 400
    bad_started = api.post(f"issue/{key}/worklog", json={"timeSpentSeconds": 60, "started": "yesterday"})
    assert bad_started.status_code == 400
    leave = api.post(
        f"issue/{key}/worklog", params={"adjustEstimate": "leave"}, json={"timeSpentSeconds": 600}
    )
    assert leave.status_code == 201
    assert api.get(f"issue/{key}").json()["fields"]["timeestimate"] == 4 * 3600


def test_datacenter_worklog_comment_is_a_string(jira_sim_dc: JiraSimulator) -> None:
    api = Api(jira_sim_dc, version=2)
    key = new_issue(api)
    ok = api.post(f"issue/{key}/worklog", json={"timeSpent": "2h", "comment": "wiki *comment*"})
    assert ok.status_code == 201
    assert ok.json()["comment"] == "wiki *comment*"
    assert ok.json()["author"]["name"] == "aha-bot"


def test_attachments_need_the_xsrf_header(jira_sim: JiraSimulator) -> None:
    api = Api(jira_sim)
    key = new_issue(api)
    files = {"file": ("notes.txt", b"hello attachment", "text/plain")}
    refused = api.post(f"issue/{key}/attachments", files=files)
    assert refused.status_code == 403
    ok = api.post(f"issue/{key}/attachments", files=files, headers={"X-Atlassian-Token": "no-check"})
    assert ok.status_code == 200, ok.text
    assert_matches_openapi(ok)
    (attachment,) = ok.json()
    assert (attachment["filename"], attachment["size"], attachment["mimeType"]) == (
        "notes.txt",
        16,
        "text/plain",
    )
    listed = api.get(f"issue/{key}").json()["fields"]["attachment"]
    assert [a["filename"] for a in listed] == ["notes.txt"]
    content = api.session.get(attachment["content"], auth=api.auth, timeout=5)
    assert content.content == b"hello attachment"
    posted = [c for c in jira_sim.calls if c["method"] == "POST" and c["path"].endswith("/attachments")]
    assert [c["status"] for c in posted] == [403, 200]
    assert posted[1]["body"]["multipart"] is True

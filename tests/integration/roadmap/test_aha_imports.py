"""An issue created in Jira becomes a real Aha! record, whose reference becomes the record's (DESIGN.md "Aha!
type": imported), exactly once, and written back to the Jira issue."""

from __future__ import annotations

from typing import Any

from aha_jira_dev.jira_sim import SimulatorClient
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from aha_jira_dev.local_stack.template import Template
from tests.fixtures.aha import AhaApi
from tests.integration.roadmap.conftest import IMPORT_RELEASE, AhaSite, events
from tests.integration.webhooks.test_imports import engineer_creates, run_worker, story


def retry_worker(template: Template, aws: LocalResources, handlers: HandlerRegistry) -> SqsPoller:
    sources = [source for source in template.sqs_event_sources if source.queue == "RetryQueue"]
    return SqsPoller(template, aws, handlers=handlers, sources=sources, wait_time_seconds=0)


def release_features(aha_api: AhaApi, release: str = IMPORT_RELEASE) -> list[dict[str, Any]]:
    answer = aha_api.get(f"/releases/{release}/features", params={"per_page": "200"})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["features"])


def test_an_imported_story_is_created_in_the_aha_release_and_takes_its_reference(
    aha_site: AhaSite,
    aha_api: AhaApi,
    repo_template: Template,
    aws: LocalResources,
    handler_registry: HandlerRegistry,
) -> None:
    created, delivery = engineer_creates(aha_site, story("Crash on resume"))
    assert delivery["status"] == 200
    provisional = f"PROD-JIRA-{created['key']}"
    [imported] = [e for e in events(aha_site.call_api) if e["type"] == "record.imported"]
    assert imported["reference"] == provisional
    assert imported["data"]["record"]["name"] == "Crash on resume"

    aha_site.deliver()
    [made] = [f for f in release_features(aha_api) if f["name"] == "Crash on resume"]
    new = made["reference_num"]
    assert new.startswith("PROD-") and "JIRA" not in new
    feature = aha_api.get(f"/features/{new}").json()["feature"]
    assert feature["workflow_status"]["name"] == "Ready to develop"
    assert {f["name"]: f["value"] for f in feature["integration_fields"]}["key"] == created["key"]

    # The record is renamed; the provisional reference is an alias of it.
    status, view = aha_site.call_api("GET", f"/integrations/mob/features/{new}")
    assert status == 200 and view["reference"] == new and view["imported"] is True
    assert view["jira"]["key"] == created["key"]
    status, alias = aha_site.call_api("GET", f"/integrations/mob/features/{provisional}")
    assert status == 200 and alias["reference"] == new
    status, page = aha_site.call_api(
        "GET", "/integrations/mob/features", query=[("jira_key", created["key"])]
    )
    assert [item["reference"] for item in page["features"]] == [new]

    # Written back to the Jira issue: the stamp names the new reference, the remote link points at Aha!.
    assert run_worker(retry_worker(repo_template, aws, handler_registry), rounds=12) >= 2
    issue = aha_site.sim.core.store.issues[created["id"]]
    assert issue.properties["aha-jira"]["reference"] == new
    [remote] = issue.remote_links
    assert remote["globalId"] == f"aha-jira:mob:{provisional}"
    assert remote["object"]["url"] == feature["url"]

    # The record's next change reaches Aha! under its new reference.
    SimulatorClient(aha_site.sim.base_url).engineer_transition(created["key"], "In Progress")
    aha_site.settle()
    changed = [e for e in events(aha_site.call_api) if e["type"] == "record.status_changed"]
    assert changed[-1]["reference"] == new
    aha_site.deliver()
    assert aha_api.get(f"/features/{new}").json()["feature"]["workflow_status"]["name"] == "In development"


def test_a_sub_task_of_an_imported_story_follows_it_into_aha(aha_site: AhaSite, aha_api: AhaApi) -> None:
    parent, _ = engineer_creates(aha_site, story("Offline sync"))
    child, _ = engineer_creates(
        aha_site,
        {
            "project": {"key": "MOB"},
            "issuetype": {"name": "Sub-task"},
            "parent": {"key": parent["key"]},
            "summary": "Queue writes while offline",
        },
    )
    aha_site.deliver()
    [made] = [f for f in release_features(aha_api) if f["name"] == "Offline sync"]
    requirements = aha_api.get(f"/features/{made['reference_num']}/requirements").json()["requirements"]
    assert [r["name"] for r in requirements] == ["Queue writes while offline"]
    status, view = aha_site.call_api("GET", f"/integrations/mob/features/{made['reference_num']}")
    assert status == 200
    assert [r["reference"] for r in view["requirements"]] == [requirements[0]["reference_num"]]
    assert view["requirements"][0]["jira"]["key"] == child["key"]


def test_a_create_whose_answer_was_lost_is_found_not_made_again(aha_site: AhaSite, aha_api: AhaApi) -> None:
    assert aha_site.aha is not None
    aha_site.aha.add_fault(method="POST", path=r"/releases/[^/]+/features$", drop_after_commit=True, times=1)
    engineer_creates(aha_site, story("Battery drain"))
    aha_site.deliver()
    assert [f["name"] for f in release_features(aha_api)].count("Battery drain") == 1
    made = next(f for f in release_features(aha_api) if f["name"] == "Battery drain")
    status, view = aha_site.call_api("GET", f"/integrations/mob/features/{made['reference_num']}")
    assert status == 200 and view["imported"] is True


def test_without_import_release_the_import_fails_with_a_hint_and_later_events_are_skipped(
    aha_site: AhaSite, aha_api: AhaApi, log_output: Any
) -> None:
    _, view = aha_site.call_api("GET", "/integrations/mob")
    body = {
        "name": view["name"],
        "product": view["product"],
        "jira": {
            "base_url": view["jira"]["base_url"],
            "auth": {"type": "basic", "email": view["jira"]["auth"]["email"]},
            "project": view["jira"]["project"],
        },
        "mapping": view["mapping"],
        "import": {"enabled": True, "issue_types": ["Story"]},
        "roadmap": {
            "type": "aha",
            "base_url": view["roadmap"]["base_url"],
            "integration_ref": view["roadmap"]["integration_ref"],
        },
    }
    assert aha_site.call_api("PUT", "/integrations/mob", body)[0] == 200
    assert aha_site.call_api("POST", "/integrations/mob/test-connection")[0] == 200
    before = len(release_features(aha_api))
    created, _ = engineer_creates(aha_site, story("Nowhere to go"))
    SimulatorClient(aha_site.sim.base_url).engineer_transition(created["key"], "In Progress")
    aha_site.settle()
    aha_site.deliver()
    assert len(release_features(aha_api)) == before
    text = log_output.getvalue()
    assert '"action":"roadmap.failed"' in text.replace(" ", "") and "import.release" in text
    assert "is not in Aha!" in text

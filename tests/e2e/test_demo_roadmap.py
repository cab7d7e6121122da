"""The README's roadmap walk-through on `make run`'s stack (the Aha! simulator is the demo's roadmap): a feature
sent straight from Aha! (no body), then a product manager's edit in the simulated Aha! arriving in Jira through
Aha!'s webhooks, the retry worker and the send. (A Jira transition arriving in Aha!: test_demo_roadmap_status.)"""

from __future__ import annotations

from typing import Any

import requests

from tests.e2e.conftest import AHA_BOT_KEY, API_KEY, RunningStack, wait_until

HEADERS = {"x-api-key": API_KEY}


def new_aha_feature(stack: RunningStack, name: str) -> str:
    """A feature the product manager creates in the simulated Aha! (with one requirement): its reference."""
    created = requests.post(
        f"{stack.aha_url}/_sim/pm/features",
        json={"release": "PROD-R-1", "name": name, "requirements": [{"name": f"{name}: the first step"}]},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["reference_num"])


def jira_issue(stack: RunningStack, key: str) -> dict[str, Any]:
    issue: dict[str, Any] = requests.get(f"{stack.jira_url}/_sim/issues/{key}", timeout=10).json()
    return issue


def test_the_banner_shows_the_aha_simulator_but_neither_its_key_nor_the_roadmap_token(
    stack: RunningStack,
) -> None:
    text = "\n".join(stack.banner)
    assert stack.aha_url in text
    assert AHA_BOT_KEY not in text
    assert "/webhooks/aha/" not in text
    assert f"{stack.url}/integrations/demo/features/PROD-1/send" in text  # the send from Aha!


def test_the_demo_integrations_roadmap_is_the_aha_simulator(stack: RunningStack) -> None:
    demo = requests.get(f"{stack.url}/integrations/demo", headers=HEADERS, timeout=10).json()
    roadmap = demo["roadmap"]
    assert (roadmap["type"], roadmap["base_url"], roadmap["auto_update"]) == ("aha", stack.aha_url, True)
    assert roadmap["api_key_stored"] is True and AHA_BOT_KEY not in str(demo)
    assert roadmap["webhook_url"].startswith(f"{stack.url}/webhooks/aha/")
    assert demo["last_test"]["ok"] is True, demo["last_test"]
    assert demo["last_test"]["roadmap"]["user"]["email"] == "aha-bot@acme.example"
    hooks = requests.get(f"{stack.aha_url}/_sim/webhooks", timeout=10).json()["webhooks"]
    assert {(hook["format"], hook["url"]) for hook in hooks} == {
        ("integration", roadmap["webhook_url"]),
        ("activity", roadmap["webhook_url"]),
    }


def test_a_feature_sent_from_aha_then_edited_by_the_product_manager_arrives_in_jira(
    stack: RunningStack,
) -> None:
    reference = new_aha_feature(stack, "Widgets")
    sent = requests.post(
        f"{stack.url}/integrations/demo/features/{reference}/send", headers=HEADERS, timeout=30
    )
    assert sent.status_code == 200, sent.text
    key = sent.json()["jira"]["key"]
    assert jira_issue(stack, key)["fields"]["summary"] == "Widgets"
    assert [item["reference"] for item in sent.json()["requirements"]] == [f"{reference}-1"]

    edited = requests.put(
        f"{stack.aha_url}/_sim/pm/features/{reference}", json={"name": "Widgets, reworked"}, timeout=10
    )
    assert edited.status_code == 200, edited.text

    wait_until(lambda: jira_issue(stack, key)["fields"]["summary"] == "Widgets, reworked", timeout=60)
    deliveries = requests.get(f"{stack.aha_url}/_sim/webhook/deliveries", timeout=10).json()["deliveries"]
    ours = [item for item in deliveries if item["reference"] == reference and item["done"]]
    assert ours and {item["status"] for item in ours} == {200}, ours

    def logged() -> list[str]:
        answer = requests.get(
            f"{stack.url}/integrations/demo/log", params={"reference": reference}, headers=HEADERS, timeout=30
        )
        return [f"{entry['action']} {entry['outcome']}" for entry in answer.json()["entries"]]

    actions = wait_until(lambda: (found := logged()) and "roadmap.send_triggered ok" in found and found, 30)
    assert "roadmap.send_triggered queued" in actions

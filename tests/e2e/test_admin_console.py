"""The admin console in a real headless browser (Debian's Chromium, driven by Playwright) against the
`make run` stack: the seed's whole configuration from the page, bad credentials, a 400 shown beside the
field the API named, hostile strings shown as text, a narrow screen, the page under the API's stage.

The screenshots of `docs/admin-console.md` are written by these tests (docs/admin/*.png). The browser's
traffic joins the e2e capture, so the secrets check that runs last reads it too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.admin_browser import (
    NARROW,
    ConsoleTab,
    ConsoleTabs,
    idle,
    launch,
    no_horizontal_scroll,
    screenshot,
    sign_in_with,
)
from tests.e2e.conftest import API_KEY, SIM_API_TOKEN, SIM_EMAIL, E2eCapture, RunningStack, wait_until
from tests.e2e.test_demo_roadmap import new_aha_feature
from tests.leak_scan import leaks

HEADERS = {"x-api-key": API_KEY}
WRONG_TOKEN = "console-wrong-token-7e1f0c"
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_REQUIREMENT = "<script>alert(2)</script>"


@pytest.fixture(scope="module")
def console_tabs(stack: RunningStack, e2e_capture: E2eCapture) -> Iterator[ConsoleTabs]:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        tabs = ConsoleTabs(browser, stack, e2e_capture)
        try:
            yield tabs
        finally:
            tabs.close_all()
            browser.close()


def _api(stack: RunningStack, path: str) -> dict[str, Any]:
    answer = requests.get(f"{stack.url}{path}", headers=HEADERS, timeout=10)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _new_integration(
    page: Page, stack: RunningStack, integration_id: str, name: str, token: str | None
) -> None:
    page.get_by_role("button", name="New integration").click()
    page.get_by_label("Integration id", exact=True).fill(integration_id)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Roadmap product", exact=True).fill("WEB")
    page.get_by_label("Jira site address", exact=True).fill(stack.jira_url)
    page.get_by_label("E-mail of the Jira account", exact=True).fill(SIM_EMAIL)
    if token is not None:
        page.get_by_label("API token", exact=True).fill(token)
    page.get_by_label("Jira project key", exact=True).fill("MOB")
    page.get_by_role("button", name="Create the integration").click()


def _problems(page: Page) -> list[dict[str, str]]:
    items = page.locator("#test-result .problems li")
    return [
        {
            "severity": item.locator(".badge").inner_text().lower(),
            "code": item.locator(".code").inner_text(),
            "message": item.locator(".message").inner_text(),
            "hint": item.locator(".hint").inner_text(),
        }
        for item in items.all()
    ]


def _feature(reference: str, name: str, requirement_name: str) -> dict[str, Any]:
    return {
        "feature": {
            "reference_num": reference,
            "name": name,
            "description": {"body": "<p>Sent from the admin console.</p>"},
            "workflow_status": {"name": "Ready to develop"},
            "tags": ["console"],
            "custom_fields": [{"key": "risk", "name": "Risk", "value": 3}],
            "requirements": [
                {"reference_num": f"{reference}-1", "name": requirement_name, "description": {"body": ""}}
            ],
        }
    }


def _nothing_ran(tab: ConsoleTab) -> None:
    assert tab.dialogs == [], tab.dialogs
    assert tab.page_errors == [], tab.page_errors
    assert tab.page.locator("img[src='x']").count() == 0
    assert tab.page.evaluate("document.querySelectorAll('script:not([src])').length") == 0


def test_the_whole_configuration_from_the_page(stack: RunningStack, console_tabs: ConsoleTabs) -> None:
    """From the list to a sent feature whose Jira status comes back after an engineer moves its issue."""
    tab = console_tabs.open(sign_in=False)
    page = tab.page
    expect(page.get_by_role("heading", name="Open the admin console")).to_be_visible()
    screenshot(page, "01-api-key")
    sign_in_with(page, API_KEY)
    expect(page.get_by_role("button", name="Open Demo: Mobile app")).to_be_visible()
    idle(page)

    # Create: a wrong API token first; the page stores it and never shows it back.
    _new_integration(page, stack, "console-web", "Web app", WRONG_TOKEN)
    expect(page.get_by_role("tab", name="Test and map")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#detail-title")).to_have_text("Web app")
    page.get_by_role("tab", name="Settings").click()
    expect(page.locator("#auth-api-token-stored")).to_contain_text("An API token is stored")
    expect(page.get_by_label("API token", exact=True)).to_have_value("")
    assert WRONG_TOKEN not in page.content()

    # Test connection: auth_failed, an error, with its message and hint. Jira answers slowly this once:
    # meanwhile the page says what it is doing and the button cannot be pressed twice.
    slow = {"method": "GET", "path": "/serverInfo", "delay": 1.5, "times": 1}
    requests.post(f"{stack.jira_url}/_sim/faults", json=slow, timeout=10).raise_for_status()
    page.get_by_role("tab", name="Test and map").click()
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#busy")).to_be_visible()
    expect(page.locator("#busy")).to_have_text("Testing the connection to Jira…")
    expect(page.get_by_role("button", name="Test connection")).to_be_disabled()
    expect(page.locator("section[aria-labelledby='test-title']")).to_have_attribute("aria-busy", "true")
    expect(page.locator("#test-result .outcome")).to_contain_text("found 1 problem")
    idle(page)
    (problem,) = _problems(page)
    assert (problem["severity"], problem["code"]) == ("error", "auth_failed")
    assert problem["message"] and problem["hint"].startswith("Hint: ")
    screenshot(page, "03-test-auth-failed")

    # Edit: the right token; the test passes and the lists come from Jira.
    page.get_by_role("tab", name="Settings").click()
    page.get_by_label("API token", exact=True).fill(SIM_API_TOKEN)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#notice")).to_have_text("Settings saved.")
    page.get_by_role("tab", name="Test and map").click()
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#test-result .outcome")).to_have_text(re.compile("^Connection test passed"))
    idle(page)

    # The project is chosen from Jira's projects: REQ, whose issue types require two custom fields.
    page.get_by_label("Jira project", exact=True).select_option("REQ")
    expect(page.get_by_role("button", name="Save the mapping and test")).to_be_disabled()
    page.get_by_role("button", name="Load this project").click()
    expect(page.locator("#test-result .outcome")).to_have_text(re.compile(r"found \d+ problems"))
    idle(page)
    codes = {item["code"] for item in _problems(page)}
    assert codes == {"required_field_unmapped", "status_unmapped"}, codes
    feature_types = page.get_by_label("Features become", exact=True).locator("option").all_inner_texts()
    assert "Story" in feature_types and "Sub-task" not in feature_types
    assert (
        "Sub-task (sub-task)"
        in page.get_by_label("Requirements become", exact=True).locator("option").all_inner_texts()
    )
    assert (
        "Relates"
        in page.get_by_label("Link type between a feature and its requirements", exact=True)
        .locator("option")
        .all_inner_texts()
    )
    jira_statuses = page.locator("#status-rows td:first-child label").all_inner_texts()
    assert jira_statuses == ["Backlog", "In Progress", "In Review", "Done"]

    # Map the statuses, the select from its allowed values, the number from a feature attribute.
    for jira_status, roadmap_status in {
        "Backlog": "Ready to develop",
        "In Progress": "In development",
        "In Review": "In development",
        "Done": "Shipped",
    }.items():
        page.locator("#status-rows").get_by_label(jira_status, exact=True).fill(roadmap_status)
    page.get_by_label("How to fill Team", exact=True).select_option("value")
    assert page.get_by_label("Constant for Team", exact=True).locator("option").all_inner_texts()[1:] == [
        "Platform",
        "Mobile",
        "Web",
    ]
    page.get_by_label("Constant for Team", exact=True).select_option("Mobile")
    page.get_by_label("How to fill Risk Score", exact=True).select_option("from")
    page.get_by_label("Feature attribute for Risk Score", exact=True).fill("custom_fields.risk")
    page.get_by_label("The summary renames it", exact=True).check()  # mapping.two_way
    page.get_by_role("button", name="Save the mapping and test").click()
    expect(page.locator("#test-result .outcome")).to_contain_text("Connection test passed.")
    idle(page)
    stored = _api(stack, "/integrations/console-web")
    assert stored["jira"]["project"] == "REQ"
    assert stored["mapping"]["statuses"]["In Review"] == "In development"
    assert stored["mapping"]["two_way"] == ["name"]
    assert page.get_by_label("The summary renames it", exact=True).is_checked()
    assert stored["mapping"]["fields"] == {
        "customfield_10300": {"value": "Mobile"},
        "customfield_10301": {"from": "custom_fields.risk"},
    }
    assert stored["enabled"] is False
    screenshot(page, "04-test-and-map")
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input, select, textarea')].filter(c => !c.labels.length).map(c => c.id)"
    )
    assert unlabelled == [], unlabelled

    # Enable it.
    page.get_by_role("button", name="Enable").click()
    expect(page.get_by_role("button", name="Disable")).to_be_visible()
    assert _api(stack, "/integrations/console-web")["enabled"] is True

    # The webhook URL, copied with one click, and the steps to register it.
    page.get_by_role("tab", name="Webhook").click()
    expect(page.get_by_label("Webhook URL", exact=True)).to_have_value(stored["webhook_url"])
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#copy-state")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == stored["webhook_url"]
    expect(page.locator(".steps li")).to_have_count(6)
    expect(page.locator("#webhook-jql")).to_have_text("project = REQ")
    idle(page)
    screenshot(page, "05-webhook")

    # Send a pasted Aha! feature; the result links to the Jira issues.
    page.get_by_role("tab", name="Send").click()
    page.get_by_label("Aha! feature JSON", exact=True).fill(
        json.dumps(_feature("WEB-7", "Checkout in one step", "Pay"))
    )
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#send-outcome")).to_contain_text("WEB-7 is in Jira as")
    idle(page)
    issue = page.locator("#send-outcome a")
    key = issue.inner_text()
    assert key.startswith("REQ-")
    assert issue.get_attribute("href") == f"{stack.jira_url}/browse/{key}"
    assert issue.get_attribute("rel") == "noopener noreferrer"
    requirement = page.locator("#send-result table a")
    assert requirement.get_attribute("href") == f"{stack.jira_url}/browse/{requirement.inner_text()}"
    expect(page.locator("#send-result")).to_contain_text("created: WEB-7, WEB-7-1")
    screenshot(page, "06-send-result")
    jira_issue = requests.get(f"{stack.jira_url}/_sim/issues/{key}", timeout=10).json()
    assert jira_issue["fields"]["customfield_10301"] == 3

    # An engineer moves the issue in Jira: its status comes back through the webhook.
    moved = requests.post(
        f"{stack.jira_url}/_sim/engineer/issues/{key}/transition", json={"status": "In Progress"}, timeout=10
    )
    assert moved.status_code < 300, moved.text

    page.get_by_role("tab", name="Features").click()

    def shows_the_move() -> bool:
        page.get_by_role("button", name="Refresh").click()
        idle(page)
        row = page.locator("#features-table tr.feature").first
        return row.is_visible() and "In Progress" in row.inner_text()

    wait_until(shows_the_move, timeout=30, interval=0.5)
    row = page.locator("#features-table tr.feature").first
    cells = row.locator("td").all_inner_texts()
    assert cells[0].startswith("WEB-7") and cells[1] == "Checkout in one step"
    assert (cells[2], cells[3], cells[4]) == ("In development", key, "In Progress")
    expect(page.locator("#features-table tr.requirement")).to_have_count(1)
    screenshot(page, "07-features")

    # The log, newest first; failed only shows the failed test with its hint; by reference the send.
    page.get_by_role("tab", name="Log").click()
    expect(page.locator("#log-entries li").first).to_be_visible()
    idle(page)
    page.get_by_label("Failed only", exact=True).check()
    expect(page.locator("#log-entries li .badge:not(.failed)")).to_have_count(0)
    idle(page)
    failed = page.locator("#log-entries li")
    expect(failed.filter(has_text="auth_failed")).to_have_count(1)
    expect(failed.filter(has_text="auth_failed").locator(".hint")).to_contain_text("Hint: ")
    screenshot(page, "08-log-failed")
    page.get_by_label("Failed only", exact=True).uncheck()
    idle(page)
    page.get_by_label("Reference", exact=True).fill("WEB-7")
    page.get_by_role("button", name="Show").click()
    idle(page)
    actions = page.locator("#log-entries .code").all_inner_texts()
    assert actions and all(not action.startswith("integration.") for action in actions), actions
    times = page.locator("#log-entries time").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('datetime'))"
    )
    assert times == sorted(times, reverse=True)

    # Back to the list: the integration with its state.
    page.get_by_role("button", name="Integrations").click()
    listed = page.locator("tr[data-integration='console-web']")
    expect(listed).to_contain_text("enabled")
    expect(listed).to_contain_text("passed")
    # The Jira webhook's health: its last delivery (the move above came back through it).
    expect(listed).to_contain_text("Jira webhook")
    assert listed.locator("td[data-label='Last delivery'] time").count() == 1
    idle(page)
    screenshot(page, "02-integrations")
    _nothing_ran(tab)
    assert tab.console_errors == [], tab.console_errors
    # The API key travelled in its header only; no secret came back in any answer.
    calls = tab.api_requests()
    assert calls and all(request.headers.get("x-api-key") == API_KEY for request in calls)
    assert all(API_KEY not in request.url for request in tab.requests)
    assert leaks("\n".join(tab.answers()), {"API token": SIM_API_TOKEN, "wrong token": WRONG_TOKEN}) == []
    assert page.evaluate("Object.keys(localStorage).length") == 0
    assert page.evaluate("sessionStorage.getItem('aha-jira.admin.api-key')") == API_KEY


def test_the_log_pages_back_in_time(stack: RunningStack, console_tabs: ConsoleTabs) -> None:
    """More entries than a page (25): "Older entries" appends the next page, newest first, none twice."""
    body = {
        "name": "Log pages",
        "product": "LOG",
        "jira": {
            "base_url": stack.jira_url,
            "auth": {"type": "basic", "email": SIM_EMAIL, "api_token": WRONG_TOKEN},
            "project": "MOB",
        },
        "mapping": {"feature_issue_type": "Story", "requirement_issue_type": "Sub-task"},
    }
    created = requests.put(f"{stack.url}/integrations/console-log", json=body, headers=HEADERS, timeout=10)
    assert created.status_code == 201, created.text
    for _ in range(30):
        tested = requests.post(
            f"{stack.url}/integrations/console-log/test-connection", headers=HEADERS, timeout=10
        )
        assert tested.status_code == 200
    page = console_tabs.open().page
    page.get_by_role("button", name="Open Log pages").click()
    page.get_by_role("tab", name="Log").click()
    entries = page.locator("#log-entries li")
    expect(entries).to_have_count(25)
    page.get_by_role("button", name="Older entries").click()
    expect(entries).to_have_count(31)  # 30 tests and the configuration
    expect(page.get_by_role("button", name="Older entries")).to_be_hidden()
    times = page.locator("#log-entries time").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('datetime'))"
    )
    assert times == sorted(times, reverse=True)
    expect(entries.last).to_contain_text("integration.configured")


def test_a_400_is_shown_beside_the_field_the_api_named(
    stack: RunningStack, console_tabs: ConsoleTabs
) -> None:
    page = console_tabs.open().page
    _new_integration(page, stack, "console-no-token", "No token", token=None)
    token = page.get_by_label("API token", exact=True)
    error = page.locator("#auth-api-token-error")
    expect(error).to_have_text("jira.auth.api_token: Field required")
    expect(token).to_have_attribute("aria-invalid", "true")
    assert "auth-api-token-error" in (token.get_attribute("aria-describedby") or "")
    expect(token).to_be_focused()
    expect(page.locator("#settings-form .form-error")).to_contain_text("Hint: ")
    idle(page)
    screenshot(page, "09-settings-400")
    # Nothing was written: the integration does not exist.
    missing = requests.get(f"{stack.url}/integrations/console-no-token", headers=HEADERS, timeout=10)
    assert missing.status_code == 404


def test_a_feature_is_sent_by_reference_from_aha(stack: RunningStack, console_tabs: ConsoleTabs) -> None:
    """The demo's roadmap is the Aha! simulator: the Send tab sends a feature by its reference alone, read from
    Aha!, and links to its Jira issue."""
    reference = new_aha_feature(stack, "Sent from the console")
    page = console_tabs.open().page
    page.get_by_role("button", name="Open Demo: Mobile app").click()
    page.get_by_role("tab", name="Send").click()
    page.get_by_label("Feature reference", exact=True).fill(reference)
    page.locator("#send-by-reference").click()
    expect(page.locator("#send-outcome")).to_contain_text(f"{reference} is in Jira as")
    key = page.locator("#send-outcome a").first.inner_text()
    issue = requests.get(f"{stack.jira_url}/_sim/issues/{key}", timeout=10).json()
    assert issue["fields"]["summary"] == "Sent from the console"


def test_hostile_strings_are_shown_as_text(stack: RunningStack, console_tabs: ConsoleTabs) -> None:
    """A feature named `<img src=x onerror=alert(1)>` shows those characters in the result, the feature
    list and the log, and runs nothing (no dialog, no element made from it)."""
    tab = console_tabs.open()
    page = tab.page
    page.get_by_role("button", name="Open Demo: Mobile app").click()
    page.get_by_role("tab", name="Send").click()
    page.get_by_role("button", name="Insert an example").click()
    example = json.loads(page.get_by_label("Aha! feature JSON", exact=True).input_value())
    assert example["feature"]["requirements"]
    page.get_by_label("Aha! feature JSON", exact=True).fill(
        json.dumps(_feature("PROD-66", HOSTILE, HOSTILE_REQUIREMENT))
    )
    # The demo's roadmap is Aha!: the tab also offers a send by reference (read from Aha!).
    page.locator("#send-json-form").get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#send-outcome")).to_contain_text("PROD-66 is in Jira as")
    idle(page)
    page.get_by_role("tab", name="Features").click()
    idle(page)
    expect(page.locator("#features-table").get_by_text(HOSTILE, exact=True)).to_be_visible()
    feature = requests.get(f"{stack.url}/integrations/demo/features/PROD-66", headers=HEADERS, timeout=10)
    assert feature.json()["name"] == HOSTILE
    page.get_by_role("tab", name="Log").click()
    idle(page)
    _nothing_ran(tab)
    # The hostile name reached the page as data, not as markup.
    assert any(HOSTILE in answer for answer in tab.answers())
    assert page.evaluate("document.body.innerHTML.includes('<img src=x')") is False


def test_a_narrow_screen(stack: RunningStack, console_tabs: ConsoleTabs) -> None:
    """At 390 px wide: no sideways scrolling, the tables become cards, the controls stay reachable."""
    page = console_tabs.open(viewport=NARROW).page
    idle(page)
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="Open Demo: Mobile app").click()
    for name in ("Settings", "Test and map", "Webhook", "Send", "Features", "Log"):
        page.get_by_role("tab", name=name).click()
        idle(page)
        assert no_horizontal_scroll(page), name
    page.get_by_role("tab", name="Features").click()
    idle(page)
    expect(page.locator("#features-table thead")).not_to_be_in_viewport()
    screenshot(page, "10-narrow-features")
    # Keyboard: from the Send tab, Tab reaches the forms' controls in order (the demo's roadmap is Aha!: the
    # send by reference comes first).
    page.get_by_role("tab", name="Send").click()
    page.get_by_role("tab", name="Send").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Feature reference", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#send-by-reference")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Aha! feature JSON", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#send-json-form").get_by_role("button", name="Send", exact=True)).to_be_focused()


def test_under_the_stage_the_page_calls_the_stage(stack: RunningStack, console_tabs: ConsoleTabs) -> None:
    tab = console_tabs.open(path="/v1/admin")
    idle(tab.page)
    expect(tab.page.get_by_role("button", name="Open Demo: Mobile app")).to_be_visible()
    calls = [request.url for request in tab.api_requests()]
    assert calls and all(url.startswith(f"{stack.url}/v1/integrations") for url in calls), calls


def test_a_wrong_api_key_is_asked_again(stack: RunningStack, console_tabs: ConsoleTabs) -> None:
    tab = console_tabs.open(sign_in=False)
    page = tab.page
    sign_in_with(page, "not-the-key")
    expect(page.locator("#api-key-error")).to_contain_text("403")
    expect(page.get_by_label("API key", exact=True)).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("sessionStorage.length") == 0


def test_the_browser_traffic_joins_the_secrets_check(
    console_tabs: ConsoleTabs, e2e_capture: E2eCapture
) -> None:
    """Closing the tabs hands every answer the browser received to the capture the secrets check reads."""
    before = len(e2e_capture.answers)
    console_tabs.close_all()
    handed = e2e_capture.answers[before:]
    assert any(" /admin" in answer.split("\n", 1)[0] or "/admin\n" in answer for answer in handed)
    assert any("/integrations/console-web/test-connection" in answer for answer in handed)
    assert any('"problems"' in answer for answer in handed)

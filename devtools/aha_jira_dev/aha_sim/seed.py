"""The seed of the simulated account (``Store.reset`` restores it): users and API keys, product ``PROD``,
its workflows, the Jira integration, three releases, an epic and an initiative, three features with
requirements, attachments and a comment. README.md lists what is where."""

from __future__ import annotations

import struct
import zlib

from .state import (
    BOT_USER_ID,
    ENGINEER_USER_ID,
    EPIC_WORKFLOW_ID,
    FEATURE_WORKFLOW_ID,
    INITIATIVE_WORKFLOW_ID,
    INTEGRATION_ID,
    PM_USER_ID,
    PRODUCT_ID,
    RELEASE_WORKFLOW_ID,
    REQUIREMENT_WORKFLOW_ID,
    SEED_TIME,
    ApiKey,
    Epic,
    Initiative,
    Integration,
    Product,
    Release,
    Store,
    User,
    Workflow,
    WorkflowStatus,
)


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small valid PNG (one colour), so attachment downloads are real images."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


STATUS_COLORS = ("#dce7c6", "#ecdd8f", "#c6dcf1", "#f0c5a8", "#d4c6f1", "#b8e0d2", "#a6e3a1", "#e0e0e0")
CATEGORIES = {
    "New": None,
    "Under consideration": ("6700000000000000501", "Not started"),
    "Ready to develop": ("6700000000000000501", "Not started"),
    "In development": ("6700000000000000502", "In progress"),
    "In code review": ("6700000000000000502", "In progress"),
    "Ready to ship": ("6700000000000000502", "In progress"),
    "Shipped": ("6700000000000000503", "Shipped"),
    "Will not implement": ("6700000000000000504", "Will not do"),
}
FEATURE_STATUSES = (
    "New",
    "Under consideration",
    "Ready to develop",
    "In development",
    "In code review",
    "Ready to ship",
    "Shipped",
    "Will not implement",
)
COMPLETE = frozenset({"Shipped", "Will not implement"})


def _workflow(
    store: Store,
    workflow_id: int,
    name: str,
    statusable_type: str,
    *,
    statuses: tuple[str, ...],
    base: int,
) -> Workflow:
    workflow = Workflow(workflow_id, name, statusable_type)
    for position, status_name in enumerate(statuses, start=1):
        status = WorkflowStatus(
            str(base + position),
            workflow_id,
            status_name,
            position,
            status_name in COMPLETE,
            STATUS_COLORS[(position - 1) % len(STATUS_COLORS)],
            CATEGORIES.get(status_name),
        )
        store.statuses[status.id] = status
        workflow.status_ids.append(status.id)
    store.workflows[workflow_id] = workflow
    return workflow


def seed(store: Store) -> None:
    for user in (
        User(BOT_USER_ID, "Aha-Jira Integration", "aha-bot@acme.example"),
        User(PM_USER_ID, "Pat Manager", "pm@acme.example"),
        User(ENGINEER_USER_ID, "Erin Engineer", "engineer@acme.example"),
    ):
        store.users[user.id] = user
    for label, user_id in (("bot", BOT_USER_ID), ("pm", PM_USER_ID)):
        key = store.seed_api_keys[label]
        store.api_keys[key] = ApiKey(key, user_id, label)

    workflows = (
        (FEATURE_WORKFLOW_ID, "Feature workflow", "Feature", FEATURE_STATUSES, 200),
        (REQUIREMENT_WORKFLOW_ID, "Requirement workflow", "Requirement", FEATURE_STATUSES, 220),
        (RELEASE_WORKFLOW_ID, "Release workflow", "Release", ("Not started", "In progress", "Shipped"), 240),
        (EPIC_WORKFLOW_ID, "Epic workflow", "Epic", ("New", "In development", "Shipped"), 250),
        (
            INITIATIVE_WORKFLOW_ID,
            "Initiative workflow",
            "Initiative",
            ("Not started", "On track", "Done"),
            260,
        ),
    )
    for workflow_id, name, statusable, statuses, base in workflows:
        _workflow(store, workflow_id, name, statusable, statuses=statuses, base=6700000000000000000 + base)
    store.workflows[FEATURE_WORKFLOW_ID].kinds = [
        ("6700000000000000301", "New"),
        ("6700000000000000302", "Improvement"),
    ]

    product = Product(PRODUCT_ID, "PROD", "Acme Mobile", description_id=store.new_id())
    store.products[product.id] = product
    store.integrations[INTEGRATION_ID] = Integration(
        INTEGRATION_ID, product.id, "jira", "Jira", callback_token=store.new_token() * 2
    )

    release_status = store.workflows[RELEASE_WORKFLOW_ID].status_ids
    releases: list[Release] = []
    for name, start, date, parking in (
        ("Release 1.0", "2024-02-01", "2024-03-29", False),
        ("Release 2.0", "2024-04-01", "2024-06-28", False),
        ("Parking lot", None, None, True),
    ):
        release = Release(
            store.new_id(),
            product.id,
            store.next_release_reference(product),
            name,
            release_status[0],
            start,
            date,
            parking_lot=parking,
            theme=f"<p>{name}</p>",
            theme_id=store.new_id(),
            position=len(releases) + 1,
        )
        store.releases[release.id] = release
        releases.append(release)

    initiative = Initiative(
        store.new_id(),
        product.id,
        f"{product.reference_prefix}-S-{product.next_initiative}",
        "Grow mobile usage",
        "<p>Double weekly active users on mobile.</p>",
        store.new_id(),
        store.workflows[INITIATIVE_WORKFLOW_ID].status_ids[1],
    )
    product.next_initiative += 1
    store.initiatives[initiative.id] = initiative
    epic = Epic(
        store.new_id(),
        product.id,
        f"{product.reference_prefix}-E-{product.next_epic}",
        "Sign-in",
        "<p>Everything about signing in.</p>",
        store.new_id(),
        store.workflows[EPIC_WORKFLOW_ID].status_ids[0],
        releases[0].id,
        initiative.id,
    )
    product.next_epic += 1
    store.epics[epic.id] = epic

    def status(name: str) -> str:
        found = store.workflow_status_named(FEATURE_WORKFLOW_ID, name)
        assert found is not None
        return found.id

    def requirement_status(name: str) -> str:
        found = store.workflow_status_named(REQUIREMENT_WORKFLOW_ID, name)
        assert found is not None
        return found.id

    login = store.add_feature(
        product,
        releases[0],
        "Mobile login",
        created_by=PM_USER_ID,
        description='<p>Let people sign in from the app.</p><p><img src="login.png"></p>',
        status_id=status("Ready to develop"),
        tags=["mobile", "auth"],
        at=SEED_TIME,
    )
    login.epic_id, login.initiative_id = epic.id, initiative.id
    login.assigned_to = PM_USER_ID
    login.original_estimate = login.remaining_estimate = 16 * 60
    store.add_attachment(
        "Feature",
        login.id,
        "login.png",
        _png(4, 3, (30, 120, 200)),
        "image/png",
        in_description=True,
        at=SEED_TIME,
    )
    store.add_attachment(
        "Feature",
        login.id,
        "flows.txt",
        b"1. open the app\n2. tap Sign in\n",
        "text/plain",
        in_description=False,
        at=SEED_TIME,
    )
    email = store.add_requirement(
        login,
        "Sign in with e-mail",
        created_by=PM_USER_ID,
        description="<p>E-mail and password.</p>",
        status_id=requirement_status("Ready to develop"),
        at=SEED_TIME,
    )
    store.add_attachment(
        "Requirement",
        email.id,
        "form.png",
        _png(2, 2, (200, 60, 60)),
        "image/png",
        in_description=True,
        at=SEED_TIME,
    )
    store.add_requirement(
        login,
        "Sign in with a passkey",
        created_by=PM_USER_ID,
        description="<p>WebAuthn passkeys.</p>",
        at=SEED_TIME,
    )
    store.add_comment("Feature", login.id, "<p>Design is ready.</p>", PM_USER_ID, at=SEED_TIME)

    offline = store.add_feature(
        product,
        releases[0],
        "Offline mode",
        created_by=PM_USER_ID,
        description="<p>Keep working without a network.</p>",
        status_id=status("New"),
        tags=["mobile"],
        at=SEED_TIME,
    )
    offline.epic_id = epic.id
    store.add_requirement(offline, "Queue writes while offline", created_by=PM_USER_ID, at=SEED_TIME)

    store.add_feature(
        product,
        releases[1],
        "Dark theme",
        created_by=PM_USER_ID,
        description="<p>A dark colour scheme.</p>",
        status_id=status("Under consideration"),
        at=SEED_TIME,
    )

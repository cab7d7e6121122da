"""``ProductManager``: the product-manager actions of ``/_sim/pm`` as Python methods, the same for an
in-process simulator (``AhaSimulator.pm``) and one reached over HTTP (``AhaSimulatorClient.pm``).

Every method returns what the control route answers (the record as the REST API shows it) and fires Aha!'s
webhooks as the product manager; ``acting_as`` (an e-mail) picks another user.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

REQUIREMENT_REF = re.compile(r"^[A-Za-z][A-Za-z0-9]*-\d+-\d+$")

Call = Callable[[str, str, dict[str, Any] | None], Any]


class SimulatorError(RuntimeError):
    """A control call the simulator refused (``status`` and its message)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(f"{status}: {message}")


def _kind(ref: str, kind: str | None) -> str:
    if kind is not None:
        if kind not in ("feature", "requirement"):
            raise ValueError("kind must be 'feature' or 'requirement'")
        return f"{kind}s"
    return "requirements" if REQUIREMENT_REF.match(ref) else "features"


def _attrs(acting_as: str | None, **attrs: Any) -> dict[str, Any]:
    """The body, without the optional arguments left at None."""
    return _edit(acting_as, {k: v for k, v in attrs.items() if v is not None})


def _edit(acting_as: str | None, attrs: dict[str, Any]) -> dict[str, Any]:
    """An edit's body: every attribute given, None included (it clears the field)."""
    body = dict(attrs)
    if acting_as:
        body["as"] = acting_as
    return body


class ProductManager:
    def __init__(self, call: Call) -> None:
        self._control = call

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        return self._control(method, "/pm" + path, body)

    # features ------------------------------------------------------------------------------------------
    def create_feature(
        self,
        release: str,
        name: str,
        *,
        description: str | None = None,
        status: str | None = None,
        tags: list[str] | None = None,
        requirements: list[dict[str, Any]] | None = None,
        acting_as: str | None = None,
        **attrs: Any,
    ) -> dict[str, Any]:
        """A new feature in ``release`` (fires ``create_feature`` and an audit ``create``)."""
        body = _attrs(
            acting_as,
            release=release,
            name=name,
            description=description,
            status=status,
            tags=tags,
            requirements=requirements,
            **attrs,
        )
        result: dict[str, Any] = self._call("POST", "/features", body)
        return result

    def edit_feature(self, ref: str, *, acting_as: str | None = None, **attrs: Any) -> dict[str, Any]:
        """e.g. ``edit_feature("PROD-1", name="New name", status="In development", tags=["a"])``."""
        result: dict[str, Any] = self._call("PUT", f"/features/{ref}", _edit(acting_as, attrs))
        return result

    def set_status(self, ref: str, status: str, *, acting_as: str | None = None) -> dict[str, Any]:
        """Move a feature or requirement (by reference) to ``status``."""
        kind = _kind(ref, None)
        result: dict[str, Any] = self._call("PUT", f"/{kind}/{ref}", _attrs(acting_as, status=status))
        return result

    def delete_feature(self, ref: str, *, acting_as: str | None = None) -> None:
        self._call("DELETE", f"/features/{ref}", _attrs(acting_as))

    def send_feature(self, ref: str, event: str | None = None, *, acting_as: str | None = None) -> str:
        """ "Send to integration": fires ``create_feature`` (not linked yet) or ``update_feature``."""
        result: dict[str, Any] = self._call("POST", f"/features/{ref}/send", _attrs(acting_as, event=event))
        return str(result["event"])

    # requirements --------------------------------------------------------------------------------------
    def add_requirement(
        self,
        feature_ref: str,
        name: str,
        *,
        description: str | None = None,
        status: str | None = None,
        acting_as: str | None = None,
        **attrs: Any,
    ) -> dict[str, Any]:
        body = _attrs(acting_as, name=name, description=description, status=status, **attrs)
        result: dict[str, Any] = self._call("POST", f"/features/{feature_ref}/requirements", body)
        return result

    def edit_requirement(self, ref: str, *, acting_as: str | None = None, **attrs: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("PUT", f"/requirements/{ref}", _edit(acting_as, attrs))
        return result

    def delete_requirement(self, ref: str, *, acting_as: str | None = None) -> None:
        self._call("DELETE", f"/requirements/{ref}", _attrs(acting_as))

    # comments and attachments --------------------------------------------------------------------------
    def add_comment(
        self, ref: str, body: str, *, kind: str | None = None, acting_as: str | None = None
    ) -> dict[str, Any]:
        """A comment on a feature or requirement (told apart by the reference, or ``kind``)."""
        result: dict[str, Any] = self._call(
            "POST", f"/{_kind(ref, kind)}/{ref}/comments", _attrs(acting_as, body=body)
        )
        return result

    def edit_comment(self, comment_id: str, body: str, *, acting_as: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._call("PUT", f"/comments/{comment_id}", _attrs(acting_as, body=body))
        return result

    def delete_comment(self, comment_id: str, *, acting_as: str | None = None) -> None:
        self._call("DELETE", f"/comments/{comment_id}", _attrs(acting_as))

    def add_attachment(
        self,
        ref: str,
        file_name: str,
        content: bytes | str,
        content_type: str = "application/octet-stream",
        *,
        in_description: bool = False,
        kind: str | None = None,
        acting_as: str | None = None,
    ) -> dict[str, Any]:
        raw = content.encode() if isinstance(content, str) else content
        body = _attrs(
            acting_as,
            file_name=file_name,
            content_type=content_type,
            content_base64=base64.b64encode(raw).decode(),
            in_description=in_description,
        )
        result: dict[str, Any] = self._call("POST", f"/{_kind(ref, kind)}/{ref}/attachments", body)
        return result

    # releases ------------------------------------------------------------------------------------------
    def edit_release(self, ref: str, *, acting_as: str | None = None, **attrs: Any) -> dict[str, Any]:
        """``name``, ``release_date``, ``start_date``, ``released`` (fires ``update_release``)."""
        result: dict[str, Any] = self._call("PUT", f"/releases/{ref}", _edit(acting_as, attrs))
        return result

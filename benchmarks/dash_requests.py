"""Requests as the browser makes them, for tests and benchmarks: the login and Dash's router.

Shared so that a change in the login form or Dash's page router is mended in one place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from app import ids

DASH = "/_dash-update-component"


def log_in(client: Any, name: str, password: str) -> Any:
    """Log a Flask test client in through the real form; CSRF header set as Dash's renderer does."""
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf, "Anmeldeseite ohne CSRF-Feld"
    response = client.post(
        "/login", data={"name": name, "password": password, "csrf": csrf.group(1), "next": "/"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    client.get("/")  # sets the CSRF cookie, which the renderer sends back as a header
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None, "Anmeldung fehlgeschlagen"
    client.environ_base["HTTP_X_CSRFTOKEN"] = cookie.value
    return client


def callback_payload(
    outputs: list[tuple[Any, str]],
    inputs: list[Any],
    changed: str,
    state: list[Any] | None = None,
) -> dict[str, Any]:
    """A request of Dash's renderer for one callback: its outputs as (id, property), its inputs
    and states as the renderer sends them, and the input that changed ("id.property")."""
    described = [{"id": oid, "property": prop} for oid, prop in outputs]

    def key(oid: Any, prop: str) -> str:
        text = oid if isinstance(oid, str) else json.dumps(oid, separators=(",", ":"))
        return f"{text}.{prop}"

    if len(outputs) == 1:
        output = key(*outputs[0])
    else:
        output = ".." + "...".join(key(oid, prop) for oid, prop in outputs) + ".."
    return {
        "output": output,
        "outputs": described[0] if len(outputs) == 1 else described,
        "inputs": inputs,
        "changedPropIds": [changed],
        "state": state or [],
    }


def route_payload(pathname: str, search: str = "") -> dict[str, Any]:
    """The page router's callback: renders a page's layout for a path."""
    return callback_payload(
        [("_pages_content", "children"), ("_pages_store", "data")],
        [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "_pages_location.pathname",
    )


def _group(kind: str, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"id": {"index": code, "type": kind}, "property": "value", "value": value}
        for code, value in values.items()
    ]


def save_payload(
    context: Any,
    values: Mapping[str, Any] | None = None,
    statuses: Mapping[str, Any] | None = None,
    comments: Mapping[str, Any] | None = None,
    lights: Mapping[str, Any] | None = None,
    texts: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The request of the „Speichern“ button of /erfassung, built by hand (as an attacker could)."""
    return callback_payload(
        [(ids.ENTRY_MESSAGE, "children"), (ids.ENTRY_CONTEXT, "data")],
        [{"id": ids.ENTRY_SAVE, "property": "n_clicks", "value": 1}],
        f"{ids.ENTRY_SAVE}.n_clicks",
        [
            {"id": ids.ENTRY_CONTEXT, "property": "data", "value": context},
            _group(ids.ENTRY_VALUE, values or {}),
            _group(ids.ENTRY_STATUS, statuses or {}),
            _group(ids.ENTRY_COMMENT, comments or {}),
            _group(ids.ENTRY_OVERRIDE_LIGHT, lights or {}),
            _group(ids.ENTRY_OVERRIDE_TEXT, texts or {}),
        ],
    )


def find_prop(tree: Any, component_id: str, prop: str) -> Any:
    """A property of the component with this id anywhere in a callback's answer (a layout), e.g.
    the form context that /erfassung renders and the „Speichern“ request sends back."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and props.get("id") == component_id and prop in props:
                return props[prop]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    raise KeyError(f"{component_id}.{prop} nicht in der Antwort")


def form_fields(tree: Any) -> dict[str, dict[str, Any]]:
    """Every field of the /erfassung form in a rendered layout: type -> {index: value}."""
    fields: dict[str, dict[str, Any]] = {kind: {} for kind in ids.ENTRY_FIELD_TYPES}
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict):
                cid = props.get("id")
                if isinstance(cid, dict) and cid.get("type") in fields:
                    fields[cid["type"]][cid["index"]] = props.get("value")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return fields


def form_save_payload(context: Any, fields: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The „Speichern“ request for a whole form as `form_fields` read it (type -> {index: value})."""
    return save_payload(
        context,
        fields.get(ids.ENTRY_VALUE),
        fields.get(ids.ENTRY_STATUS),
        fields.get(ids.ENTRY_COMMENT),
        fields.get(ids.ENTRY_OVERRIDE_LIGHT),
        fields.get(ids.ENTRY_OVERRIDE_TEXT),
    )

"""Locust users who work with Zielcockpit as the browser does (run by `python -m benchmarks.load`).

A reader logs in through the form, loads the shell and Dash's callback list, then opens pages:
each navigation is the page router's callback plus every callback the renderer fires for the new
URL and the new layout (navigation links, the user's name, a page's own initial callbacks), with
the CSRF header Dash's renderer sends; now and then the JSON API. A few entry users open
/erfassung for their unit and save a value with the form's context (what the page showed): an
answer „inzwischen von“ (someone saved the same value meanwhile) is an expected outcome and is
counted as „Konflikt (erwartet)“, not as a failure. Only 127.0.0.1 is accepted as host.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import threading
from typing import Any

from locust import HttpUser, between, events, task
from locust.env import Environment

from app import ids
from benchmarks.dash_requests import DASH, find_prop, form_fields, form_save_payload, route_payload
from db.demo import DEMO_PASSWORD

PLAN, PERIOD = "2017", "2017-Q2"
ENTRY_PERIOD = "2017-Q3"
READERS = ("demo-leitung", "demo-controlling", "demo-admin", "demo-fb-510", "demo-fb-rege")
# (account, unit, indicator): two accounts on 510-4.2, so concurrent saves meet now and then.
WRITERS = (
    ("demo-fb-510", "510", "510-4.2"),
    ("demo-fb-rege", "REGE", "REGE-4.1"),
    ("demo-controlling", "510", "510-4.2"),
)
SEE_ALL = ("demo-controlling", "demo-admin")  # the pages only controlling and admin open
_readers = itertools.cycle(READERS)
_writers = itertools.cycle(WRITERS)
_next_lock = threading.Lock()


@events.test_start.add_listener
def only_local(environment: Environment, **_kwargs: Any) -> None:
    host = environment.host or ""
    if not re.match(r"^http://127\.0\.0\.1:\d+/?$", host):
        raise SystemExit(f"Lasttest nur gegen http://127.0.0.1:PORT, nicht gegen {host!r}.")


def _components(tree: Any) -> dict[str, dict[str, Any]]:
    """Props of every component with a plain (string) id in a layout."""
    found: dict[str, dict[str, Any]] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and isinstance(props.get("id"), str):
                found[props["id"]] = props
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _outputs(spec: str) -> list[tuple[str, str]]:
    parts = spec[2:-2].split("...") if spec.startswith("..") else [spec]
    return [(part.rsplit(".", 1)[0], part.rsplit(".", 1)[1]) for part in parts]


class Browser(HttpUser):
    """What every user does: log in through the form, then load the app's shell."""

    abstract = True
    account = ""

    def log_in(self) -> None:
        page = self.client.get("/login", name="GET /login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf, "Anmeldeseite ohne CSRF-Feld"
        form = {"name": self.account, "password": DEMO_PASSWORD, "csrf": csrf.group(1), "next": "/"}
        with self.client.post(
            "/login", data=form, allow_redirects=False, name="POST /login", catch_response=True
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"Anmeldung: HTTP {answer.status_code}")
                raise SystemExit  # stops this user only
        self.client.get("/", name="GET / (Seite)")
        self.client.headers["X-CSRFToken"] = self.client.cookies.get("_csrf_token") or ""
        shell = self.client.get("/_dash-layout", name="GET /_dash-layout").json()
        self.shell = _components(shell)
        self.dependencies = self.client.get(
            "/_dash-dependencies", name="GET /_dash-dependencies"
        ).json()

    def open_page(self, path: str, search: str = "", name: str | None = None) -> Any:
        """The router's callback, then every callback the renderer fires for the new page."""
        label = name or path
        with self.client.post(
            DASH, json=route_payload(path, search), name=f"Seite {label}", catch_response=True
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")
                return None
            layout = answer.json()
        known = {**self.shell, **_components(layout)}
        for location in (ids.URL, "_pages_location"):
            known[location] = {**known.get(location, {}), "pathname": path, "search": search}
        for dep in self.dependencies:
            payload = self._initial_call(dep, known)
            if payload is not None:
                self._callback(payload, dep, label)
        return layout

    def _initial_call(self, dep: dict[str, Any], known: dict[str, Any]) -> dict[str, Any] | None:
        if dep.get("clientside_function") or dep.get("prevent_initial_call"):
            return None
        if "_pages_content" in dep["output"]:
            return None  # the router itself
        outputs = _outputs(dep["output"])
        wired = [*dep["inputs"], *dep.get("state", [])]
        if any(not isinstance(i["id"], str) or i["id"] not in known for i in wired):
            return None
        if any(cid not in known for cid, _prop in outputs):
            return None
        out = [{"id": cid, "property": prop} for cid, prop in outputs]
        return {
            "output": dep["output"],
            "outputs": out if dep["output"].startswith("..") else out[0],
            "inputs": [{**i, "value": known[i["id"]].get(i["property"])} for i in dep["inputs"]],
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in dep["inputs"]],
            "state": [
                {**s, "value": known[s["id"]].get(s["property"])} for s in dep.get("state", [])
            ],
        }

    def _callback(self, payload: dict[str, Any], dep: dict[str, Any], page: str) -> None:
        first = dep["inputs"][0]["id"]
        kind = "Navigation" if first in (ids.URL, "_pages_location") else f"{page}: {first}"
        with self.client.post(
            DASH, json=payload, name=f"Callback {kind}", catch_response=True
        ) as r:
            if r.status_code not in (200, 204):  # 204: the callback had nothing to change
                r.failure(f"HTTP {r.status_code}")


class Reader(Browser):
    """Reads: overview, Handlungsfelder, measures, quarters, presentation, the API."""

    weight = 10
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        with _next_lock:
            self.account = next(_readers)
        self.log_in()
        report = self.client.get(
            f"/api/v1/status?plan={PLAN}&period={PERIOD}", name="API /api/v1/status"
        ).json()
        self.measures = [m["code"] for m in report["measures"]]
        self.clusters = sorted({m["cluster_id"] for m in report["measures"]})

    @task(3)
    def overview(self) -> None:
        self.open_page("/", f"?plan={PLAN}&period={PERIOD}")

    @task(3)
    def measure(self) -> None:
        code = random.choice(self.measures)
        self.open_page(f"/massnahme/{code}", f"?period={PERIOD}", name="/massnahme/[code]")

    @task(2)
    def cluster(self) -> None:
        cluster = random.choice(self.clusters)
        self.open_page(f"/cluster/{cluster}", f"?period={PERIOD}", name="/cluster/[id]")

    @task(1)
    def quarters(self) -> None:
        self.open_page("/quartale", f"?plan={PLAN}")

    @task(1)
    def presentation(self) -> None:
        self.open_page("/praesentation", f"?plan={PLAN}&period={PERIOD}")

    @task(1)
    def controlling_pages(self) -> None:
        if self.account not in SEE_ALL:
            return
        if random.random() < 0.5:
            self.open_page("/vollstaendigkeit")
            return
        layout = self.open_page("/protokoll")
        if layout is not None:
            self.filter_audit_trail(_components(layout))

    def filter_audit_trail(self, shown: dict[str, dict[str, Any]]) -> None:
        """Chooses a kind of change in the audit trail's filter (the page's own callback)."""
        filters = (ids.AUDIT_MEASURE, ids.AUDIT_USER, ids.AUDIT_KIND)
        kinds = [o["value"] for o in shown[ids.AUDIT_KIND].get("options", [])][1:]
        values = {f: shown[f].get("value") for f in filters}
        values[ids.AUDIT_KIND] = random.choice(kinds) if kinds else None
        payload = {
            "output": f"..{ids.AUDIT_GRID}.rowData...{ids.AUDIT_COUNT}.children..",
            "outputs": [
                {"id": ids.AUDIT_GRID, "property": "rowData"},
                {"id": ids.AUDIT_COUNT, "property": "children"},
            ],
            "inputs": [{"id": f, "property": "value", "value": values[f]} for f in filters],
            "changedPropIds": [f"{ids.AUDIT_KIND}.value"],
            "state": [],
        }
        with self.client.post(
            DASH, json=payload, name="Callback /protokoll: Filter", catch_response=True
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")

    @task(2)
    def api(self) -> None:
        self.client.get(f"/api/v1/status?plan={PLAN}&period={PERIOD}", name="API /api/v1/status")


class Writer(Browser):
    """Opens /erfassung for its unit and saves one value with a comment."""

    fixed_count = len(WRITERS)
    wait_time = between(3.0, 8.0)

    def on_start(self) -> None:
        with _next_lock:
            self.account, self.unit, self.code = next(_writers)
        self.log_in()

    @task
    def save(self) -> None:
        layout = self.open_page(
            "/erfassung", f"?plan={PLAN}&period={ENTRY_PERIOD}&oe={self.unit}", name="/erfassung"
        )
        if layout is None:
            return
        context = find_prop(layout, ids.ENTRY_CONTEXT, "data")
        fields = form_fields(layout)
        value = str(random.randint(1, 40))
        fields[ids.ENTRY_VALUE][self.code] = value
        fields[ids.ENTRY_COMMENT][self.code] = f"Lasttest: {value} von {self.account}"
        with self.client.post(
            DASH,
            json=form_save_payload(context, fields),
            name="Callback /erfassung: Speichern",
            catch_response=True,
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")
                return
            text = json.dumps(answer.json(), ensure_ascii=False)
            if "inzwischen von" in text:
                answer.success()
                self._count("Konflikt (erwartet)")
            elif "Gespeichert für" in text:
                answer.success()
                self._count("Gespeichert")
            elif "Keine Änderungen" in text:  # the same number drawn again
                answer.success()
                self._count("Keine Änderung")
            else:
                answer.failure("Speichern: " + re.sub(r"\s+", " ", text)[:200])

    def _count(self, outcome: str) -> None:
        """An outcome of a save as its own line in the statistics (no time of its own)."""
        self.environment.events.request.fire(
            request_type="Ergebnis",
            name=outcome,
            response_time=0,
            response_length=0,
            exception=None,
            context={},
        )

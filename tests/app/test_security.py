"""The guard in front of the app: logins, sessions, CSRF, tokens, uploads; called over HTTP."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import app.security as security
from app import create_app, ids, navigation
from app.errors import DATABASE_DOWN, UNEXPECTED
from db.app_secrets import shared_secret
from db.demo import DEMO_PASSWORD
from db.engine import make_engine
from db.logins import ACCOUNT_FREE_TRIES
from db.models import AppSecret, LoginAttempt, User
from db.tokens import create_token
from db.users import disable_user, set_password
from zielcockpit.services.evaluation import clear_cache
from zielcockpit.settings import Settings


@pytest.fixture
def web(databases: Any) -> Iterator[Dash]:
    app = create_app(Settings.resolve({"DATABASE_URL": databases.url("demo")}))
    yield app
    app.server.config["ZC_ENGINE"].dispose()
    clear_cache()


@pytest.fixture
def other_app(web: Dash) -> Iterator[Any]:
    """other_app(SETTING=value, ...): the same database under other settings."""
    made: list[Dash] = []

    def make(**settings: str) -> Dash:
        url = str(web.server.config["ZC_SETTINGS"].database_url)
        made.append(create_app(Settings.resolve({"DATABASE_URL": url, **settings})))
        return made[-1]

    yield make
    for app in made:
        app.server.config["ZC_ENGINE"].dispose()


def login(client: FlaskClient, name: str, password: str = DEMO_PASSWORD) -> Any:
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf": csrf.group(1), "next": "/quartale"},
    )


def csrf_header(client: FlaskClient) -> dict[str, str]:
    client.get("/")
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None
    return {"X-CSRFToken": cookie.value}


NAV = (ids.NAV_OVERVIEW, ids.NAV_QUARTERS, ids.NAV_PLACES, ids.NAV_PRESENTATION, ids.NAV_HELP)
CALLBACK = {  # a harmless read callback of the shell: the navigation links
    "output": "..{}..".format("...".join(f"{i}.{p}" for p in ("href", "className") for i in NAV)),
    "outputs": [{"id": i, "property": p} for p in ("href", "className") for i in NAV],
    "inputs": [
        {"id": ids.URL, "property": "pathname", "value": "/"},
        {"id": ids.URL, "property": "search", "value": ""},
    ],
    "changedPropIds": [f"{ids.URL}.pathname"],
    "state": [],
}


def test_sec001_nothing_answers_without_login(web: Dash) -> None:
    client = web.server.test_client()
    assert client.get("/api/v1/health").status_code == 200
    page = client.get("/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert client.get("/massnahme/REGE-4").status_code == 302
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/_dash-dependencies").status_code == 401
    assert client.post("/_dash-update-component", json=CALLBACK).status_code == 401
    response = client.get("/api/v1/status?plan=2017&period=2017-Q2")
    assert response.status_code == 401 and "Anmeldung erforderlich" in response.get_json()["error"]
    assert client.get("/login").status_code == 200
    with client.get("/assets/app.css") as css:  # static files stay public (the login page)
        assert css.status_code == 200


def test_sec002_wrong_password_says_nothing_about_which_part(web: Dash) -> None:
    client = web.server.test_client()
    wrong_password = login(client, "demo-leitung", "falsches-passwort")
    unknown_user = login(client, "gibt-es-nicht", DEMO_PASSWORD)
    assert wrong_password.status_code == unknown_user.status_code == 401
    for response in (wrong_password, unknown_user):
        assert "Benutzername oder Passwort ist falsch." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_sec003_login_then_pages_and_callbacks_answer(web: Dash) -> None:
    client = web.server.test_client()
    response = login(client, "demo-leitung")
    assert response.status_code == 302 and response.headers["Location"] == "/quartale"
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/status?plan=2017&period=2017-Q2").status_code == 200
    answered = client.post("/_dash-update-component", json=CALLBACK, headers=csrf_header(client))
    assert answered.status_code == 200


def test_sec004_session_cookie_flags(web: Dash, other_app: Any) -> None:
    client = web.server.test_client()
    response = login(client, "demo-leitung")
    cookie = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("zielcockpit_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    secure = other_app(ZIELCOCKPIT_SECURE_COOKIES="1")
    assert secure.server.config["SESSION_COOKIE_SECURE"] is True


def test_sec005_missing_or_wrong_csrf_token_is_refused(web: Dash) -> None:
    client = web.server.test_client()
    login(client, "demo-leitung")
    missing = client.post("/_dash-update-component", json=CALLBACK)
    assert missing.status_code == 403 and "CSRF" in missing.get_json()["error"]
    wrong = client.post("/_dash-update-component", json=CALLBACK, headers={"X-CSRFToken": "x"})
    assert wrong.status_code == 403
    page = client.get("/login").get_data(as_text=True)
    assert 'name="csrf"' in page
    stale = client.post(
        "/login", data={"name": "demo-leitung", "password": DEMO_PASSWORD, "csrf": "veraltet"}
    )
    assert stale.status_code == 400


def test_sec006_forged_and_expired_sessions_are_refused(web: Dash, other_app: Any) -> None:
    forged = web.server.test_client()
    forged.set_cookie("zielcockpit_session", "eyJ1c2VyIjoiZGVtby1hZG1pbiJ9.abc.def")
    assert forged.get("/").status_code == 302
    client = web.server.test_client()
    login(client, "demo-leitung")
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["issued"] = time.time() - (security.SESSION_HOURS * 3600 + 60)
    assert client.get("/").status_code == 302
    other_key = other_app(ZIELCOCKPIT_SECRET_KEY="ein-anderer-schluessel").server.test_client()
    good = web.server.test_client()
    login(good, "demo-leitung")
    cookie = good.get_cookie("zielcockpit_session")
    assert cookie is not None
    other_key.set_cookie("zielcockpit_session", cookie.value)  # signed with another key
    assert other_key.get("/").status_code == 302


def test_sec007_disabled_user_is_out_at_once(web: Dash) -> None:
    engine = web.server.config["ZC_ENGINE"]
    client = web.server.test_client()
    login(client, "demo-fb-510")
    assert client.get("/").status_code == 200
    disable_user(engine, "demo-fb-510", actor="test")
    assert client.get("/").status_code == 302
    # enabled again (by hand in the database): the old session stays ended
    with engine.begin() as conn:
        conn.execute(update(User).where(User.name == "demo-fb-510").values(active=True))
    assert client.get("/").status_code == 302
    assert login(client, "demo-fb-510").status_code == 302
    assert client.get("/").status_code == 200


def test_sec008_a_guessed_account_is_refused_at_once_with_the_seconds_to_wait(
    web: Dash,
) -> None:
    engine = web.server.config["ZC_ENGINE"]
    guesser = web.server.test_client()
    for _ in range(ACCOUNT_FREE_TRIES):
        assert login(guesser, "demo-admin", "falsch-geraten-123").status_code == 401
    started = time.monotonic()
    locked = login(guesser, "demo-admin")  # the right password, while the account waits
    assert locked.status_code == 429
    body = locked.get_data(as_text=True)
    seconds = int(locked.headers["Retry-After"])
    assert 25 <= seconds <= 30
    assert (
        f"Zu viele Anmeldeversuche für dieses Konto. Bitte in {seconds} Sekunden erneut "
        "versuchen." in body
    )
    assert guesser.get("/").status_code == 302  # not logged in
    # another user from the same address (the test client's) logs in at once
    assert login(web.server.test_client(), "demo-leitung").status_code == 302
    assert time.monotonic() - started < 10  # nothing waited; a sleep would take 30 s
    # once the wait is over (the failures moved 31 s back), the right password works
    with engine.begin() as conn:
        conn.execute(update(LoginAttempt).values(at=LoginAttempt.at - dt.timedelta(seconds=31)))
    assert login(guesser, "demo-admin").status_code == 302
    assert guesser.get("/").status_code == 200


def test_sec017_guessing_one_account_slows_nobody_else_down(web: Dash) -> None:
    answers: list[int] = []
    stop = threading.Event()

    def guess() -> None:
        client = web.server.test_client()
        while not stop.is_set() and len(answers) < 60:
            answers.append(login(client, "demo-admin", "falsch-geraten-123").status_code)

    guesser = threading.Thread(target=guess)
    guesser.start()
    try:
        deadline = time.monotonic() + 60
        while len(answers) < ACCOUNT_FREE_TRIES + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert answers[-1] == 429  # the account is locked and still being guessed
        for name in ("demo-leitung", "demo-fb-510"):
            started = time.monotonic()
            client = web.server.test_client()
            assert login(client, name).status_code == 302
            assert client.get("/").status_code == 200
            assert time.monotonic() - started < 10, name
        started = time.monotonic()
        assert web.server.test_client().get("/api/v1/health").status_code == 200
        assert time.monotonic() - started < 5
        assert not stop.is_set() and guesser.is_alive()  # the guessing went on meanwhile
    finally:
        stop.set()
        guesser.join()
    assert set(answers) == {401, 429}
    assert answers[:ACCOUNT_FREE_TRIES] == [401] * ACCOUNT_FREE_TRIES


def test_sec009_bearer_tokens_and_their_roles(web: Dash) -> None:
    engine = web.server.config["ZC_ENGINE"]
    reader = create_token(engine, "bi", "leitung", [], actor="test")
    importer = create_token(engine, "statistikstelle", "controlling", [], actor="test")
    client = web.server.test_client()
    ok = client.get(
        "/api/v1/status?plan=2017&period=2017-Q2", headers={"Authorization": f"Bearer {reader}"}
    )
    assert ok.status_code == 200 and ok.get_json()["plan"] == "2017"
    bad = client.get(
        "/api/v1/status?plan=2017&period=2017-Q2", headers={"Authorization": "Bearer zc_gefaelscht"}
    )
    assert bad.status_code == 401
    csv = b"Indikator;Zeitraum;Wert\nREGE-4.1;2017-Q4;12\n"
    refused = client.post(
        "/api/v1/import",
        headers={"Authorization": f"Bearer {reader}"},
        data={"file": (io.BytesIO(csv), "werte.csv")},
    )
    assert refused.status_code == 403 and "Keine Berechtigung" in refused.get_json()["error"]
    written = client.post(
        "/api/v1/import",
        headers={"Authorization": f"Bearer {importer}"},
        data={"file": (io.BytesIO(csv), "werte.csv")},
    )
    assert written.status_code == 200, written.get_json()
    assert written.get_json()["values_written"] == 1
    # tokens are for the API only, not for pages
    assert client.get("/", headers={"Authorization": f"Bearer {importer}"}).status_code == 302


def test_sec010_file_names_with_paths_are_refused(web: Dash) -> None:
    token = create_token(web.server.config["ZC_ENGINE"], "imp", "controlling", [], actor="t")
    client = web.server.test_client()
    csv = b"Indikator;Zeitraum;Wert\nREGE-4.1;2017-Q4;12\n"
    for name in ("../../etc/passwd.csv", "unter/ordner.csv", "C:\\\\temp\\\\x.csv", ".."):
        response = client.post(
            "/api/v1/import",
            headers={"Authorization": f"Bearer {token}"},
            data={"file": (io.BytesIO(csv), name)},
        )
        assert response.status_code == 400, name
        assert "nicht erlaubt" in response.get_json()["error"]


def test_sec011_a_huge_upload_is_refused_before_it_is_read(web: Dash) -> None:
    client = web.server.test_client()
    login(client, "demo-controlling")
    headers = csrf_header(client)

    class Endless(io.RawIOBase):
        """200 MB announced; reading more than a little of it would fail the test."""

        read_bytes = 0
        size = 200 * 1024 * 1024
        position = 0

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return True

        def tell(self) -> int:
            return self.position

        def seek(self, offset: int, whence: int = 0) -> int:
            self.position = {0: offset, 1: self.position + offset, 2: self.size + offset}[whence]
            return self.position

        def readinto(self, buffer: Any) -> int:
            Endless.read_bytes += len(buffer)
            assert Endless.read_bytes < 1024 * 1024, "der Körper wurde gelesen"
            buffer[: len(buffer)] = b"x" * len(buffer)
            return len(buffer)

    response = client.post(
        "/_dash-update-component",
        input_stream=Endless(),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 413
    assert "zu groß" in response.get_json()["error"]
    assert Endless.read_bytes == 0


def test_sec012_no_open_redirect_after_login(web: Dash) -> None:
    client = web.server.test_client()
    page = client.get("/login?next=//boese.example/x").get_data(as_text=True)
    assert 'name="next" value="/"' in page
    assert security._safe_next("https://boese.example") == "/"
    assert (
        security._safe_next("/massnahme/REGE-4?period=2017-Q2")
        == "/massnahme/REGE-4?period=2017-Q2"
    )


def test_sec013_logout_ends_the_session_and_its_copies_on_every_instance(
    web: Dash, other_app: Any
) -> None:
    client = web.server.test_client()
    login(client, "demo-leitung")
    token = csrf_header(client)["X-CSRFToken"]
    session_cookie = client.get_cookie("zielcockpit_session")
    assert session_cookie is not None
    # copies of the cookies, on this instance and on a second one on the same database
    copies = [web.server.test_client(), other_app().server.test_client()]
    for copy in copies:
        copy.set_cookie("zielcockpit_session", session_cookie.value)
        copy.set_cookie("_csrf_token", token)
        assert copy.get("/").status_code == 200
        answered = copy.post("/_dash-update-component", json=CALLBACK, headers=csrf_header(copy))
        assert answered.status_code == 200
    assert client.post("/logout", data={}).status_code == 403
    out = client.post("/logout", data={"csrf": token})
    assert out.status_code == 302 and out.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    for copy in copies:
        page = copy.get("/erfassung")
        assert page.status_code == 302 and page.headers["Location"].startswith("/login")
        callback = copy.post(
            "/_dash-update-component", json=CALLBACK, headers={"X-CSRFToken": token}
        )
        assert callback.status_code == 401
        assert "Anmeldung erforderlich" in callback.get_json()["error"]
        api = copy.get("/api/v1/status?plan=2017&period=2017-Q2")
        assert api.status_code == 401
    assert login(client, "demo-leitung").status_code == 302
    assert client.get("/").status_code == 200


def test_sec018_a_new_password_ends_earlier_sessions(web: Dash) -> None:
    client = web.server.test_client()
    login(client, "demo-fb-510")
    assert client.get("/").status_code == 200
    set_password(web.server.config["ZC_ENGINE"], "demo-fb-510", "ein-neues-passwort", actor="t")
    assert client.get("/").status_code == 302
    assert login(client, "demo-fb-510").status_code == 401
    assert login(client, "demo-fb-510", "ein-neues-passwort").status_code == 302
    assert client.get("/").status_code == 200


def test_sec014_proxy_user_header_only_when_configured(web: Dash, other_app: Any) -> None:
    plain = web.server.test_client()
    assert plain.get("/", headers={"X-Remote-User": "demo-admin"}).status_code == 302
    sso = other_app(ZIELCOCKPIT_PROXY_USER_HEADER="X-Remote-User")
    client = sso.server.test_client()
    assert client.get("/", headers={"X-Remote-User": "demo-admin"}).status_code == 200
    assert client.get("/", headers={"X-Remote-User": "unbekannt"}).status_code == 302


def test_sec015_serve_refuses_a_real_database_without_key_and_admin(databases: Any) -> None:
    from tests.services.test_status import cli

    url = databases.url("catalogue")
    done = cli("serve", "--port", "1", url=url)
    assert done.returncode == 1 and "ZIELCOCKPIT_SECRET_KEY" in done.stderr
    engine = make_engine(url)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM app_user")).scalar() == 0
    engine.dispose()


def test_sec016_error_answers_are_german(web: Dash) -> None:
    client = web.server.test_client()
    with client.get("/") as page:
        body = page.get_data(as_text=True)
    assert "Weiterleitung" in body and "Redirecting" not in body
    login(client, "demo-leitung")
    with client.get("/api/v1/gibt-es-nicht") as missing:
        assert missing.status_code == 404
        assert "gibt es in der API nicht" in missing.get_json()["error"]
    with client.post("/api/v1/status", headers=csrf_header(client)) as wrong:
        assert wrong.status_code == 405 and "nicht erlaubt" in wrong.get_json()["error"]


def test_sec019_without_a_configured_key_all_instances_share_the_stored_one(
    web: Dash, other_app: Any
) -> None:
    client = web.server.test_client()
    login(client, "demo-leitung")
    cookie = client.get_cookie("zielcockpit_session")
    assert cookie is not None
    for _ in range(2):
        other = other_app().server.test_client()
        other.set_cookie("zielcockpit_session", cookie.value)
        assert other.get("/").status_code == 200
    with web.server.config["ZC_ENGINE"].connect() as conn:
        keys = conn.scalars(select(AppSecret.value)).all()
    assert keys == [web.server.secret_key] and len(keys[0]) == 64
    configured = other_app(ZIELCOCKPIT_SECRET_KEY="ein-eigener-schluessel")
    assert configured.server.test_client().get("/login").status_code == 200
    assert configured.server.secret_key == "ein-eigener-schluessel"


def test_sec020_workers_starting_together_agree_on_one_key(empty_engine: Engine) -> None:
    keys: list[str] = []
    barrier = threading.Barrier(6)

    def first_request() -> None:
        barrier.wait()
        keys.append(shared_secret(empty_engine))

    threads = [threading.Thread(target=first_request) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 6 and len(set(keys)) == 1
    with empty_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AppSecret)) == 1


def test_sec021_unexpected_failures_are_answered_in_german(
    web: Dash, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = web.server.test_client()
    login(client, "demo-leitung")
    headers = csrf_header(client)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("kaputt")

    monkeypatch.setattr(navigation, "shared_values", broken)  # used by a shell callback
    callback = client.post("/_dash-update-component", json=CALLBACK, headers=headers)
    assert callback.status_code == 500
    assert callback.get_json() == {"error": UNEXPECTED, "status": 500}
    monkeypatch.setattr(web, "index", broken)  # the HTML of every page
    page = client.get("/quartale")
    text_ = page.get_data(as_text=True)
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert UNEXPECTED in text_ and 'lang="de"' in text_ and "Internal Server Error" not in text_
    with client.put("/login") as not_allowed:  # Flask's own errors are German too
        assert not_allowed.status_code == 405
        assert "nicht erlaubt" in not_allowed.get_data(as_text=True)


def test_sec022_a_database_error_gives_503_in_german_and_the_next_request_works(
    web: Dash, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = web.server.test_client()
    login(client, "demo-leitung")
    headers = csrf_header(client)
    real = security.principal_of

    def away(*_args: Any, **_kwargs: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    monkeypatch.setattr(security, "principal_of", away)
    page = client.get("/")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert DATABASE_DOWN in page.get_data(as_text=True)
    for answer in (
        client.get("/api/v1/status?plan=2017&period=2017-Q2"),
        client.post("/_dash-update-component", json=CALLBACK, headers=headers),
    ):
        assert answer.status_code == 503
        assert answer.get_json() == {"error": DATABASE_DOWN, "status": 503}
    monkeypatch.setattr(security, "principal_of", real)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("backend", ["postgresql"])
def test_sec023_unreachable_postgresql_then_recovery_without_restart(
    web: Dash, other_app: Any, pg_admin: Engine
) -> None:
    name = make_url(web.server.config["ZC_SETTINGS"].database_url).database
    client = web.server.test_client()
    login(client, "demo-leitung")
    headers = csrf_header(client)
    assert client.get("/api/v1/health").get_json() == {"status": "ok", "database": "ok"}

    def allow(allowed: bool) -> None:
        with pg_admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {allowed}'))
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )

    allow(False)
    try:
        fresh = other_app().server.test_client()  # started while the database is away
        health = client.get("/api/v1/health")
        assert health.status_code == 503
        assert health.get_json()["error"] == "Die Datenbank ist nicht erreichbar."
        for page in (client.get("/"), client.get("/massnahme/REGE-4"), fresh.get("/login")):
            body = page.get_data(as_text=True)
            assert page.status_code == 503 and page.mimetype == "text/html", body[:300]
            assert DATABASE_DOWN in body and "Internal Server Error" not in body
        for answer in (
            client.get("/api/v1/status?plan=2017&period=2017-Q2"),
            client.post("/_dash-update-component", json=CALLBACK, headers=headers),
        ):
            assert answer.status_code == 503
            assert answer.get_json() == {"error": DATABASE_DOWN, "status": 503}
    finally:
        allow(True)
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/").status_code == 200
    assert client.post("/_dash-update-component", json=CALLBACK, headers=headers).status_code == 200
    assert fresh.get("/login").status_code == 200
    assert login(fresh, "demo-fb-510").status_code == 302

"""Login, sessions, CSRF and the guard in front of every page, callback and API route.

Everything is enforced on the server in `guard()`, which runs before each request:
- nothing but the login page, `/api/v1/health`, static files and the public view of a plan
  (GET `/oeffentlich/<plan>`, plain HTML of released quarters of public plans, app/public.py)
  answers without a login; Dash's own requests (`/_dash-...`) never do;
- `/api/v1/...` also accepts `Authorization: Bearer <token>` (machine clients);
- every state-changing request (POST, PUT, PATCH, DELETE; Dash callbacks are POSTs to
  `/_dash-update-component`) must carry the CSRF token: Dash's renderer sends the cookie
  `_csrf_token` back as the header `X-CSRFToken` (double submit, checked against the session);
- a trusted reverse proxy's user header (single sign-on) is used only when configured;
- a session cookie carries the user's session generation, compared on every request: logout,
  disabling and a new password raise it, so copies of an old cookie stop working everywhere;
- without a configured key the session key is read from the database (`app_secret`), the same
  for every worker and instance.
Callbacks that write check the role and unit themselves with `current_principal()`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import html
import re
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.exc import SQLAlchemyError

from app.errors import german_page, json_error, register_error_pages
from db.app_secrets import shared_secret
from db.logins import Throttled
from db.tokens import principal_of_token
from db.users import end_sessions, principal_of, session_generation
from zielcockpit.domain.access import AuthError, Principal
from zielcockpit.services.directory import DirectoryUnavailable, NoMappedGroup
from zielcockpit.services.login import login as check_login
from zielcockpit.services.login import session_allowed
from zielcockpit.settings import SettingError

SESSION_HOURS = 10
CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
HEALTH = "/api/v1/health"
OPEN_PATHS = ("/login", HEALTH)
# The public view: one plain GET route that checks plan and quarter itself (app/public.py).
PUBLIC_PREFIX = "/oeffentlich/"
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")


class SharedKeySessions(SecureCookieSessionInterface):
    """Signed cookie sessions whose key, when none is configured, comes from the database.

    Read on first use rather than when the app is built, so a worker starts even while the
    database is away; until the key is read, requests get no session and the guard answers
    that the database is unreachable.
    """

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            try:
                _load_shared_key(app)
            except SQLAlchemyError:
                return None  # the guard tries again and reports the database
        return super().get_signing_serializer(app)


def _load_shared_key(app: Flask) -> None:
    app.config["SECRET_KEY"] = shared_secret(app.config["ZC_ENGINE"])


def init_security(
    server: Flask,
    *,
    secret_key: str | None,
    secure_cookies: bool,
    proxy_user_header: str | None,
    max_upload_bytes: int,
) -> None:
    server.config.update(
        SECRET_KEY=secret_key or None,  # None: the key stored in the database, read on first use
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        SESSION_COOKIE_NAME="zielcockpit_session",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
        # Refused before the body is read into memory (a 200 MB upload never arrives).
        MAX_CONTENT_LENGTH=max_upload_bytes,
        ZC_PROXY_USER_HEADER=proxy_user_header,
    )
    server.session_interface = SharedKeySessions()
    server.before_request(guard)
    server.after_request(_csrf_cookie)
    server.after_request(security_headers)
    server.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout, methods=["POST"])
    register_error_pages(server)


def current_principal() -> Principal | None:
    return getattr(g, "principal", None)


def _engine() -> Any:
    return current_app.config["ZC_ENGINE"]


def _is_static(path: str) -> bool:
    return path.startswith(STATIC_PREFIXES)


def guard() -> ResponseReturnValue | None:
    path = request.path
    g.principal = None
    if _is_static(path) or path == HEALTH:
        return None
    if not current_app.secret_key:
        # The session key could not be read when the session was opened: the database was
        # away. Raises again if it still is, which the error pages answer with 503.
        _load_shared_key(current_app)
    if path in OPEN_PATHS:
        return None
    if path.startswith(PUBLIC_PREFIX) and request.method in ("GET", "HEAD"):
        return None  # no session is read or set: the public view knows nobody
    principal = _principal_from_request(path)
    if principal is None:
        if path.startswith("/api/"):
            return json_error(401, "Anmeldung erforderlich (Sitzung oder Bearer-Token).")
        if request.method != "GET" or path.startswith("/_dash"):
            return json_error(401, "Anmeldung erforderlich.")
        return _redirect(f"/login?next={_safe_next(request.full_path)}")
    g.principal = principal
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and not g.get("via_token"):
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent and path == "/logout":  # a plain HTML form sends it as a field
            sent = request.form.get("csrf", "")
        expected = session.get("csrf", "")
        if not expected or not hmac.compare_digest(sent, expected):
            return json_error(
                403,
                "Sicherheitsprüfung fehlgeschlagen (CSRF-Token fehlt oder "
                "ist ungültig). Bitte die Seite neu laden.",
            )
    return None


def _principal_from_request(path: str) -> Principal | None:
    auth = request.headers.get("Authorization", "")
    if path.startswith("/api/") and auth.startswith("Bearer "):
        g.via_token = True
        return principal_of_token(_engine(), auth[len("Bearer ") :].strip())
    header = request.environ.get("ZC_PROXY_USER_HEADER") or _proxy_header()
    if header:
        name = request.headers.get(header)
        if name:
            principal = principal_of(_engine(), name)
            if principal is not None:
                session.setdefault("csrf", secrets.token_urlsafe(32))
            return principal
    name, issued, generation = session.get("user"), session.get("issued", 0), session.get("gen")
    if not name or generation is None or time.time() - float(issued) > SESSION_HOURS * 3600:
        return None
    # Looked up on every request (one query by primary key and unique name): a disabled user,
    # a logout or a new password ends the session at once, on every instance.
    principal = principal_of(_engine(), str(name), session_generation=int(generation))
    # A directory account: confirmed by the directory at most RECHECK_MINUTES ago.
    if (
        principal is not None
        and _settings().value("ZIELCOCKPIT_LDAP_URL")
        and not session_allowed(_engine(), _settings(), principal.name)
    ):
        return None
    return principal


def _settings() -> Any:
    return current_app.config["ZC_SETTINGS"]


def _proxy_header() -> str | None:
    value = current_app.config.get("ZC_PROXY_USER_HEADER")
    return str(value) if value else None


def _csrf_cookie(response: Response) -> Response:
    token = session.get("csrf")
    if token and request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=False,
            samesite="Strict",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
    return response


# Dash's renderer and its component bundles (webpack's style-loader), Plotly and AG Grid add
# their CSS as <style> elements at run time. This script, run first on every Dash page (allowed
# by its hash), gives each <style> element a script of the page inserts the nonce of this
# response; a <style> that arrives in markup (an injected text) has none and stays blocked.
STYLE_NONCE_SCRIPT = (
    "(function(){var m=document.querySelector('meta[name=\"zc-style-nonce\"]');"
    "if(!m){return;}var n=m.getAttribute('content');m.removeAttribute('content');"
    "function mark(x){if(x&&x.nodeName==='STYLE'&&!x.getAttribute('nonce')){"
    "x.setAttribute('nonce',n);}}"
    "var P=Node.prototype,a=P.appendChild,b=P.insertBefore;"
    "P.appendChild=function(x){mark(x);return a.apply(this,arguments);};"
    "P.insertBefore=function(x){mark(x);return b.apply(this,arguments);};"
    "['append','prepend','before','after','replaceWith'].forEach(function(k){"
    "var E=Element.prototype,f=E[k];if(f){E[k]=function(){"
    "for(var i=0;i<arguments.length;i++){mark(arguments[i]);}"
    "return f.apply(this,arguments);};}});})();"
)


def style_nonce_tags() -> str:
    """The head of a Dash page: this response's style nonce and the script that applies it."""
    nonce = secrets.token_urlsafe(18)
    g.style_nonce = nonce
    return f'<meta name="zc-style-nonce" content="{nonce}"><script>{STYLE_NONCE_SCRIPT}</script>'


def script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def content_security_policy(
    script_hashes: list[str], frame_ancestors: str, style_nonce: str | None = None
) -> str:
    """The policy of every response: everything from the app itself, nothing from elsewhere.

    The only inline code allowed are Dash's own inline scripts (the renderer's start and the
    clientside callbacks written as strings), by their SHA-256 (`Dash.csp_hashes()`); no
    'unsafe-inline', no 'unsafe-eval'. Images and fonts may also be `data:` URLs: Bootstrap's
    CSS draws its form icons with them, Plotly its downloads. See docs/security.md."""
    nonce = f" 'nonce-{style_nonce}'" if style_nonce else ""
    # A setting, but still no way to end the directive and add another: only 'none', 'self'
    # and origins (https://intranet.example, *.example.org) are kept.
    sources = [
        word
        for word in frame_ancestors.replace(";", " ").replace(",", " ").split()
        if word in ("'none'", "'self'")
        or re.fullmatch(r"[a-z][a-z0-9+.-]*://[^\s']+|[*\w-]+\.[\w.:-]+", word)
    ]
    frame_ancestors = " ".join(sources) or "'none'"
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self' " + " ".join(script_hashes),
            "style-src 'self'" + nonce,
            "style-src-elem 'self'" + nonce,
            # Plotly (d3) writes style="" attributes on the SVG it draws; without them no chart.
            # Attributes only: a <style> element still needs the nonce.
            "style-src-attr 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        )
    )


def security_headers(response: Response) -> Response:
    """The security headers of every response: pages, assets, API, errors, the login."""
    config = current_app.config
    if "ZC_CSP_PARTS" not in config:
        # Built on the first response: by then every clientside callback is registered.
        settings = config.get("ZC_SETTINGS")
        hashes = [*config.get("ZC_SCRIPT_HASHES", lambda: [])(), script_hash(STYLE_NONCE_SCRIPT)]
        config["ZC_CSP_PARTS"] = (hashes, settings.frame_ancestors if settings else "'none'")
    hashes, ancestors = config["ZC_CSP_PARTS"]
    policy = content_security_policy(hashes, ancestors, g.get("style_nonce"))
    headers = response.headers
    headers["Content-Security-Policy"] = policy
    frame = policy.rsplit("frame-ancestors ", 1)[1]
    # The old header knows only two words; 'self' and origins are left to frame-ancestors.
    if frame == "'none'":
        headers["X-Frame-Options"] = "DENY"
    elif frame == "'self'":
        headers["X-Frame-Options"] = "SAMEORIGIN"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        # Served over HTTPS (ZIELCOCKPIT_SECURE_COOKIES=1): the browser keeps to HTTPS.
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def _redirect(location: str) -> Response:
    """A redirect whose body (seen only without JavaScript or in tools) is German too."""
    response = Response(
        german_page("Weiterleitung", f"Weiter zu {location}"),
        status=302,
        mimetype="text/html",
    )
    response.headers["Location"] = location
    return response


def _safe_next(target: str | None) -> str:
    """Only local paths: no open redirect to another host after the login."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target.rstrip("?") or "/"


LOGIN_PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Anmelden – Zielcockpit</title>{css}</head>
<body class="bg-light"><main class="container plain-login">
<h1 class="h3 mb-3">Zielcockpit</h1><p class="text-muted">Bitte melden Sie sich an.</p>
{message}
<form method="post" action="/login" class="card card-body shadow-sm">
<input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="next" value="{next}">
<label class="form-label" for="name">Benutzername</label>
<input class="form-control mb-3" id="name" name="name" autocomplete="username" required autofocus value="{name}">
<label class="form-label" for="password">Passwort</label>
<input class="form-control mb-3" id="password" name="password" type="password" autocomplete="current-password" required>
<button class="btn btn-primary" type="submit">Anmelden</button>
</form>{demo}</main></body></html>"""


def _css_links() -> str:
    links = current_app.config.get("ZC_LOGIN_CSS", [])
    return "".join(f'<link rel="stylesheet" href="{html.escape(href)}">' for href in links)


def login() -> ResponseReturnValue:
    session.setdefault("csrf", secrets.token_urlsafe(32))
    message, name, status = "", "", 200
    retry_after: int | None = None
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        if not hmac.compare_digest(request.form.get("csrf", ""), session["csrf"]):
            message, status = "Die Anmeldeseite war veraltet. Bitte erneut versuchen.", 400
        else:
            try:
                outcome = check_login(
                    _engine(),
                    _settings(),
                    name,
                    request.form.get("password", ""),
                    request.remote_addr,
                )
            except DirectoryUnavailable as exc:
                current_app.logger.warning("Verzeichnis nicht erreichbar: %s", exc.detail)
                message, status = str(exc), 503
            except (NoMappedGroup, AuthError) as exc:
                message, status = str(exc), 403
            except SettingError as exc:  # the directory's settings: for the administration
                message, status = f"Anmeldung falsch eingerichtet: {exc}", 500
            else:
                if isinstance(outcome, Throttled):
                    # Answered at once: waiting here would hold a worker (and everybody behind it).
                    message, status = outcome.message, 429
                    retry_after = outcome.seconds
                elif outcome is not None:
                    return _logged_in(outcome)
                else:
                    message, status = "Benutzername oder Passwort ist falsch.", 401
    demo = _demo_hint()
    page = LOGIN_PAGE.format(
        css=_css_links(),
        message=f'<div class="alert alert-danger" role="alert">{html.escape(message)}</div>'
        if message
        else "",
        csrf=html.escape(session["csrf"]),
        next=html.escape(_safe_next(request.args.get("next") or request.form.get("next"))),
        name=html.escape(name),
        demo=demo,
    )
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return page, status, headers


def _logged_in(principal: Principal) -> Response:
    session.clear()
    session.permanent = True
    session.update(
        user=principal.name,
        gen=session_generation(_engine(), principal.name),
        issued=time.time(),
        csrf=secrets.token_urlsafe(32),
    )
    return _redirect(_safe_next(request.form.get("next")))


def _demo_hint() -> str:
    """On a demo database the demo accounts are shown, so anyone can try every role."""
    from db.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_account_names

    present = demo_account_names(_engine())
    if not present:
        return ""
    items = "".join(
        f"<li><code>{html.escape(name)}</code> – {html.escape(about)}</li>"
        for name, _role, _units, about in DEMO_ACCOUNTS
        if name in present
    )
    return (
        '<div class="alert alert-warning mt-3"><strong>Demodaten:</strong> Zugänge zum '
        f"Ausprobieren, Passwort für alle: <code>{html.escape(DEMO_PASSWORD)}</code>"
        f'<ul class="mb-0 mt-2">{items}</ul></div>'
    )


def logout() -> ResponseReturnValue:
    if not hmac.compare_digest(
        request.form.get("csrf", "") or request.headers.get(CSRF_HEADER, ""),
        session.get("csrf", ""),
    ):
        abort(403)
    name = session.get("user")
    if name:
        # Ends this user's sessions everywhere: a copy of this cookie, or one on another
        # device, no longer opens anything (simpler than a server-side table of sessions).
        end_sessions(_engine(), str(name))
    session.clear()
    return _redirect("/login")

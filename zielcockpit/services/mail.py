"""Sending mail: SMTP (plain, STARTTLS or TLS, optional login) or, without a server, `.eml` files
in the outbox folder that the page /postausgang shows.

`ZIELCOCKPIT_SMTP_URL`: `smtp://host:25`, `smtp+starttls://user:password@host:587`,
`smtps://host:465` (user and password percent-encoded). A refusal or an unreachable server is a
MailError with a German message; the caller keeps the mail for the next try.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from zielcockpit.settings import SettingError, Settings

SMTP_TIMEOUT = 15.0  # seconds for connecting and for each answer
SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailError(Exception):
    """A mail that did not go out; German message."""


@dataclass(frozen=True)
class SmtpTarget:
    scheme: str
    host: str
    port: int
    user: str | None
    password: str | None


def smtp_target(url: str) -> SmtpTarget | None:
    """The server of ZIELCOCKPIT_SMTP_URL; None: no server (the outbox folder)."""
    if not url.strip():
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise SettingError(
            f"ZIELCOCKPIT_SMTP_URL „{_hide(url)}“: erwartet smtp://host:25, "
            "smtp+starttls://benutzer:passwort@host:587 oder smtps://host:465."
        )
    try:
        port = parts.port or SCHEMES[parts.scheme]
    except ValueError:
        raise SettingError(f"ZIELCOCKPIT_SMTP_URL „{_hide(url)}“: ungültiger Port.") from None
    return SmtpTarget(
        parts.scheme,
        parts.hostname,
        port,
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
    )


def _hide(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def tls_context(settings: Settings) -> ssl.SSLContext:
    """The TLS context for mail server and directory: the system's CAs plus the configured one."""
    context = ssl.create_default_context()
    ca = settings.value("ZIELCOCKPIT_TLS_CA_FILE").strip()
    if ca:
        try:
            context.load_verify_locations(cafile=ca)
        except (OSError, ssl.SSLError) as exc:
            raise SettingError(
                f"ZIELCOCKPIT_TLS_CA_FILE „{ca}“ ist keine lesbare PEM-Datei ({exc})."
            ) from None
    return context


def outbox_dir(settings: Settings) -> Path:
    return Path(settings.value("ZIELCOCKPIT_OUTBOX_DIR"))


def send(settings: Settings, message: EmailMessage, name: str) -> str:
    """Hand a mail over: to the SMTP server, or as `<name>.eml` into the outbox. Returns where
    it went (German, for logs and the CLI)."""
    target = smtp_target(settings.value("ZIELCOCKPIT_SMTP_URL"))
    if target is None:
        folder = outbox_dir(settings)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{name}.eml"
            partial = path.with_suffix(".eml.tmp")
            partial.write_bytes(message.as_bytes(policy=email.policy.SMTP))
            partial.replace(path)  # a reader never sees half a mail
        except OSError as exc:
            raise MailError(f"Postausgang {folder} nicht beschreibbar: {exc.strerror}.") from exc
        return f"Postausgang {path}"
    try:
        _smtp_send(settings, target, message)
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(sorted(exc.recipients))
        raise MailError(f"Der Mailserver lehnt die Empfänger ab: {refused}.") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError("Der Mailserver lehnt die Anmeldung ab (Benutzer/Passwort).") from exc
    except smtplib.SMTPResponseException as exc:
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        raise MailError(f"Der Mailserver lehnt die Mail ab ({exc.smtp_code} {text}).") from exc
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise MailError(
            f"Mailserver {target.host}:{target.port} nicht erreichbar ({exc.__class__.__name__}: "
            f"{exc})."
        ) from exc
    return f"Mailserver {target.host}:{target.port}"


def _smtp_send(settings: Settings, target: SmtpTarget, message: EmailMessage) -> None:
    client: smtplib.SMTP
    if target.scheme == "smtps":
        client = smtplib.SMTP_SSL(
            target.host, target.port, timeout=SMTP_TIMEOUT, context=tls_context(settings)
        )
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=SMTP_TIMEOUT)
    with client:
        client.ehlo_or_helo_if_needed()
        if target.scheme == "smtp+starttls":
            client.starttls(context=tls_context(settings))
            client.ehlo()
        if target.user:
            client.login(target.user, target.password or "")
        client.send_message(message)


# -- the outbox, for /postausgang -------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxMail:
    name: str  # file name
    written: dt.datetime
    sender: str
    to: str
    subject: str
    text: str
    attachments: tuple[str, ...]


def outbox(settings: Settings, limit: int = 200) -> list[OutboxMail]:
    """The newest mails of the outbox folder first (an empty list without a folder)."""
    folder = outbox_dir(settings)
    try:
        paths = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return []
    return [m for m in (read_mail(p) for p in paths[:limit]) if m is not None]


def read_mail(path: Path) -> OutboxMail | None:
    try:
        raw = path.read_bytes()
        written = dt.datetime.fromtimestamp(path.stat().st_mtime)
    except OSError:
        return None
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    attachments = tuple(part.get_filename() or "Anhang" for part in message.iter_attachments())
    return OutboxMail(
        path.name,
        written,
        str(message.get("From", "")),
        str(message.get("To", "")),
        str(message.get("Subject", "")),
        str(text),
        attachments,
    )


def hostname() -> str:
    return socket.getfqdn() or "localhost"

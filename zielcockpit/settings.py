"""Settings, declared once as (name, default, help); the environment is read only here."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from zielcockpit.domain.german import DateError, NumberError, read_date, read_number

# The plan catalogues ship inside the package (package data), so the default works after a
# regular `pip install .` as well as in the repository.
CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        "sqlite:///data/zielcockpit.db",
        "Datenbank (SQLAlchemy-URL). Standard: SQLite-Datei unter ./data/, wird bei Bedarf angelegt.",
    ),
    Setting(
        "ZIELCOCKPIT_CATALOGUE_DIR",
        str(CATALOGUE_DIR),
        "Ordner mit den Maßnahmenkatalogen (YAML), die `load-catalogue` ohne Dateiangabe lädt.",
    ),
    Setting(
        "ZIELCOCKPIT_ARCHIVE_DIR",
        "data/archiv",
        "Ablage der importierten Originaldateien (unter ihrer Prüfsumme).",
    ),
    Setting(
        "ZIELCOCKPIT_MAX_UPLOAD_MB",
        "20",
        "Größte zulässige Importdatei in MB.",
    ),
    Setting(
        "ZIELCOCKPIT_SECRET_KEY",
        "",
        "Geheimer Schlüssel für Sitzungen; Pflicht im Betrieb ohne Demodaten.",
    ),
    Setting(
        "ZIELCOCKPIT_SECURE_COOKIES",
        "0",
        "1: Sitzungs-Cookies nur über HTTPS senden (Betrieb hinter HTTPS).",
    ),
    Setting(
        "ZIELCOCKPIT_PROXY_USER_HEADER",
        "",
        "Kopfzeile eines vertrauenswürdigen Reverse-Proxys mit dem Benutzernamen (Single Sign-on); "
        "leer: aus.",
    ),
    Setting(
        "ZIELCOCKPIT_TODAY",
        "",
        "Das Datum „heute“ für Liefertermine (JJJJ-MM-TT), für Tests und Vorführungen; leer: das "
        "echte Datum.",
    ),
    Setting(
        "ZIELCOCKPIT_JOBS",
        "eingebettet",
        "Wo lange Arbeit (große Importe, der Bericht) läuft: „eingebettet“ in Threads des "
        "App-Prozesses, oder eine Redis-Adresse (redis://127.0.0.1:6379/0) für getrennte "
        "Worker (`zielcockpit worker`).",
    ),
    # -- reminders by e-mail (docs/reminders.md) --
    Setting(
        "ZIELCOCKPIT_SMTP_URL",
        "",
        "Mailserver für Erinnerungen: smtp://host:25, smtp+starttls://benutzer:passwort@host:587 "
        "oder smtps://host:465; leer: jede Mail als .eml-Datei in den Postausgang "
        "(ZIELCOCKPIT_OUTBOX_DIR, Seite /postausgang).",
    ),
    Setting(
        "ZIELCOCKPIT_OUTBOX_DIR",
        "data/postausgang",
        "Ordner der .eml-Dateien, wenn kein Mailserver eingestellt ist.",
    ),
    Setting(
        "ZIELCOCKPIT_MAIL_FROM",
        "Zielcockpit <zielcockpit@localhost>",
        "Absender der Erinnerungen.",
    ),
    Setting(
        "ZIELCOCKPIT_BASE_URL",
        "http://127.0.0.1:8050",
        "Adresse der App, wie sie in den Links der Erinnerungen steht.",
    ),
    Setting(
        "ZIELCOCKPIT_DIGEST_TO",
        "",
        "E-Mail-Adressen des Controllings (durch Komma getrennt) für die Übersicht jeder "
        "Erinnerungsrunde; leer: keine Übersicht per Mail.",
    ),
    Setting(
        "ZIELCOCKPIT_REMIND_DAYS_BEFORE",
        "7",
        "So viele Tage vor dem Liefertermin geht die erste Erinnerung hinaus.",
    ),
    Setting(
        "ZIELCOCKPIT_REMIND_OVERDUE_EVERY",
        "7",
        "Nach dem Liefertermin: alle so viele Tage eine Erinnerung „überfällig“.",
    ),
    Setting(
        "ZIELCOCKPIT_REMIND_OVERDUE_MAX",
        "3",
        "Höchstens so viele Erinnerungen „überfällig“ je Quartal und Empfängerkreis.",
    ),
    Setting(
        "ZIELCOCKPIT_REMIND_EVERY_MINUTES",
        "60",
        "Wie oft der Auftrag „Erinnerungen“ in der Warteschlange läuft (Minuten); 0: nie "
        "(dann nur `zielcockpit remind`).",
    ),
    Setting(
        "ZIELCOCKPIT_TLS_CA_FILE",
        "",
        "Zusätzliche Zertifizierungsstelle (PEM) für Mailserver und Verzeichnis; leer: die des "
        "Systems.",
    ),
    # -- login with the city's directory (docs/directory-login.md) --
    Setting(
        "ZIELCOCKPIT_LDAP_URL",
        "",
        "Verzeichnis für die Anmeldung: ldaps://dc.stadt.de:636 oder ldap://host:389 (mit "
        "ZIELCOCKPIT_LDAP_STARTTLS=1); leer: nur lokale Konten.",
    ),
    Setting(
        "ZIELCOCKPIT_LDAP_STARTTLS",
        "0",
        "1: die ldap://-Verbindung vor der Anmeldung mit StartTLS verschlüsseln.",
    ),
    Setting(
        "ZIELCOCKPIT_LDAP_USER_DN",
        "",
        "Direkte Anmeldung: Vorlage des Bind-Namens mit {name}, z. B. "
        "uid={name},ou=people,dc=stadt,dc=de oder {name}@stadt.de (AD); leer: Suche mit dem "
        "Suchkonto.",
    ),
    Setting(
        "ZIELCOCKPIT_LDAP_SEARCH_BASE",
        "",
        "Wo Benutzer und Gruppen gesucht werden, z. B. dc=stadt,dc=de.",
    ),
    Setting(
        "ZIELCOCKPIT_LDAP_SEARCH_DN",
        "",
        "Suchkonto (Bind-DN) zum Finden der Benutzer und zur Nachprüfung laufender Sitzungen; "
        "leer: anonym.",
    ),
    Setting(
        "ZIELCOCKPIT_LDAP_SEARCH_PASSWORD",
        "",
        "Passwort des Suchkontos.",
    ),
    Setting(
        "ZIELCOCKPIT_LDAP_USER_ATTRIBUTE",
        "uid",
        "Attribut des Benutzernamens: uid (OpenLDAP) oder sAMAccountName (Active Directory).",
    ),
    Setting(
        "ZIELCOCKPIT_LDAP_GROUPS",
        "{}",
        'Gruppen → Rolle und OE (JSON), z. B. {"zc-controlling": {"rolle": "controlling"}, '
        '"zc-jugendamt": {"rolle": "fachbereich", "oe": ["510"]}}; Schlüssel: cn oder DN.',
    ),
    Setting(
        "ZIELCOCKPIT_LDAP_TIMEOUT",
        "5",
        "Sekunden, die auf das Verzeichnis gewartet wird (Verbindung und Antwort).",
    ),
    Setting(
        "ZIELCOCKPIT_LDAP_RECHECK_MINUTES",
        "5",
        "Laufende Sitzungen eines Verzeichniskontos werden spätestens nach so vielen Minuten "
        "beim Verzeichnis nachgeprüft (gesperrt oder gelöscht: abgemeldet).",
    ),
    # -- bounded reading of import files and the pages' framing (docs/security.md) --
    Setting(
        "ZIELCOCKPIT_READ_MEMORY_MB",
        "500",
        "Arbeitsspeicher in MB, den das Lesen einer Importdatei höchstens belegen darf (eigener "
        "Prozess); mehr: die Datei wird abgelehnt.",
    ),
    Setting(
        "ZIELCOCKPIT_READ_SECONDS",
        "60",
        "Sekunden, die das Lesen einer Importdatei höchstens dauern darf; länger: abgebrochen.",
    ),
    Setting(
        "ZIELCOCKPIT_ZIP_RATIO",
        "100",
        "Höchstes Verhältnis entpackt zu gepackt je Teil einer Arbeitsmappe (.xlsx, .ods); mehr: "
        "Verdacht auf ZIP-Bombe, die Datei wird nicht gelesen.",
    ),
    Setting(
        "ZIELCOCKPIT_FRAME_ANCESTORS",
        "'none'",
        "Wer die Seiten in einem Rahmen zeigen darf (CSP frame-ancestors): 'none' (niemand), "
        "'self' (nur das Zielcockpit selbst) oder Adressen wie https://intranet.example.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}
_FIELDS = {
    "DATABASE_URL",
    "ZIELCOCKPIT_CATALOGUE_DIR",
    "ZIELCOCKPIT_ARCHIVE_DIR",
    "ZIELCOCKPIT_MAX_UPLOAD_MB",
    "ZIELCOCKPIT_SECRET_KEY",
    "ZIELCOCKPIT_SECURE_COOKIES",
    "ZIELCOCKPIT_PROXY_USER_HEADER",
    "ZIELCOCKPIT_TODAY",
    "ZIELCOCKPIT_JOBS",
    "ZIELCOCKPIT_READ_MEMORY_MB",
    "ZIELCOCKPIT_READ_SECONDS",
    "ZIELCOCKPIT_ZIP_RATIO",
    "ZIELCOCKPIT_FRAME_ANCESTORS",
}
_EXTRA = frozenset(_BY_NAME) - _FIELDS


@dataclass(frozen=True)
class Settings:
    database_url: str
    catalogue_dir: Path
    archive_dir: Path
    max_upload_mb: int
    secret_key: str
    secure_cookies: bool
    proxy_user_header: str
    today_override: dt.date | None = None

    @property
    def today(self) -> dt.date:
        """„Heute“ for the reporting calendar: the setting, else the real date."""
        return self.today_override or dt.date.today()

    jobs: str = "eingebettet"
    read_memory_mb: int = 500
    read_seconds: int = 60
    zip_ratio: int = 100
    frame_ancestors: str = "'none'"
    # Everything else by its setting's name (reminders, mail, directory): read with `value()`.
    extra: Mapping[str, str] = field(default_factory=dict, hash=False)

    def value(self, name: str) -> str:
        """A setting without its own field, as text (its default when not set)."""
        return self.extra.get(name) or _BY_NAME[name].default

    def number(self, name: str) -> int:
        """A setting that is a whole number ≥ 0; German SettingError otherwise."""
        return _whole_setting(name, self.value(name))

    @classmethod
    def resolve(
        cls,
        explicit: Mapping[str, str | None] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Explicit values beat the environment, the environment beats the defaults."""
        env = os.environ if environ is None else environ
        given = {k: v for k, v in (explicit or {}).items() if v is not None}

        def get(name: str) -> str:
            if name not in _BY_NAME:
                raise KeyError(name)
            return given.get(name) or env.get(name) or _BY_NAME[name].default

        return cls(
            database_url=get("DATABASE_URL"),
            catalogue_dir=Path(get("ZIELCOCKPIT_CATALOGUE_DIR")),
            archive_dir=Path(get("ZIELCOCKPIT_ARCHIVE_DIR")),
            max_upload_mb=_whole_setting(
                "ZIELCOCKPIT_MAX_UPLOAD_MB", get("ZIELCOCKPIT_MAX_UPLOAD_MB")
            ),
            secret_key=get("ZIELCOCKPIT_SECRET_KEY"),
            secure_cookies=get("ZIELCOCKPIT_SECURE_COOKIES") == "1",
            proxy_user_header=get("ZIELCOCKPIT_PROXY_USER_HEADER"),
            today_override=_date_setting("ZIELCOCKPIT_TODAY", get("ZIELCOCKPIT_TODAY")),
            jobs=get("ZIELCOCKPIT_JOBS"),
            extra={s.name: get(s.name) for s in SETTINGS if s.name in _EXTRA},
            read_memory_mb=_whole_setting(
                "ZIELCOCKPIT_READ_MEMORY_MB", get("ZIELCOCKPIT_READ_MEMORY_MB")
            ),
            read_seconds=_whole_setting(
                "ZIELCOCKPIT_READ_SECONDS", get("ZIELCOCKPIT_READ_SECONDS")
            ),
            zip_ratio=_whole_setting("ZIELCOCKPIT_ZIP_RATIO", get("ZIELCOCKPIT_ZIP_RATIO")),
            frame_ancestors=get("ZIELCOCKPIT_FRAME_ANCESTORS").strip(),
        )


class SettingError(ValueError):
    """A setting with a value it cannot have; the message is German."""


def _whole_setting(name: str, text: str) -> int:
    """A setting that is a whole number ≥ 0 (read as German text); German SettingError else."""
    try:
        number = read_number(text.strip())
    except NumberError:
        number = Decimal(-1)
    if number < 0 or number != number.to_integral_value():
        raise SettingError(f"{name} ist „{text.strip()}“, erwartet eine ganze Zahl ≥ 0.")
    return int(number)


def _date_setting(name: str, text: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return read_date(text)
    except DateError as exc:
        raise SettingError(f"{name}: {exc}") from None


def today(environ: Mapping[str, str] | None = None) -> dt.date:
    """„Heute“ for the reporting calendar (ZIELCOCKPIT_TODAY, else the real date)."""
    env = os.environ if environ is None else environ
    return _date_setting("ZIELCOCKPIT_TODAY", env.get("ZIELCOCKPIT_TODAY", "")) or dt.date.today()

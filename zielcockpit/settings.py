"""Settings, declared once as (name, default, help); the environment is read only here."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

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
            max_upload_mb=int(get("ZIELCOCKPIT_MAX_UPLOAD_MB")),
            secret_key=get("ZIELCOCKPIT_SECRET_KEY"),
            secure_cookies=get("ZIELCOCKPIT_SECURE_COOKIES") == "1",
            proxy_user_header=get("ZIELCOCKPIT_PROXY_USER_HEADER"),
            today_override=_date_setting("ZIELCOCKPIT_TODAY", get("ZIELCOCKPIT_TODAY")),
            jobs=get("ZIELCOCKPIT_JOBS"),
            read_memory_mb=int(get("ZIELCOCKPIT_READ_MEMORY_MB")),
            read_seconds=int(get("ZIELCOCKPIT_READ_SECONDS")),
            zip_ratio=int(get("ZIELCOCKPIT_ZIP_RATIO")),
            frame_ancestors=get("ZIELCOCKPIT_FRAME_ANCESTORS").strip(),
        )


class SettingError(ValueError):
    """A setting with a value it cannot have; the message is German."""


def _date_setting(name: str, text: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise SettingError(
            f"{name} ist „{text}“, erwartet ein Datum wie 2017-10-20 (JJJJ-MM-TT)."
        ) from None


def today(environ: Mapping[str, str] | None = None) -> dt.date:
    """„Heute“ for the reporting calendar (ZIELCOCKPIT_TODAY, else the real date)."""
    env = os.environ if environ is None else environ
    return _date_setting("ZIELCOCKPIT_TODAY", env.get("ZIELCOCKPIT_TODAY", "")) or dt.date.today()

"""The data model of Zielcockpit: plans, measures, indicators, values and where they came from.

German domain words without a good English twin stay German (see the glossary in docs/glossary.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from zielcockpit.domain.vocabulary import (
    AGGREGATIONS,
    CONTEXT_MEASURES,
    DIRECTIONS,
    INDICATOR_KINDS,
    LIGHTS,
    MILESTONE_STATES,
    PLACE_KINDS,
    QUARTER_STATES,
    ROLES,
    SYMBOLS,
)

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


massnahme_leitsatz = Table(
    "massnahme_leitsatz",
    Base.metadata,
    Column("massnahme_id", ForeignKey("massnahme.id", ondelete="CASCADE"), primary_key=True),
    Column("leitsatz_id", ForeignKey("leitsatz.id", ondelete="CASCADE"), primary_key=True),
)

massnahme_ort = Table(
    "massnahme_ort",
    Base.metadata,
    Column("massnahme_id", ForeignKey("massnahme.id", ondelete="CASCADE"), primary_key=True),
    Column("ort_id", ForeignKey("ort.id", ondelete="CASCADE"), primary_key=True),
)

user_oe = Table(
    "user_oe",
    Base.metadata,
    Column("user_id", ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("oe_id", ForeignKey("organisationseinheit.id", ondelete="CASCADE"), primary_key=True),
)


class Plan(Base):
    """A yearly plan (or an action plan) of one municipality."""

    __tablename__ = "plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)  # "2017": CLI, URLs, API
    title: Mapped[str] = mapped_column(String(300))
    year: Mapped[int] = mapped_column(Integer)
    municipality: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))  # "jahresplanung", "aktionsplan"
    issuer: Mapped[str | None] = mapped_column(String(200))
    source_document: Mapped[str | None] = mapped_column(String(300))
    introduction: Mapped[str | None] = mapped_column(Text)
    # Thresholds in percent of attainment (domain.md: green >= 95, yellow >= 85).
    threshold_green: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("95"))
    threshold_yellow: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("85"))
    # Shown without login at /oeffentlich/<key> (released quarters only); off by default.
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    handlungsfelder: Mapped[list[Handlungsfeld]] = relationship(
        back_populates="plan", order_by="Handlungsfeld.position", cascade="all, delete-orphan"
    )
    massnahmen: Mapped[list[Massnahme]] = relationship(
        back_populates="plan", order_by="Massnahme.position", cascade="all, delete-orphan"
    )
    leitsaetze: Mapped[list[Leitsatz]] = relationship(
        back_populates="plan", order_by="Leitsatz.number", cascade="all, delete-orphan"
    )
    kategorien: Mapped[list[Kategorie]] = relationship(
        back_populates="plan", order_by="Kategorie.code", cascade="all, delete-orphan"
    )
    schwerpunktthemen: Mapped[list[Schwerpunktthema]] = relationship(
        back_populates="plan", cascade="all, delete-orphan"
    )


class Handlungsfeld(Base):
    """A chapter (cluster) of a plan, optionally with a budget."""

    __tablename__ = "handlungsfeld"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    budget_eur: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    budget_text: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[Plan] = relationship(back_populates="handlungsfelder")
    untergruppen: Mapped[list[Untergruppe]] = relationship(
        back_populates="handlungsfeld",
        order_by="Untergruppe.position",
        cascade="all, delete-orphan",
    )


class Untergruppe(Base):
    """A sub-group inside a chapter ("Zielgruppe Jugendliche", "Strukturen und ...")."""

    __tablename__ = "untergruppe"
    __table_args__ = (UniqueConstraint("handlungsfeld_id", "title"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    handlungsfeld_id: Mapped[int] = mapped_column(
        ForeignKey("handlungsfeld.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)

    handlungsfeld: Mapped[Handlungsfeld] = relationship(back_populates="untergruppen")


class Kategorie(Base):
    """A category of measures inside a plan (Corona-Aktionsplan: A, B, C)."""

    __tablename__ = "kategorie"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[Plan] = relationship(back_populates="kategorien")


class Organisationseinheit(Base):
    """An organisational unit that owns measures (500 Sozialamt, 500.43, REGE mbH, ...)."""

    __tablename__ = "organisationseinheit"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisationseinheit.id", ondelete="SET NULL"), index=True
    )

    parent: Mapped[Organisationseinheit | None] = relationship(remote_side=[id])


class Leitsatz(Base):
    """One of the guiding principles of a plan ("Wir arbeiten präventiv.")."""

    __tablename__ = "leitsatz"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    short: Mapped[str] = mapped_column(String(80))

    plan: Mapped[Plan] = relationship(back_populates="leitsaetze")


class Schwerpunktthema(Base):
    """A focus topic a measure belongs to."""

    __tablename__ = "schwerpunktthema"
    __table_args__ = (UniqueConstraint("plan_id", "title"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)

    plan: Mapped[Plan] = relationship(back_populates="schwerpunktthemen")


class Ort(Base):
    """A place: the city, a Stadtbezirk, a Stadtteil or a Quartier, nested."""

    __tablename__ = "ort"
    __table_args__ = (
        UniqueConstraint("kind", "name"),
        CheckConstraint(_in("kind", PLACE_KINDS), name="kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str | None] = mapped_column(String(20))  # "05711", "09"
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("ort.id", ondelete="SET NULL"))

    parent: Mapped[Ort | None] = relationship(remote_side=[id])


class Massnahme(Base):
    """A measure of the plan with every text field of the plan document."""

    __tablename__ = "massnahme"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    handlungsfeld_id: Mapped[int] = mapped_column(
        ForeignKey("handlungsfeld.id", ondelete="CASCADE"), index=True
    )
    untergruppe_id: Mapped[int | None] = mapped_column(
        ForeignKey("untergruppe.id", ondelete="SET NULL")
    )
    kategorie_id: Mapped[int | None] = mapped_column(
        ForeignKey("kategorie.id", ondelete="SET NULL")
    )
    oe_id: Mapped[int] = mapped_column(ForeignKey("organisationseinheit.id"), index=True)
    schwerpunktthema_id: Mapped[int | None] = mapped_column(
        ForeignKey("schwerpunktthema.id", ondelete="SET NULL")
    )
    leitsatz_wortlaut: Mapped[str | None] = mapped_column(Text)
    ausgangslage: Mapped[str | None] = mapped_column(Text)
    zielsetzung: Mapped[str | None] = mapped_column(Text)
    massnahmen_zur_zielerreichung: Mapped[str | None] = mapped_column(Text)
    umsetzungsschritte: Mapped[str | None] = mapped_column(Text)
    indikator_wortlaut: Mapped[str | None] = mapped_column(Text)
    zielwert_wortlaut: Mapped[str | None] = mapped_column(Text)
    datenquellen: Mapped[str | None] = mapped_column(Text)
    aufwand: Mapped[str | None] = mapped_column(Text)
    aufwand_eur: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    weitere_angaben: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[Plan] = relationship(back_populates="massnahmen")
    handlungsfeld: Mapped[Handlungsfeld] = relationship()
    untergruppe: Mapped[Untergruppe | None] = relationship()
    kategorie: Mapped[Kategorie | None] = relationship()
    oe: Mapped[Organisationseinheit] = relationship()
    schwerpunktthema: Mapped[Schwerpunktthema | None] = relationship()
    leitsaetze: Mapped[list[Leitsatz]] = relationship(
        secondary=massnahme_leitsatz, order_by="Leitsatz.number"
    )
    orte: Mapped[list[Ort]] = relationship(secondary=massnahme_ort, order_by="Ort.name")
    indikatoren: Mapped[list[Indikator]] = relationship(
        back_populates="massnahme", order_by="Indikator.position", cascade="all, delete-orphan"
    )


class Indikator(Base):
    """One indicator with its structured target and the plan's original wording."""

    __tablename__ = "indikator"
    __table_args__ = (
        UniqueConstraint("plan_id", "code"),
        CheckConstraint(_in("kind", INDICATOR_KINDS), name="kind"),
        CheckConstraint(_in("direction", DIRECTIONS), name="direction"),
        CheckConstraint(_in("aggregation", AGGREGATIONS), name="aggregation"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # Denormalised from the measure so a code is unique per plan by a plain constraint.
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    massnahme_id: Mapped[int] = mapped_column(
        ForeignKey("massnahme.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(50))  # "REGE-9.3"
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(20))  # "Anzahl", "%", "EUR", ""
    direction: Mapped[str] = mapped_column(String(10), default="higher")
    aggregation: Mapped[str] = mapped_column(String(10), default="sum")  # months -> quarter
    steering: Mapped[bool] = mapped_column(Boolean, default=True)  # False = "nachrichtlich"
    target: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))
    due: Mapped[dt.date | None] = mapped_column(Date)
    # The plan's timing: nothing expected before this date (e.g. the Kita-Jahr from 1 August).
    start: Mapped[dt.date | None] = mapped_column(Date)
    # "mehr als" / "weniger als": the target itself is not yet on target.
    strict: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A target in each of the indicator's places ("in jedem Quartier"); `target` is the whole.
    target_per_place: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))
    baseline_period: Mapped[str | None] = mapped_column(String(10))
    reduction_pct: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("indikator.id", ondelete="SET NULL"), index=True
    )
    wortlaut_indikator: Mapped[str | None] = mapped_column(Text)
    wortlaut_zielwert: Mapped[str | None] = mapped_column(Text)
    hinweis: Mapped[str | None] = mapped_column(Text)
    # The source its values come from (a key of the catalogue's `quellen`, e.g. "ba_eckwerte").
    quelle: Mapped[str | None] = mapped_column(String(40))

    # Set by `plan copy`: target and dates taken over from last year's plan, not yet confirmed.
    zu_pruefen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    massnahme: Mapped[Massnahme] = relationship(back_populates="indikatoren")
    parent: Mapped[Indikator | None] = relationship(remote_side=[id])
    # In the plan's order (written by db.catalogue, which owns the link rows).
    orte: Mapped[list[Ort]] = relationship(
        secondary="indikator_ort",
        order_by="[indikator_ort.c.position, Ort.name]",
        viewonly=True,
    )
    profil: Mapped[list[Zielprofil]] = relationship(
        back_populates="indikator", order_by="Zielprofil.period", cascade="all, delete-orphan"
    )


indikator_ort = Table(
    "indikator_ort",
    Base.metadata,
    Column("indikator_id", ForeignKey("indikator.id", ondelete="CASCADE"), primary_key=True),
    Column("ort_id", ForeignKey("ort.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer),  # the plan's order of the places
)


class Zielprofil(Base):
    """An owner's per-quarter target: the expected cumulative value at the end of a quarter."""

    __tablename__ = "zielprofil"
    __table_args__ = (UniqueConstraint("indikator_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    indikator_id: Mapped[int] = mapped_column(ForeignKey("indikator.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))  # "2017-Q2"
    expected: Mapped[Decimal] = mapped_column(Numeric(16, 4))

    indikator: Mapped[Indikator] = relationship(back_populates="profil")


class ImportRun(Base):
    """One import of one file (or one demo seeding, or one form submission)."""

    __tablename__ = "import_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "datei", "demo", "erfassung", "katalog"
    profile: Mapped[str | None] = mapped_column(String(80))
    file_name: Mapped[str | None] = mapped_column(String(300))
    checksum: Mapped[str | None] = mapped_column(String(64), index=True)
    archive_path: Mapped[str | None] = mapped_column(String(500))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    user_name: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="ok")
    values_written: Mapped[int] = mapped_column(Integer, default=0)
    values_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[str | None] = mapped_column(Text)


class Messwert(Base):
    """The current value of one indicator for one period (and optionally one place)."""

    __tablename__ = "messwert"
    __table_args__ = (
        CheckConstraint("symbol IS NULL OR " + _in("symbol", SYMBOLS), name="symbol"),
        CheckConstraint("status IS NULL OR " + _in("status", MILESTONE_STATES), name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    indikator_id: Mapped[int] = mapped_column(ForeignKey("indikator.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))  # "2017-Q2", "2017-06", "2017"
    ort_id: Mapped[int | None] = mapped_column(ForeignKey("ort.id"))
    value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    symbol: Mapped[str | None] = mapped_column(String(5))  # statistical symbol instead of a number
    status: Mapped[str | None] = mapped_column(String(20))  # milestone state
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"), index=True)
    source_sheet: Mapped[str | None] = mapped_column(String(120))
    source_cell: Mapped[str | None] = mapped_column(String(20))
    recorded_by: Mapped[str | None] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # 1 when first written, +1 on every change: a write states the version it was based on.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    indikator: Mapped[Indikator] = relationship()
    ort: Mapped[Ort | None] = relationship()
    import_run: Mapped[ImportRun | None] = relationship()


class WriteLock(Base):
    """One row that every writer of values locks first, so writers take turns (see db/engine)."""

    __tablename__ = "write_lock"
    id: Mapped[int] = mapped_column(primary_key=True)
    writes: Mapped[int] = mapped_column(Integer, default=0)


class MesswertVersion(Base):
    """An earlier version of a value, kept whenever a value is replaced."""

    __tablename__ = "messwert_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    messwert_id: Mapped[int] = mapped_column(
        ForeignKey("messwert.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    symbol: Mapped[str | None] = mapped_column(String(5))
    status: Mapped[str | None] = mapped_column(String(20))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    source_sheet: Mapped[str | None] = mapped_column(String(120))
    source_cell: Mapped[str | None] = mapped_column(String(20))
    recorded_by: Mapped[str | None] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    replaced_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    replaced_by: Mapped[str | None] = mapped_column(String(80))


class Kommentar(Base):
    """A comment on a measure for one period (explains deviations)."""

    __tablename__ = "kommentar"
    id: Mapped[int] = mapped_column(primary_key=True)
    massnahme_id: Mapped[int] = mapped_column(
        ForeignKey("massnahme.id", ondelete="CASCADE"), index=True
    )
    indikator_id: Mapped[int | None] = mapped_column(ForeignKey("indikator.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    # Only comments marked public appear in the public view of a public plan.
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class StatusOverride(Base):
    """A manual light for a measure and period; never without a written justification."""

    __tablename__ = "status_override"
    __table_args__ = (
        UniqueConstraint("massnahme_id", "period"),
        CheckConstraint(_in("light", LIGHTS), name="light"),
        CheckConstraint("length(trim(justification)) > 0", name="justification"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    massnahme_id: Mapped[int] = mapped_column(ForeignKey("massnahme.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))
    light: Mapped[str] = mapped_column(String(10))
    justification: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(80))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class User(Base):
    """A person (or machine client) who uses Zielcockpit."""

    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Carried in the session cookie; raised by logout, disabling and a new password, which
    # ends every earlier session of the user on every instance.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # shown on /benutzer
    # A directory account (LDAP/AD; no local password): its DN, and when the directory last
    # confirmed it (running sessions are re-checked after ZIELCOCKPIT_LDAP_RECHECK_MINUTES).
    directory_dn: Mapped[str | None] = mapped_column(String(500))
    directory_checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    units: Mapped[list[Organisationseinheit]] = relationship(secondary=user_oe)


class ApiToken(Base):
    """A token for machine clients; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    units: Mapped[str] = mapped_column(String(300), default="")  # OE codes, comma separated
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(80))


class LoginAttempt(Base):
    """Login attempts that were not (yet) successful, for the limits per account and address."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(String(80), index=True)
    address: Mapped[str | None] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class QuarterRelease(Base):
    """The state of one quarter of a plan: `offen` until controlling releases it; a released
    quarter's values, comments and manual lights stay as released until it is reopened."""

    __tablename__ = "quartal_freigabe"
    __table_args__ = (
        UniqueConstraint("plan_id", "period"),
        CheckConstraint(_in("state", QUARTER_STATES), name="state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))  # "2017-Q2"
    state: Mapped[str] = mapped_column(String(20))
    released_by: Mapped[str | None] = mapped_column(String(80))
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reopened_by: Mapped[str | None] = mapped_column(String(80))
    reopened_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reopen_reason: Mapped[str | None] = mapped_column(Text)


class AppSecret(Base):
    """Secrets the instances share, e.g. the session key when none is configured."""

    __tablename__ = "app_secret"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AuditEntry(Base):
    """One change: who, when, what (entity and key), old and new value, from which file or form."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))  # "wert", "kommentar", "ampel", ...
    entity: Mapped[str] = mapped_column(String(40))
    entity_key: Mapped[str] = mapped_column(String(120), index=True)
    massnahme_id: Mapped[int | None] = mapped_column(
        ForeignKey("massnahme.id", ondelete="SET NULL"), index=True
    )
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(300))  # file name or form
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))


class Liefertermin(Base):
    """The reporting calendar: a delivery deadline set for a plan's quarter (for every unit and
    source, or for one unit, one source or both), or a source's usual lag in days (`period`
    empty). Without a row a quarter's values are due on the 15th of the month after it."""

    __tablename__ = "liefertermin"
    __table_args__ = (UniqueConstraint("plan_id", "period", "oe", "quelle"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(10), default="")  # "2017-Q3"; "" = a lag
    oe: Mapped[str] = mapped_column(String(40), default="")  # "" = every unit
    quelle: Mapped[str] = mapped_column(String(40), default="")  # "" = every source
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    lag_days: Mapped[int | None] = mapped_column(Integer)
    set_by: Mapped[str | None] = mapped_column(String(80))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# One current value per indicator, period and place; place 0 stands for "no place" (a plain
# unique constraint would let NULL places repeat on PostgreSQL).
Index(
    "uq_messwert_key",
    Messwert.indikator_id,
    Messwert.period,
    func.coalesce(Messwert.ort_id, 0),
    unique=True,
)


# -- Districts: context indicators, their values, the Sozialstrukturindex, the map (issue 15) ----
# Context indicators are facts about places (population, unemployed, SGB II), not targets of a
# plan: their own tables keep them out of every plan's evaluation, so no light can ever reach
# them and the status of the plans' measures stays exactly as it was.


class KontextIndikator(Base):
    """A context indicator: no target, no light; values per place and period."""

    __tablename__ = "kontextindikator"
    __table_args__ = (CheckConstraint(_in("measure", CONTEXT_MEASURES), name="measure"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)  # "K-EW"
    name: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    unit: Mapped[str] = mapped_column(String(20), default="Anzahl")
    # anzahl: a count, shown with its share of `base` (e.g. under 18 of the population)
    measure: Mapped[str] = mapped_column(String(10), default="anzahl")
    base_id: Mapped[int | None] = mapped_column(
        ForeignKey("kontextindikator.id", ondelete="SET NULL")
    )
    source: Mapped[str | None] = mapped_column(Text)  # "Statistik der BA, Sonderauswertung"
    hinweis: Mapped[str | None] = mapped_column(Text)

    base: Mapped[KontextIndikator | None] = relationship(remote_side=[id])


class KontextWert(Base):
    """The value of one context indicator in one place and period, with its provenance."""

    __tablename__ = "kontextwert"
    __table_args__ = (
        UniqueConstraint("kontextindikator_id", "period", "ort_id"),
        CheckConstraint("symbol IS NULL OR " + _in("symbol", SYMBOLS), name="symbol"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kontextindikator_id: Mapped[int] = mapped_column(
        ForeignKey("kontextindikator.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(10))
    ort_id: Mapped[int] = mapped_column(ForeignKey("ort.id", ondelete="CASCADE"), index=True)
    value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    symbol: Mapped[str | None] = mapped_column(String(5))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    source_sheet: Mapped[str | None] = mapped_column(String(120))
    source_cell: Mapped[str | None] = mapped_column(String(20))
    recorded_by: Mapped[str | None] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class SozialindexVersion(Base):
    """One saved version of a Sozialstrukturindex definition (components as JSON); the newest
    version of a name is the one in force, earlier ones stay for the record."""

    __tablename__ = "sozialindex_version"
    __table_args__ = (UniqueConstraint("name", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(20))  # the places compared: "stadtteil", ...
    definition: Mapped[str] = mapped_column(Text)  # JSON: [{code, direction, weight}]
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class OrtKarte(Base):
    """The city's official district shapes (GeoJSON) uploaded by an admin; the newest is drawn
    instead of the schematic map."""

    __tablename__ = "ort_karte"
    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(20))  # "stadtbezirk"
    name_field: Mapped[str] = mapped_column(String(80))
    geojson: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(300))
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# -- Import profiles taught in the browser (issue 13; migration 0010) ---------------------------


class SavedProfile(Base):
    """An import profile a controller taught on /import: the same data as a shipped YAML profile
    (`etl/profiles/*.yaml`), kept as JSON, used by auto-detection like the shipped ones."""

    __tablename__ = "importprofil"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    data: Mapped[str] = mapped_column(Text)  # the profile as JSON, the YAML profiles' format
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# -- catalogue edits (issue 12): what a released quarter was judged by --------------------------


class IndicatorRuleVersion(Base):
    """The rule an indicator was judged by up to and including a released quarter.

    Written when the catalogue (workbook, browser, YAML) changes an indicator's structured fields
    while quarters of its plan are released: the old rule keeps judging those quarters, the new
    one applies from the next open quarter.
    """

    __tablename__ = "indikator_regelstand"
    __table_args__ = (UniqueConstraint("indikator_id", "valid_until"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    indikator_id: Mapped[int] = mapped_column(
        ForeignKey("indikator.id", ondelete="CASCADE"), index=True
    )
    valid_until: Mapped[str] = mapped_column(String(10))  # "2017-Q2": the last quarter it judges
    rule: Mapped[str] = mapped_column(Text)  # JSON of the rule (db/rule_versions.py)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(80))


# --- Jobs (issue 16): long work (large imports, the committee report) run by a queue worker ---


class Job(Base):
    """One piece of long work and its state, written by whoever runs it, so any instance can show
    it: queued → running → done or failed, with progress, a German message and the result."""

    __tablename__ = "job"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "import", "report"
    state: Mapped[str] = mapped_column(String(20), default="wartend")
    progress: Mapped[int] = mapped_column(Integer, default=0)  # 0..100
    message: Mapped[str] = mapped_column(Text, default="")
    user_name: Mapped[str] = mapped_column(String(80))
    params: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)  # the uploaded file
    result: Mapped[str | None] = mapped_column(Text)  # JSON
    result_file: Mapped[bytes | None] = mapped_column(LargeBinary)  # the report's PDF
    result_name: Mapped[str | None] = mapped_column(String(300))
    # host:pid of the process running it (embedded: also of the process that queued it)
    worker: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


# --- Reminders (issue 25): delivery contacts and every reminder mail ----------------------------


class Kontakt(Base):
    """A delivery contact of a unit (OE), or of one measure of it (by code, across plan years):
    who gets the reminders for its missing values."""

    __tablename__ = "kontakt"
    __table_args__ = (UniqueConstraint("oe", "massnahme", "email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    oe: Mapped[str] = mapped_column(String(40), index=True)  # "510"
    massnahme: Mapped[str] = mapped_column(String(40), default="")  # "" = the whole unit
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Erinnerung(Base):
    """One reminder mail (or the controlling digest): to whom, what it listed, and whether it
    went out. `state_key` is the digest of what it reminds of; the unique constraint makes a
    reminder for the same state impossible to record (and so to send) twice, across processes."""

    __tablename__ = "erinnerung"
    __table_args__ = (
        UniqueConstraint("plan_id", "period", "oe", "massnahme", "kind", "state_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(10))  # "2017-Q3"
    oe: Mapped[str] = mapped_column(String(40), default="")  # "" for the digest
    massnahme: Mapped[str] = mapped_column(String(40), default="")
    kind: Mapped[str] = mapped_column(String(20))  # "vor_frist", "ueberfaellig", "uebersicht"
    state_key: Mapped[str] = mapped_column(String(64))
    items: Mapped[str] = mapped_column(Text)  # JSON: the listed indicators
    recipients: Mapped[str] = mapped_column(Text, default="")  # one per line
    subject: Mapped[str] = mapped_column(String(300))
    message: Mapped[bytes | None] = mapped_column(LargeBinary)  # the whole mail (RFC 5322)
    state: Mapped[str] = mapped_column(String(20))  # "wartet", "gesendet", ...
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

"""Use case: the public view of a plan (/oeffentlich/<plan>) and its switch.

Only a plan switched public, only its released quarters, and of those only what the plan
publishes anyway: the counts, the Handlungsfelder, each measure's light, sentence and plan
texts, and comments marked public. No names of people (no authors, no one who released or set
a light), no audit trail, no values beyond the sentences, nothing of an unreleased quarter.
Every refusal is one German sentence and the same for an unknown and a non-public plan, so the
view does not tell which internal plans exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from db.engine import transaction
from db.public import plan_is_public, public_comments, public_texts, set_plan_public
from db.quarters import quarter_states
from zielcockpit.domain.access import Principal
from zielcockpit.domain.periods import Period, PeriodError
from zielcockpit.domain.vocabulary import Light
from zielcockpit.services.evaluation import plan_snapshot


class PublicRefused(LookupError):
    """Nothing to show publicly; the message is German and names no internal detail."""


@dataclass(frozen=True)
class PublicMeasure:
    code: str
    title: str
    owner: str  # the unit's code and name (an office, not a person)
    light: Light
    manual: bool
    sentence: str
    about: str | None
    texts: tuple[tuple[str, str], ...]
    comments: tuple[str, ...]


@dataclass(frozen=True)
class PublicCluster:
    title: str
    counts: dict[str, int]
    measures: tuple[PublicMeasure, ...]


@dataclass(frozen=True)
class PublicView:
    plan_key: str
    title: str
    period: Period
    released_on: dt.date | None
    released: tuple[Period, ...]  # every released quarter, for the choice
    counts: dict[str, int]
    clusters: tuple[PublicCluster, ...]
    demo: bool


NOT_PUBLIC = "Diesen Plan gibt es nicht öffentlich."


def public_view(engine: Engine, plan_key: str, period_key: str | None = None) -> PublicView:
    """The public view of a released quarter (the latest released one when none is named)."""
    if not plan_is_public(engine, plan_key):
        raise PublicRefused(NOT_PUBLIC)
    states = {s.period: s for s in quarter_states(engine, plan_key) if s.released}
    if not states:
        raise PublicRefused("Für diesen Plan ist noch kein Quartal freigegeben.")
    if period_key is None:
        period_key = max(states)
    try:
        period = Period.parse(period_key)
    except PeriodError as exc:
        raise PublicRefused(f"Quartal nicht verstanden: {period_key[:20]}") from exc
    state = states.get(period.key)
    if state is None:
        raise PublicRefused(
            f"{period.label if period.kind == 'quarter' else period_key[:20]} ist nicht "
            "freigegeben; öffentlich sind nur freigegebene Quartale."
        )
    snapshot = plan_snapshot(engine, plan_key)
    report = snapshot.report(period)
    texts = public_texts(engine, plan_key)
    comments = public_comments(engine, plan_key, period)
    by_cluster: dict[int, list[PublicMeasure]] = {}
    for m in report.measures:
        sentence, about = m.sentence()
        by_cluster.setdefault(m.info.cluster_id, []).append(
            PublicMeasure(
                m.info.code,
                m.info.title,
                f"{m.info.owner} – {m.info.owner_name}",
                m.light,
                m.override is not None,
                sentence,
                about,
                texts.get(m.info.code, ()),
                tuple(comments.get(m.info.code, ())),
            )
        )
    counts = report.cluster_counts()
    clusters = tuple(
        PublicCluster(c.title, counts[c.id], tuple(by_cluster[c.id]))
        for c in report.plan.clusters
        if by_cluster.get(c.id)
    )
    return PublicView(
        plan_key=plan_key,
        title=report.plan.title,
        period=period,
        released_on=state.released_at.date() if state.released_at else None,
        released=tuple(Period.parse(k) for k in sorted(states)),
        counts=report.counts(),
        clusters=clusters,
        demo=report.demo,
    )


def may_switch(principal: Principal | None) -> str | None:
    if principal is None:
        return "Bitte zuerst anmelden."
    if principal.can_release:
        return None
    return "Keine Berechtigung: Einen Plan veröffentlichen nur Controlling und Administration."


def set_public(engine: Engine, principal: Principal | None, plan_key: str, public: bool) -> bool:
    """Switch a plan's public view on or off (controlling, admin); True if it changed."""
    refusal = may_switch(principal)
    if refusal is not None or principal is None:
        raise PermissionError(refusal)
    with transaction(engine) as session:
        return set_plan_public(session, plan_key, public, principal.name)

"""What a released quarter was judged by, kept when the catalogue changes an indicator later.

Design: the catalogue holds the current rule of an indicator (target, dates, profile, places,
stock/flow, steering). When a write changes that rule while quarters of the plan are released,
the rule as it was is kept in `indikator_regelstand` with `valid_until` = the plan's latest
released quarter. `zielcockpit.services.evaluation.evaluate` judges a period with the first kept rule whose
`valid_until` is not before it, otherwise with the current one. So a released quarter keeps
its light and sentence, and the change applies from the next open quarter, for every reader
(pages, API, status, report, public view). Several edits while the same quarter is the latest
released keep the rule that quarter was released with (the first one).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from db.models import IndicatorRuleVersion, Indikator, QuarterRelease
from zielcockpit.domain.periods import Period
from zielcockpit.domain.rules import IndicatorRule
from zielcockpit.domain.vocabulary import QUARTER_RELEASED


def rule_to_json(rule: IndicatorRule) -> str:
    data: dict[str, Any] = rule._asdict()
    for key in ("due", "start"):
        data[key] = data[key].isoformat() if data[key] else None
    data["profile"] = {str(q): v for q, v in (rule.profile or {}).items()} or None
    data["places"] = list(rule.places)
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def rule_from_json(text: str) -> IndicatorRule:
    data = json.loads(text)
    for key in ("due", "start"):
        data[key] = dt.date.fromisoformat(data[key]) if data[key] else None
    data["profile"] = {int(q): v for q, v in data["profile"].items()} if data["profile"] else None
    data["places"] = tuple(data["places"])
    known = set(IndicatorRule._fields)
    return IndicatorRule(**{k: v for k, v in data.items() if k in known})


def released_rules(conn: Connection, plan_id: int) -> dict[int, list[tuple[Period, IndicatorRule]]]:
    """Per indicator id: (last quarter it judges, rule), earliest first."""
    found: dict[int, list[tuple[Period, IndicatorRule]]] = defaultdict(list)
    for r in conn.execute(
        select(
            IndicatorRuleVersion.indikator_id,
            IndicatorRuleVersion.valid_until,
            IndicatorRuleVersion.rule,
        )
        .join(Indikator, Indikator.id == IndicatorRuleVersion.indikator_id)
        .where(Indikator.plan_id == plan_id)
        .order_by(IndicatorRuleVersion.valid_until)
    ):
        found[r.indikator_id].append((Period.parse(r.valid_until), rule_from_json(r.rule)))
    return dict(found)


def rule_as_of(
    current: IndicatorRule, kept: list[tuple[Period, IndicatorRule]] | None, period: Period
) -> IndicatorRule:
    """The rule that judges `period`: a kept one if the period lies in or before its quarter."""
    for until, rule in kept or ():
        if period.end <= until.end:
            return rule
    return current


def latest_released(session: Session, plan_id: int) -> str | None:
    periods = session.scalars(
        select(QuarterRelease.period).where(
            QuarterRelease.plan_id == plan_id, QuarterRelease.state == QUARTER_RELEASED
        )
    ).all()
    return max(periods, key=lambda p: Period.parse(p).end) if periods else None


def keep_released_rules(
    session: Session,
    plan_id: int,
    before: dict[int, IndicatorRule],
    after: dict[int, IndicatorRule],
    actor: str,
) -> list[str]:
    """Keep the old rule of every changed indicator for the released quarters; their codes."""
    until = latest_released(session, plan_id)
    if until is None:
        return []
    changed = [i for i, rule in before.items() if i in after and after[i] != rule]
    if not changed:
        return []
    already = {
        r.indikator_id
        for r in session.execute(
            select(IndicatorRuleVersion.indikator_id, IndicatorRuleVersion.valid_until).where(
                IndicatorRuleVersion.indikator_id.in_(changed)
            )
        )
        if Period.parse(r.valid_until).end >= Period.parse(until).end
    }
    kept = []
    for indicator_id in changed:
        if indicator_id in already:
            continue
        session.add(
            IndicatorRuleVersion(
                indikator_id=indicator_id,
                valid_until=until,
                rule=rule_to_json(before[indicator_id]),
                created_by=actor,
            )
        )
        kept.append(before[indicator_id].code)
    session.flush()
    return kept

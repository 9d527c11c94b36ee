"""What every page needs first: the engine, the plan, its snapshot and the filters of the URL."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine

from app import engine_of_app
from app.components.common import message_page
from app.filters import Filters, choose_plan, first, parse_filters
from db.engine import DatabaseError
from db.plan_data import NotFound
from db.queries import PlanChoice, default_plan, plan_choices
from zielcockpit.services.evaluation import PlanSnapshot, plan_snapshot

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


class NoPlan(LookupError):
    """The database holds no plan yet."""


@dataclass(frozen=True)
class PageContext:
    engine: Engine
    plans: list[PlanChoice]
    snapshot: PlanSnapshot
    filters: Filters


def page_context(
    query: Mapping[str, Any], plan_key: str | None = None, engine: Engine | None = None
) -> PageContext:
    """Resolve plan, period and filters; `plan_key` wins over the URL (a measure's own plan)."""
    engine = engine or engine_of_app()
    plans = plan_choices(engine)
    if not plans:
        raise NoPlan()
    keys = [p.key for p in plans]
    if plan_key is not None:
        chosen, note = plan_key, None
    else:
        chosen, note = choose_plan(first(query.get("plan")), keys, default_plan(plans))
    snapshot = plan_snapshot(engine, chosen)
    return PageContext(engine, plans, snapshot, parse_filters(query, snapshot, note))


def guarded(layout: F) -> F:
    """A layout that answers in German whatever happens, and never shows a traceback."""

    @functools.wraps(layout)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return layout(*args, **kwargs)
        except NoPlan:
            return message_page(
                "Noch kein Plan geladen",
                "Die Datenbank enthält noch keinen Plan. Bitte zuerst einen Maßnahmenkatalog "
                "laden („zielcockpit load-catalogue“).",
            )
        except NotFound as exc:
            return message_page("Nicht gefunden", str(exc))
        except DatabaseError as exc:
            log.exception("Datenbankfehler beim Aufbau der Seite")
            return message_page("Datenbank nicht erreichbar", str(exc))
        except Exception:
            # The log keeps the details for the administrator; the user gets one sentence.
            log.exception("Fehler beim Aufbau der Seite %s", layout.__module__)
            return message_page(
                "Die Seite konnte nicht aufgebaut werden",
                "Ein unerwarteter Fehler ist aufgetreten. Bitte die Seite neu laden; bleibt der "
                "Fehler, der Administration Bescheid geben (Uhrzeit und Adresse der Seite "
                "helfen bei der Suche).",
            )

    return wrapper  # type: ignore[return-value]

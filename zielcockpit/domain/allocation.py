"""Splitting an amount of money by weights so that the parts add up to the cent.

Bochum's way of distributing funds by district: a base share per head of a target group (e.g.
children under 18) and the rest by the Sozialstrukturindex. Each split works in whole cents
with the largest-remainder method: every place gets the floor of its exact quota, and the cents
left over go one by one to the largest remainders (ties: in the given order), so the sum is
always exactly the amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction


def split_cents(total_cents: int, weights: Sequence[Fraction | int]) -> list[int]:
    """`total_cents` split in proportion to `weights` (all ≥ 0, at least one > 0)."""
    if total_cents < 0:
        raise ValueError("Der Betrag darf nicht negativ sein.")
    if any(w < 0 for w in weights):
        raise ValueError("Gewichte dürfen nicht negativ sein.")
    whole = sum((Fraction(w) for w in weights), Fraction(0))
    if whole == 0:
        if total_cents == 0:
            return [0] * len(weights)
        raise ValueError("Es gibt nichts, wonach verteilt werden kann (alle Gewichte sind 0).")
    quotas = [Fraction(w) * total_cents / whole for w in weights]
    parts = [q.numerator // q.denominator for q in quotas]
    left = total_cents - sum(parts)
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def allocate(
    total_cents: int,
    base_share: Fraction,
    heads: Sequence[int],
    index_weights: Sequence[Fraction | None],
) -> tuple[list[int], list[int]]:
    """The base part (share `base_share` of the amount, by heads) and the index part (the rest,
    by the index weights; a place without a weight gets none) per place, in cents."""
    if not 0 <= base_share <= 1:
        raise ValueError("Der Sockelanteil muss zwischen 0 und 100 % liegen.")
    base_total = round(base_share * total_cents)
    rest = total_cents - base_total
    base = split_cents(base_total, heads)
    weights = [w if w is not None else Fraction(0) for w in index_weights]
    index = split_cents(rest, weights)
    return base, index

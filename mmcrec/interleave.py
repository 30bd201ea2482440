"""Comparing two model versions with real shoppers: team-draft interleaving and its credit.

Each gallery merges the served version's ranking (A) and a candidate's (B) by team draft
(Radlinski, Kurup & Joachims, "How does clickthrough data reflect retrieval quality?", CIKM 2008):
round by round a coin decides which version picks first, and each picks its best item not yet
placed. Every item remembers the version that placed it, so a thumbs-up on it is a vote for that
version. An impression (one gallery, in one conversation state, for one annotator) is won by the
version whose items got more thumbs-up; equal counts are a tie.

Over many impressions the candidate's win share among the decided (non-tied) ones, with a Wilson
95% interval, says which version shoppers prefer; with too few decided impressions the verdict
says so instead of guessing.
"""
from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Sequence

#: decided impressions needed before a verdict names a winner
MIN_DECIDED = 10
#: the interval's confidence (two-sided normal quantile for 95%)
Z95 = 1.959963984540054


def team_draft(a: Sequence[str], b: Sequence[str], k: int, rng: random.Random,
               teams: tuple[str, str] = ("A", "B")) -> tuple[list[str], list[str]]:
    """Interleave rankings ``a`` and ``b`` (best first) into at most ``k`` items.

    Returns ``(merged, placed_by)``: the items, and for each the name in ``teams`` of the
    ranking that placed it. Each round a coin flip decides who picks first, then both pick (the
    team with fewer picks goes first, which is the same thing); a ranking picks its best item
    not yet placed. When one ranking runs out, the other fills the rest of the page.
    """
    merged: list[str] = []
    placed_by: list[str] = []
    placed: set[str] = set()
    lists = (list(a), list(b))
    pos = [0, 0]
    count = [0, 0]

    def next_of(t: int) -> str | None:
        lst = lists[t]
        while pos[t] < len(lst) and lst[pos[t]] in placed:
            pos[t] += 1
        return lst[pos[t]] if pos[t] < len(lst) else None

    while len(merged) < k:
        have = [next_of(0) is not None, next_of(1) is not None]
        if not any(have):
            break
        if not have[1] or (have[0] and (count[0] < count[1] or (count[0] == count[1] and rng.random() < 0.5))):
            t = 0
        else:
            t = 1
        item = next_of(t)
        merged.append(item)  # type: ignore[arg-type]
        placed_by.append(teams[t])
        placed.add(item)  # type: ignore[arg-type]
        count[t] += 1
    return merged, placed_by


def impression_outcome(placed_by: dict[str, str], liked: Iterable[str], a: str, b: str) -> str:
    """``a``, ``b`` or ``"tie"``: whose placed items got more thumbs-up in one impression.
    ``placed_by``: item → version that placed it; ``liked``: the items given a thumbs-up."""
    credit = {a: 0, b: 0}
    for item in set(liked):
        who = placed_by.get(item)
        if who in credit:
            credit[who] += 1
    if credit[a] == credit[b]:
        return "tie"
    return a if credit[a] > credit[b] else b


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion; (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class ComparisonResult:
    """Wins, losses and ties of a served version against a candidate, and what they say."""

    served: str
    candidate: str
    impressions: int  # impressions with at least one thumbs-up on an interleaved item
    wins: dict[str, int]  # version → impressions it won
    losses: dict[str, int]
    ties: int
    share: float | None  # the candidate's wins among decided impressions (None: none decided)
    low: float  # Wilson 95% interval of that share
    high: float
    verdict: str  # "candidate", "served", "no difference" or "too thin"

    @property
    def decided(self) -> int:
        return self.wins[self.served] + self.wins[self.candidate]

    def summary(self) -> str:
        """One plain sentence: the counts, the interval and the verdict."""
        c, s = self.candidate, self.served
        head = (f"{c} vs {s}: {c} won {self.wins[c]}, lost {self.losses[c]}, tied {self.ties} "
                f"of {self.impressions} rated impression(s)")
        if self.share is not None:
            head += f"; {c}'s share of decided impressions {self.share:.2f} (95% CI {self.low:.2f}–{self.high:.2f})"
        say = {
            "candidate": f"{c} is preferred",
            "served": f"{s} is preferred",
            "no difference": "no clear difference: the interval includes 0.5",
            "too thin": f"too little evidence yet: {self.decided} decided impression(s), a verdict needs {MIN_DECIDED}",
        }[self.verdict]
        return f"{head}. {say}."

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["decided"] = self.decided
        d["summary"] = self.summary()
        return d


def tally(outcomes: Iterable[str], served: str, candidate: str) -> ComparisonResult:
    """Aggregate per-impression outcomes (``served``, ``candidate`` or ``"tie"``)."""
    counts = {served: 0, candidate: 0, "tie": 0}
    for o in outcomes:
        counts[o] += 1
    wins = {served: counts[served], candidate: counts[candidate]}
    losses = {served: counts[candidate], candidate: counts[served]}
    decided = wins[served] + wins[candidate]
    low, high = wilson_interval(wins[candidate], decided)
    share = wins[candidate] / decided if decided else None
    if decided < MIN_DECIDED:
        verdict = "too thin"
    elif low > 0.5:
        verdict = "candidate"
    elif high < 0.5:
        verdict = "served"
    else:
        verdict = "no difference"
    return ComparisonResult(served, candidate, decided + counts["tie"], wins, losses, counts["tie"],
                            share, low, high, verdict)


def compare_labels(labels: Iterable[Any], served: str, candidate: str, since: str = "",
                   until: str = "") -> ComparisonResult:
    """The comparison's result from stored labels (docs/contracts.md §4).

    Item labels whose ``placed_by`` is one of the two versions and whose ``created_at`` falls in
    [since, until) count; an impression is one (session, annotator, turns, image) state. Only
    thumbs-up give credit; an impression with none carries no preference and is left out.
    """
    placed: dict[tuple, dict[str, str]] = defaultdict(dict)
    liked: dict[tuple, set[str]] = defaultdict(set)
    for lab in labels:
        if lab.target != "item" or lab.placed_by not in (served, candidate):
            continue
        if (since and lab.created_at < since) or (until and lab.created_at >= until):
            continue
        key = (lab.session_id, lab.annotator, tuple(lab.turns), lab.image_sha256)
        placed[key][lab.item_id] = lab.placed_by
        if lab.label == 1:
            liked[key].add(lab.item_id)
    return tally((impression_outcome(placed[key], ups, served, candidate) for key, ups in liked.items() if ups),
                 served, candidate)

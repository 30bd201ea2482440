"""Team-draft interleaving and its credit (mmcrec/interleave.py): fair to both versions, credit
to the version that placed an item, and a population that prefers one version makes it win."""
from __future__ import annotations

import random

import numpy as np
import pytest

from mmcrec.interleave import (MIN_DECIDED, compare_labels, impression_outcome, tally, team_draft,
                               wilson_interval)
from mmcrec.labels import Label


def rankings(rng: random.Random, n: int = 40, k: int = 10, overlap: float = 0.5) -> tuple[list[str], list[str]]:
    """Two top-k rankings from one pool of items that share about `overlap` of their items."""
    pool = [f"i{j}" for j in range(n)]
    a = rng.sample(pool, k)
    shared = rng.sample(a, int(k * overlap))
    rest = [x for x in pool if x not in a]
    b = shared + rng.sample(rest, k - len(shared))
    rng.shuffle(b)
    return a, b


def test_merged_list_is_both_rankings_without_repeats():
    a, b = ["x", "y", "z", "w"], ["y", "q", "x", "r"]
    for seed in range(50):
        merged, by = team_draft(a, b, 6, random.Random(seed))
        assert len(merged) == len(set(merged)) == 6 and len(by) == 6
        assert set(merged) <= set(a) | set(b)
        # each version's picks appear in the order of its own ranking
        for name, ranking in (("A", a), ("B", b)):
            mine = [m for m, t in zip(merged, by) if t == name]
            assert mine == sorted(mine, key=ranking.index)
        # the teams' sizes never differ by more than one at any prefix (one pick each per round)
        for i in range(1, len(by) + 1):
            assert abs(by[:i].count("A") - by[:i].count("B")) <= 1


def test_identical_rankings_give_that_ranking():
    a = [f"i{j}" for j in range(8)]
    merged, by = team_draft(a, list(a), 8, random.Random(3))
    assert merged == a and sorted(set(by)) == ["A", "B"]


def test_one_ranking_running_out_leaves_the_rest_to_the_other():
    merged, by = team_draft(["a"], ["b", "c", "d", "e"], 5, random.Random(0))
    assert sorted(merged) == ["a", "b", "c", "d", "e"] and by.count("A") == 1 and by.count("B") == 4
    assert team_draft([], [], 5, random.Random(0)) == ([], [])


def test_interleaving_is_fair_over_many_draws():
    rng = random.Random(7)
    placed = {"A": 0, "B": 0}
    first = {"A": 0, "B": 0}
    draws = 4000
    for _ in range(draws):
        a, b = rankings(rng)
        merged, by = team_draft(a, b, 10, rng)
        for t in by:
            placed[t] += 1
        first[by[0]] += 1
        # each version's top item is in the first two places
        assert a[0] in merged[:2] and b[0] in merged[:2]
    total = placed["A"] + placed["B"]
    assert total == draws * 10
    assert abs(placed["A"] / total - 0.5) < 0.01  # half each (the rounds make it exact up to one item)
    assert abs(first["A"] / draws - 0.5) < 0.03  # who picks first is a fair coin


def test_credit_goes_to_the_version_that_placed_the_item():
    placed = {"x": "v1", "y": "v2", "z": "v2"}
    assert impression_outcome(placed, ["x"], "v1", "v2") == "v1"
    assert impression_outcome(placed, ["y", "z", "x"], "v1", "v2") == "v2"
    assert impression_outcome(placed, ["x", "y"], "v1", "v2") == "tie"
    assert impression_outcome(placed, [], "v1", "v2") == "tie"
    assert impression_outcome(placed, ["unknown"], "v1", "v2") == "tie"  # not interleaved: no credit


def test_tally_counts_interval_and_thin_evidence():
    r = tally(["v2"] * 3 + ["v1"] + ["tie"] * 2, "v1", "v2")
    assert r.wins == {"v1": 1, "v2": 3} and r.losses == {"v1": 3, "v2": 1} and r.ties == 2
    assert r.impressions == 6 and r.decided == 4 and r.share == pytest.approx(0.75)
    assert r.verdict == "too thin" and "too little evidence" in r.summary()
    r = tally(["v2"] * 30 + ["v1"] * 5, "v1", "v2")
    assert r.verdict == "candidate" and r.low > 0.5 and "v2 is preferred" in r.summary()
    r = tally(["v2"] * 5 + ["v1"] * 30, "v1", "v2")
    assert r.verdict == "served" and r.high < 0.5
    r = tally(["v2"] * 20 + ["v1"] * 20, "v1", "v2")
    assert r.verdict == "no difference" and r.low < 0.5 < r.high
    r = tally(["tie"] * 50, "v1", "v2")
    assert r.share is None and r.verdict == "too thin" and (r.low, r.high) == (0.0, 1.0)
    assert tally(["v2"] * MIN_DECIDED, "v1", "v2").verdict == "candidate"


def test_wilson_interval_matches_the_textbook():
    # Wilson (1927) / Newcombe (1998) example: 81 of 263 -> 0.2553 to 0.3662
    low, high = wilson_interval(81, 263)
    assert low == pytest.approx(0.2553, abs=1e-4) and high == pytest.approx(0.3662, abs=1e-4)
    assert wilson_interval(0, 10)[0] == pytest.approx(0.0) and wilson_interval(10, 10)[1] == pytest.approx(1.0)


def simulate(prefer_b: float, sessions: int, seed: int) -> list[Label]:
    """Shoppers shown interleaved galleries: each item is liked with a probability that falls with
    its rank in B's ranking when the shopper leans to B (probability `prefer_b`), in A's otherwise.
    Returns the thumbs as labels, placed_by filled as the app fills it."""
    rng = random.Random(seed)
    labels = []
    for s in range(sessions):
        a, b = rankings(rng, overlap=0.3)
        merged, by = team_draft(a, b, 10, rng, ("v1", "v2"))
        judge = b if rng.random() < prefer_b else a
        for item, team in zip(merged, by):
            pos = judge.index(item) if item in judge else 20
            if rng.random() < 0.6 / (1 + pos):  # position decides: top items of the judge's ranking
                labels.append(Label(label_id=f"{s}-{item}", session_id=f"s{s}", annotator="ann",
                                    created_at="2026-01-01T00:00:00Z", turns=["hi"], item_id=item,
                                    target="item", label=1, placed_by=team))
            elif rng.random() < 0.1:
                labels.append(Label(label_id=f"{s}-{item}", session_id=f"s{s}", annotator="ann",
                                    created_at="2026-01-01T00:00:00Z", turns=["hi"], item_id=item,
                                    target="item", label=-1, placed_by=team))
    return labels


def test_a_population_that_prefers_the_candidate_makes_it_win():
    r = compare_labels(simulate(prefer_b=0.8, sessions=300, seed=1), "v1", "v2")
    assert r.verdict == "candidate" and r.low > 0.5, r.summary()
    assert r.wins["v2"] > r.wins["v1"] and r.losses["v1"] == r.wins["v2"]


def test_a_population_that_prefers_the_served_version_makes_it_win():
    r = compare_labels(simulate(prefer_b=0.2, sessions=300, seed=2), "v1", "v2")
    assert r.verdict == "served" and r.high < 0.5, r.summary()


def test_no_preference_is_no_verdict_most_of_the_time():
    verdicts = [compare_labels(simulate(prefer_b=0.5, sessions=200, seed=s), "v1", "v2").verdict
                for s in range(20)]
    # a 95% interval: a false winner now and then, not as a rule
    assert sum(v in ("candidate", "served") for v in verdicts) <= 3, verdicts


def test_compare_labels_keeps_to_the_comparison():
    base = dict(session_id="s", annotator="a", turns=["t"], target="item", label=1)
    labels = [
        Label(label_id="1", item_id="x", placed_by="v2", created_at="2026-01-02T00:00:00Z", **base),
        Label(label_id="2", item_id="y", placed_by="v9", created_at="2026-01-02T00:00:00Z", **base),
        Label(label_id="3", item_id="z", placed_by="", created_at="2026-01-02T00:00:00Z", **base),
        Label(label_id="4", item_id="w", placed_by="v1", created_at="2025-12-01T00:00:00Z", **base),  # before
        Label(label_id="5", item_id="x", placed_by="v1", created_at="2026-01-02T00:00:00Z",
              **{**base, "session_id": "s2", "label": 0}),  # retracted: no credit
    ]
    r = compare_labels(labels, "v1", "v2", since="2026-01-01T00:00:00Z", until="2026-02-01T00:00:00Z")
    assert r.wins == {"v1": 0, "v2": 1} and r.ties == 0 and r.impressions == 1
    assert np.isclose(r.share, 1.0)

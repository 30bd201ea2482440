"""Current vs new: metrics on labelled dialogues, and the verdict.

The verdict is on held-out sessions (whole groups of sessions that asked the same thing or showed
the same photo): promotable only with at least MIN_HELDOUT_SESSIONS of them and a 95% bootstrap
interval of the NDCG@10 gain above 0; otherwise it says the evidence is too thin, or that the gain
is not shown.
"""
from __future__ import annotations

import copy

import numpy as np

from ..evaluate import ModelSystem, evaluate, mrr, ndcg_at
from ..model import Model
from ..recommender import Recommender
from .data import Example

MIN_HELDOUT_SESSIONS = 15  # fewer held-out sessions than this: the evidence is too thin to promote
BOOTSTRAP = 2000  # resamples of the held-out sessions for the verdict's 95% interval
FALL_TOLERANCE = 0.01  # repeat or new needs whose held-out NDCG@10 falls by more than this block promotion


# -- metrics on labelled dialogues -------------------------------------------------------------


def within_one_error(best, other) -> bool:
    """Whether `other` ranks as well as `best` within one standard error of their paired difference
    (the same dialogues under two settings): the rule every fit here uses to call settings tied, so
    a lucky handful of dialogues does not pick a setting. With fewer than two, only when no worse."""
    d = np.asarray(best, np.float64) - np.asarray(other, np.float64)
    if len(d) < 2:
        return bool(d.mean() <= 1e-9) if len(d) else True
    # "within" includes the edge: when a single dialogue differs, the mean difference equals its
    # standard error exactly, and rounding must not decide that one dialogue is proof
    return bool(d.mean() <= max(d.std(ddof=1) / np.sqrt(len(d)), 1e-9) * (1 + 1e-9))


def label_metrics(y: np.ndarray, examples: list[Example], local: dict[int, int], k: int = 10) -> dict:
    """AUC of up vs down (pairs within a dialogue); NDCG@k and MRR of the thumbs-up items among
    the judged items of each dialogue (condensed lists: a model is not penalised for surfacing
    good items the labelling model never showed); and NDCG@k of the thumbs-up items in the whole
    ranking (`ndcg_all`, per dialogue in `per_dialogue`): the condensed lists cannot see an item
    liked elsewhere pushing into a request's top k, this one does, so it is what settings are
    chosen and verdicts given on. `per_dialogue_judged`: the same dialogues' NDCG@k among their own
    judged items, for repeat needs (verdict)."""
    wins, pairs, ndcgs, mrrs, full, sessions, judged_only = 0.0, 0, [], [], [], [], []
    for ex in examples:
        s = y[ex.row]
        up = [local[i] for i in ex.up]
        down = [local[i] for i in ex.down]
        for u in up:
            for d in down:
                pairs += 1
                wins += 1.0 if s[u] > s[d] else 0.5 if s[u] == s[d] else 0.0
        rel = {str(u): 1 for u in up}
        if up and down:
            judged = np.array(up + down)
            ranked = [str(i) for i in judged[np.argsort(-s[judged], kind="stable")]]
            ndcgs.append(ndcg_at(ranked, rel, k))
            mrrs.append(mrr(ranked, rel))
        if up:
            top = np.argsort(-s, kind="stable")[:k]
            full.append(ndcg_at([str(i) for i in top], rel, k))
            sessions.append(ex.session_id)
            judged = np.array(up + down)
            judged_only.append(ndcg_at([str(i) for i in judged[np.argsort(-s[judged], kind="stable")]], rel, k))
    return {
        "auc": wins / pairs if pairs else None,
        "ndcg": float(np.mean(ndcgs)) if ndcgs else None,
        "mrr": float(np.mean(mrrs)) if mrrs else None,
        "ndcg_all": float(np.mean(full)) if full else None,
        "pairs": pairs,
        "n": len(ndcgs),
        "per_dialogue": full,
        "per_dialogue_judged": judged_only,
        "sessions": sessions,
    }


# -- the verdict ---------------------------------------------------------------------------------


def bootstrap_ci(diffs: list[float], units: list[str], seed: int = 0, n_boot: int = BOOTSTRAP) -> tuple[float, float]:
    """95% interval of the mean difference, resampling whole units (sessions) with replacement."""
    by: dict[str, list[float]] = {}
    for d, u in zip(diffs, units):
        by.setdefault(u, []).append(d)
    sums = np.array([sum(v) for v in by.values()])
    counts = np.array([len(v) for v in by.values()])
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(sums), size=(n_boot, len(sums)))
    means = sums[pick].sum(1) / counts[pick].sum(1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def per_dialogue(m: dict, recalled: list[bool] | None) -> list[float]:
    """Each held-out dialogue's NDCG@10 as the verdict reads it: in the whole ranking, except for a
    repeat need (recalled), among the items its shopper judged: the memory lifts what other
    shoppers of that need liked, which this shopper mostly never saw, and an unjudged item is
    not a wrong one there. A new need is read in the whole ranking, where anything the memory
    wrongly pushes in counts against it."""
    whole, judged = m.get("per_dialogue") or [], m.get("per_dialogue_judged") or []
    if recalled is None or len(judged) != len(whole):
        return list(whole)
    return [j if r else w for w, j, r in zip(whole, judged, recalled)]


def need_groups(new: dict, cur: dict, recalled: list[bool]) -> dict:
    """Current vs new NDCG@10 (per_dialogue) of the held-out dialogues, apart for repeat needs (the
    new model's label memory recalled a labelled request like them) and new needs (it recalled
    none). recalled: per dialogue of label_metrics' per_dialogue."""
    pn, pc = per_dialogue(new, recalled), per_dialogue(cur, recalled)
    out = {}
    for name, flag in (("repeat", True), ("new", False)):
        idx = [i for i, r in enumerate(recalled) if bool(r) == flag]
        if idx:
            a, b = float(np.mean([pn[i] for i in idx])), float(np.mean([pc[i] for i in idx]))
            out[name] = {"n": len(idx), "current": b, "new": a, "gain": a - b}
    return out


def verdict(new: dict, cur: dict, min_sessions: int = MIN_HELDOUT_SESSIONS, seed: int = 0,
            recalled: list[bool] | None = None) -> dict:
    """Promotable only when the held-out sessions say so: at least `min_sessions` of them, the
    95% bootstrap interval (over sessions) of the NDCG@10 gain above 0, and neither the repeat
    needs nor the new needs (need_groups, when `recalled` is given) falling by more than
    FALL_TOLERANCE. Says when it is too thin."""
    diffs = [a - b for a, b in zip(per_dialogue(new, recalled), per_dialogue(cur, recalled))]
    units = list(new.get("sessions") or [])
    n = len(set(units))
    needs = need_groups(new, cur, recalled) if recalled is not None else {}
    out = {"sessions": n, "min_sessions": min_sessions, "gain": float(np.mean(diffs)) if diffs else None, "ci": None,
           "needs": needs}
    falls = [k for k, v in needs.items() if v["gain"] < -FALL_TOLERANCE]
    by_need = "; ".join(f"{k} needs {v['current']:.3f} → {v['new']:.3f} (n={v['n']})" for k, v in needs.items())
    if n < 2:
        return {**out, "promotable": False, "too_thin": True,
                "text": f"evidence too thin: {n} held-out session{'s' * (n != 1)} with a thumbs up (need {min_sessions})"}
    lo, hi = bootstrap_ci(diffs, units, seed)
    out["ci"] = [lo, hi]
    where = "in the whole ranking" if not any(recalled or []) else "(new needs: whole ranking; repeat needs: among their judged items)"
    gain = f"NDCG@10 of the thumbs-up items {where} {out['gain']:+.3f} (95% CI {lo:+.3f} to {hi:+.3f}, {n} held-out sessions)"
    if n < min_sessions:
        return {**out, "promotable": False, "too_thin": True,
                "text": f"evidence too thin: {gain}; need at least {min_sessions} held-out sessions"}
    gain += f"; {by_need}" if by_need else ""
    if lo > 0 and falls:
        return {**out, "promotable": False, "too_thin": False,
                "text": f"{' and '.join(falls)} needs fall on held-out labels: {gain}"}
    if lo > 0:
        return {**out, "promotable": True, "too_thin": False, "text": f"better on held-out labels: {gain}"}
    return {**out, "promotable": False, "too_thin": False,
            "text": f"not shown better on held-out labels: {gain}; the interval includes no gain" if hi >= 0 else
                    f"worse on held-out labels: {gain}"}


def summary(m: dict) -> dict:
    """label_metrics without the per-dialogue lists (for the card and the table)."""
    return {k: v for k, v in m.items() if k not in ("per_dialogue", "per_dialogue_judged", "sessions")}


# -- metrics on labelled queries -----------------------------------------------------------------


def query_metrics(rec: Recommender, model: Model, queries: list, k: int = 10) -> dict:
    """evaluate.evaluate on labelled queries with `model`, on a shadow of rec (the served model stays)."""
    shadow = copy.copy(rec)
    shadow.set_model(model)
    r = evaluate(ModelSystem(shadow), queries, k=k)
    return {"overall": r["overall"], "by_kind": r["by_kind"]}

"""Labels in, and the sides they are split into: labelled dialogues, train / validation /
held-out sessions, and the dialogues as scoring-core tensors.

    labels ──make_examples: group by (session, turns, image)──► labelled dialogues: items up, items down
           ──split_sessions (seeded, by session group)──► fit │ validation │ held-out
           ──featurize_splits──► batches over the training items
"""
from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..catalog import Catalog
from ..dialogue import DialogueState, dialogue_turns
from ..images import ImageError, open_image
from ..labels import Label
from ..model import dialogue_tensors
from ..recommender import Recommender

HELDOUT_FRACTION = 0.2  # of sessions: the verdict
VALID_FRACTION = 0.15  # of the remaining sessions: early stopping
MAX_TRAIN_ITEMS = 4096  # bigger catalogs train on the labelled items plus a sample of the rest


class TrainError(ValueError):
    """Bad training input (no labels, one-sided labels, one session, unknown catalog...)."""


# -- labels → labelled dialogues ---------------------------------------------------------------


@dataclass
class Example:
    """One dialogue as it was when thumbs were given, and the items judged in it."""

    session_id: str
    turns: list[str]
    image_path: str
    image_sha256: str
    up: list[int] = field(default_factory=list)  # catalog positions
    down: list[int] = field(default_factory=list)
    row: int = -1  # this dialogue's row in its featurized batch (identical dialogues share one)
    image_turn: int | None = None  # the turn the image came with (None: the first)
    exact: list[int] = field(default_factory=list)  # up items judged "exactly what was asked" (grade 2)


def read_labels(db: str | Path | None = None, labels: str | Path | None = None) -> tuple[list, tempfile.TemporaryDirectory | None]:
    """Labels from the feedback database, or from an exported file (JSONL/CSV/Parquet, read with
    the store's own import logic so image paths resolve relative to the file). Returns the labels
    and the temporary folder holding an imported file's images (keep it until images are read)."""
    from ..labels import FeedbackError, SQLiteLabelStore, is_database_url, open_store

    if db:
        if not is_database_url(db) and not Path(db).is_file():
            raise TrainError(f"feedback database not found: {db}")
        store = open_store(db, create=False, sync_repo="")
        try:
            return store.labels(), None
        finally:
            store.close()
    if not labels or not Path(labels).is_file():
        raise TrainError(f"labels file not found: {labels}")
    tmp = tempfile.TemporaryDirectory(prefix="mmcrec-train-")
    store = SQLiteLabelStore(Path(tmp.name) / "labels.db", sync_repo="", synchronous="OFF")
    try:
        store.import_file(labels)
        return store.labels(), tmp
    except FeedbackError as e:
        tmp.cleanup()
        raise TrainError(str(e).splitlines()[0]) from e
    finally:
        store.close()


@dataclass
class GradedLabel(Label):
    """A campaign judgement as a training label: the thumb it amounts to, and its grade (in
    memory only: files and stores keep thumbs)."""

    grade: int = 0


def campaign_labels(db: str | Path, name: str) -> list:
    """A campaign's graded judgements as item labels beside the thumbs: grade 2 or 1 is a thumbs
    up, 0 a thumbs down, and training also ranks 2 above 1.  Each request is one session
    (``campaign/<name>/<request_id>``), so its annotators' votes meet in one dialogue (the
    majority counts) and it is held out whole."""
    from ..labels import FeedbackError, make_label_id, open_store
    from ..labels.campaigns import Campaigns

    if not is_database_url_or_file(db):
        raise TrainError(f"feedback database not found: {db}")
    store = open_store(db, create=False, sync_repo="")
    try:
        campaigns = Campaigns(store)
        campaigns.get(name)
        requests = {r.request_id: r for r in campaigns.requests(name)}
        out = []
        for j in campaigns.judgements(name):
            req = requests[j["request_id"]]
            sid = f"campaign/{name}/{j['request_id']}"
            sha = Path(req.image).name.split(".")[0] if req.image else ""
            out.append(GradedLabel(label_id=make_label_id(sid, j["annotator"], "item", j["item_id"], req.turns),
                                   session_id=sid, annotator=j["annotator"], created_at=j["created_at"],
                                   turns=list(req.turns), image_sha256=sha, image_path=req.image or "",
                                   item_id=j["item_id"], target="item", label=1 if j["grade"] > 0 else -1,
                                   grade=int(j["grade"])))
        return out
    except FeedbackError as e:
        raise TrainError(str(e).splitlines()[0]) from e
    finally:
        store.close()


def is_database_url_or_file(db: str | Path) -> bool:
    from ..labels import is_database_url

    return is_database_url(db) or Path(db).is_file()


def make_examples(labels: list, catalog) -> tuple[list[Example], dict]:
    """Group item labels by dialogue; the latest value of each label counts, retracted ones don't;
    an item with both thumbs in one dialogue keeps the majority (a tie drops it). Graded labels
    (GradedLabel, from campaigns) also mark the items more than half their annotators graded 2."""
    pos = {iid: i for i, iid in enumerate(catalog.ids)}
    groups: dict[tuple, dict] = {}
    counts = {"labels": 0, "up": 0, "down": 0, "retracted": 0, "replies": 0, "unknown_items": 0}
    for lab in labels:
        if getattr(lab, "target", "item") != "item":
            counts["replies"] += 1
            continue
        if lab.label == 0:
            counts["retracted"] += 1
            continue
        if lab.item_id not in pos:
            counts["unknown_items"] += 1
            continue
        counts["labels"] += 1
        counts["up" if lab.label > 0 else "down"] += 1
        key = (lab.session_id, tuple(lab.turns), lab.image_sha256, getattr(lab, "image_turn", None))
        g = groups.setdefault(key, {"path": lab.image_path, "votes": {}, "grades": {}})
        g["votes"][pos[lab.item_id]] = g["votes"].get(pos[lab.item_id], 0) + int(lab.label)
        if getattr(lab, "grade", None) is not None:
            g["grades"].setdefault(pos[lab.item_id], []).append(int(lab.grade))
    out = []
    for (sid, turns, sha, image_turn), g in groups.items():
        ex = Example(sid, list(turns), g["path"], sha, image_turn=image_turn)
        ex.up = sorted(i for i, v in g["votes"].items() if v > 0)
        ex.down = sorted(i for i, v in g["votes"].items() if v < 0)
        # graded judgements: an up item most of its annotators called exact (2) ranks above the merely acceptable (1)
        ex.exact = [i for i in ex.up if _mostly_exact(g["grades"].get(i, []))]
        if ex.up or ex.down:
            out.append(ex)
    counts["exact"] = sum(len(e.exact) for e in out)
    counts["dialogues"] = len(out)
    counts["sessions"] = len({e.session_id for e in out})
    return out, counts


def _mostly_exact(grades: list[int]) -> bool:
    """More than half the annotators who graded an item gave it 2."""
    return 2 * sum(g == 2 for g in grades) > len(grades) > 0


def read_examples(labels: list, catalog: Catalog) -> tuple[list[Example], dict]:
    """Labels → labelled dialogues (make_examples) and their counts; TrainError when nothing can
    be learned from them (check_labels)."""
    examples, counts = make_examples(labels, catalog)
    check_labels(counts)
    return examples, counts


def precheck(labels: list) -> None:
    """Fail fast (before any model loads) on label sets nothing can be learned from."""
    live = [lab for lab in labels if getattr(lab, "target", "item") == "item" and lab.label != 0]
    ups = sum(lab.label > 0 for lab in live)
    check_labels({"labels": len(live), "up": ups, "down": len(live) - ups, "unknown_items": 0,
                  "retracted": sum(lab.label == 0 for lab in labels),
                  "replies": sum(getattr(lab, "target", "item") != "item" for lab in labels),
                  "sessions": max(2, len({lab.session_id for lab in live}))})
    if len({lab.session_id for lab in live}) < 2:
        raise TrainError("labels come from a single session: need at least 2 sessions to hold some out")


def check_labels(counts: dict) -> None:
    if counts["labels"] == 0:
        why = []
        if counts["unknown_items"]:
            why.append(f"{counts['unknown_items']} name items this catalog does not have")
        if counts["retracted"]:
            why.append(f"{counts['retracted']} were retracted")
        if counts["replies"]:
            why.append(f"{counts['replies']} are on replies")
        raise TrainError("no item labels to train on" + (f" ({'; '.join(why)})" if why else ""))
    if counts["up"] == 0 or counts["down"] == 0:
        side = "thumbs-up" if counts["down"] == 0 else "thumbs-down"
        raise TrainError(f"all {counts['labels']} labels are {side}: training needs both thumbs up and thumbs down")
    if counts["sessions"] < 2:
        raise TrainError("labels come from a single session: need at least 2 sessions to hold some out")


# -- sides: fit │ validation │ held-out, whole session groups at a time ----------------------------


def session_groups(examples: list[Example]) -> dict[str, str]:
    """Each session's group: sessions that asked the very same thing (same turns and image) or
    showed the same photo are one group, so a held-out side measures asks and pictures the model
    has not seen, not memory. Fewer than 5 groups: plain sessions."""
    sessions = sorted({e.session_id for e in examples})
    parent = {s: s for s in sessions}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict[tuple, str] = {}
    for e in examples:
        for key in [(tuple(e.turns), e.image_sha256)] + ([("photo", e.image_sha256)] if e.image_sha256 else []):
            if key in first:
                a, b = find(first[key]), find(e.session_id)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                first[key] = e.session_id
    group = {s: find(s) for s in sessions}
    if len(set(group.values())) < 5:
        group = {s: s for s in sessions}
    return group


def split_by_session(examples: list[Example], seed: int, fraction: float = HELDOUT_FRACTION) -> tuple[list, list]:
    """Whole sessions go to one side: a session's dialogues never straddle train and held-out,
    and neither do the sessions of one group (`session_groups`: same ask or same photo)."""
    group = session_groups(examples)
    units = sorted(set(group.values()))
    rng = np.random.default_rng(seed)
    order = [units[i] for i in rng.permutation(len(units))]
    k = min(len(units) - 1, max(1, round(fraction * len(units))))
    held = set(order[:k])
    return [e for e in examples if group[e.session_id] not in held], [e for e in examples if group[e.session_id] in held]


def fold_of(examples: list[Example], k: int, seed: int) -> np.ndarray:
    """A fold per example for cross-validation, whole session groups (`session_groups`) at a time."""
    group = session_groups(examples)
    units = sorted(set(group.values()))
    perm = np.random.default_rng(seed).permutation(len(units))
    unit_fold = {units[u]: int(i % k) for i, u in enumerate(perm)}
    return np.array([unit_fold[group[e.session_id]] for e in examples])


@dataclass
class Split:
    """The labelled dialogues by side: `held` gives the verdict; `train` is `fit` (gradient steps)
    + `val` (early stopping), or, with too few sessions for a validation side, `fit` and `val` are
    both `train` (the same list)."""

    train: list[Example]
    held: list[Example]
    fit: list[Example]
    val: list[Example]


def split_sessions(examples: list[Example], counts: dict, seed: int, rng: np.random.Generator) -> Split:
    """Train / held-out by session group (split_by_session), then fit / validation inside train
    (early stopping; with fewer than 4 training sessions both are the training side). A held-out
    side without a thumbs-up gets one training session that has some (drawn with `rng`). Adds the
    sides' sizes to `counts`; TrainError when no thumbs-up is left to fit on."""
    train_ex, held_ex = split_by_session(examples, seed)
    fit_ex, val_ex = split_by_session(train_ex, seed + 1, VALID_FRACTION) if len({e.session_id for e in train_ex}) >= 4 else (train_ex, train_ex)
    if not any(e.up for e in held_ex):
        # a verdict needs thumbs-up items in held-out sessions: move one session that has some
        have = sorted({e.session_id for e in train_ex if e.up})
        if len(have) > 1:
            s = have[int(rng.integers(len(have)))]
            held_ex += [e for e in train_ex if e.session_id == s]
            train_ex = [e for e in train_ex if e.session_id != s]
            fit_ex = [e for e in fit_ex if e.session_id != s]
            val_ex = [e for e in val_ex if e.session_id != s] or fit_ex
    if not any(e.up for e in fit_ex):
        raise TrainError("no thumbs-up labels left to train on after holding out sessions")
    counts.update(train_sessions=len({e.session_id for e in train_ex}), heldout_sessions=len({e.session_id for e in held_ex}),
                  train_dialogues=len(train_ex), heldout_dialogues=len(held_ex))
    return Split(train_ex, held_ex, fit_ex, val_ex)


# -- batches: labelled dialogues as scoring-core tensors ------------------------------------------


def training_items(examples: list[Example], n: int, rng: np.random.Generator) -> np.ndarray:
    """The catalog positions trained on: all of them for a catalog of up to MAX_TRAIN_ITEMS; the
    labelled ones plus a sample of the rest (drawn with `rng`) for a bigger one."""
    if n <= MAX_TRAIN_ITEMS:
        return np.arange(n)
    labelled = sorted({i for e in examples for i in e.up + e.down})
    rest = np.setdiff1d(np.arange(n), labelled)
    return np.sort(np.concatenate([labelled, rng.choice(rest, size=max(0, MAX_TRAIN_ITEMS - len(labelled)), replace=False)]))


@dataclass
class Batches:
    """The training items and each side's dialogues as scoring-core tensors (featurize)."""

    items: np.ndarray  # catalog positions trained on
    local: dict[int, int]  # catalog position → row among `items`
    ids: list[str]  # the items' ids
    items_raw: dict  # the items' frozen embeddings: text, image, native, has_image
    fit: dict
    val: dict  # `fit` itself when the split has no separate validation side
    held: dict
    exp_train: list[Example]  # the expansion's own copies of the training dialogues (featurize numbers each list's rows)
    exp: dict  # their batch
    exp_held: list[Example]  # and of the held-out ones (featurized when the saved expansion learns from them)


def featurize_splits(split: Split, rec: Recommender, catalog: Catalog, items: np.ndarray, device: str) -> Batches:
    """The training items' embeddings from rec's index, and featurize on each side of `split`."""
    local = {int(i): k for k, i in enumerate(items)}
    ix = rec.index
    items_raw = {
        "text": torch.from_numpy(ix.text[items]).float().to(device),
        "image": torch.from_numpy(ix.image[items]).float().to(device),
        "native": torch.from_numpy(ix.native[items]).float().to(device),
        "has_image": torch.from_numpy(ix.has_image[items]).to(device),
    }
    ids = [catalog.ids[i] for i in items]
    exp_train = [dataclasses.replace(e) for e in split.train]
    exp_held = [dataclasses.replace(e) for e in split.held]
    b_exp = featurize(exp_train, rec, items, device)
    b_fit = featurize(split.fit, rec, items, device)
    b_val = featurize(split.val, rec, items, device) if split.val is not split.fit else b_fit
    b_held = featurize(split.held, rec, items, device)
    return Batches(items, local, ids, items_raw, b_fit, b_val, b_held, exp_train, b_exp, exp_held)


def featurize(examples: list[Example], rec: Recommender, items: np.ndarray, device: str) -> dict:
    """Stack the distinct dialogues (left-padded to the longest, so the latest turn is last) with
    their constraint masks and colour matches over the training items `items` (catalog positions).
    Sets each example's `row`: sessions asking the same thing share a row, and are scored once."""
    rows: dict[tuple, int] = {}
    uniq: list[Example] = []
    for ex in examples:
        key = (tuple(ex.turns), ex.image_sha256, ex.image_turn)
        if key not in rows:
            rows[key] = len(uniq)
            uniq.append(ex)
        ex.row = rows[key]
    states = []
    for ex in uniq:
        img = None
        if ex.image_path:
            try:
                img = open_image(ex.image_path)
            except (ImageError, OSError):
                img = None
        st = DialogueState()
        for t in dialogue_turns(ex.turns, img, ex.image_sha256, ex.image_turn):
            st.add(t, rec.vocab)
        states.append(st)
    pairs = [(st.turns[j], st.query(j)) for st in states for j in range(len(st.turns))]
    raws = rec.turns.raw_turns(pairs)
    T = max(len(st.turns) for st in states)
    per, at = [], 0
    for st in states:
        r = raws[at : at + len(st.turns)]
        at += len(st.turns)
        r = rec.matched(st, r)
        per.append(dialogue_tensors(st, [r[c] for c in st.content_of], rec.dims))
    out = {}
    for key in per[0]:
        rows = []
        for d in per:
            x = d[key]
            pad = T - x.shape[0]
            if pad:
                x = torch.cat([torch.zeros((pad, *x.shape[1:]), dtype=x.dtype), x])
            rows.append(x)
        out[key] = torch.stack(rows)
    masks, colors, kinds = [], [], []
    at = 0
    for st in states:
        m, _ = st.mask(rec.vocab)
        kind, color = rec.soft_preferences(st, raws[at : at + len(st.turns)])
        at += len(st.turns)
        masks.append(m[items])
        colors.append(color[items])
        kinds.append(np.concatenate([np.zeros((T - len(kind), len(items)), np.float32), kind[:, items]]))
    out["mask"] = torch.from_numpy(np.stack(masks))
    out["color"] = torch.from_numpy(np.stack(colors).astype(np.float32))
    out["kind"] = torch.from_numpy(np.stack(kinds).astype(np.float32))
    return {k: (v.float() if v.dtype == torch.float64 else v).to(device) for k, v in out.items()}


def pairs_of(examples: list[Example], local: dict[int, int], mask: torch.Tensor, n_unseen: int, rng) -> tuple:
    """(dialogue, better, worse, weight) index tensors: up over down (weight 1), up over
    `n_unseen` sampled unseen items the constraints allow (weight ½ in all), and, from graded
    judgements, exact (2) over acceptable (1) items (weight 1)."""
    b, hi, lo, w = [], [], [], []
    mask = mask.cpu().numpy()
    for ex in examples:
        k = ex.row
        up = [local[i] for i in ex.up if mask[k, local[i]]]
        down = [local[i] for i in ex.down if mask[k, local[i]]]
        seen = set(up) | set(down)
        exact = {local[i] for i in ex.exact if i in local}
        for e in exact & set(up):
            for u in set(up) - exact:
                b.append(k), hi.append(e), lo.append(u), w.append(1.0)
        cand = np.flatnonzero(mask[k])
        for u in up:
            for d in down:
                b.append(k), hi.append(u), lo.append(d), w.append(1.0)
            if n_unseen and len(cand) > len(seen):
                s = [int(x) for x in rng.choice(cand, size=min(n_unseen * 2, len(cand)), replace=False) if x not in seen][:n_unseen]
                for x in s:
                    b.append(k), hi.append(u), lo.append(x), w.append(0.5 / max(len(s), 1))
    t = lambda x, dt=torch.long: torch.tensor(x, dtype=dt)  # noqa: E731
    return t(b), t(hi), t(lo), t(w, torch.float32)


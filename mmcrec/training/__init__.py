"""`mmcrec train`: the next model from thumbs, and proof that it is better.

    labels ──group by (session, turns, image)──► labelled dialogues: items up, items down
           ──split by session (seeded)──► train │ validation (early stopping) │ held-out (the verdict)

What is learned is what model.py names, through model.py's own scoring core (so what is trained
is what is served): α, the temperatures, the turn weighting (recency, correction, superseded),
the colour bonus, the image prior, and low-rank residual maps on the frozen embeddings
(W = W_parent + A·B, so training starts at the parent model exactly). By default only the bridge
(native image features → shared space) gets one; the text and image maps can be switched on in
TrainConfig.learn. Two losses:

  * pairwise (BPR) on log Y: a thumbs-up item above the thumbs-down items and above unseen items
    of the same dialogue (sampled among those the hard constraints allow);
  * the catalog's own image↔text pairs (InfoNCE): each item's picture, mapped to the shared space,
    should find the item's own text, so the image side learns even from few labels.

The shoppers' photo style (Adapter.photo_mean): the average features of the distinct photos of
the fitting sessions, removed from photo turns before they meet item pictures (photo_style).

Early stopping watches the pairwise loss on validation sessions (taken from the training side);
the trained scalars and maps are kept only if the validation sessions rank better with them.

Click-through expansion (model.Expansion): each labelled item is pulled toward the (centred)
requests whose shoppers liked it and pushed away from those that rejected it. Only explicit thumbs
count: an item shown without one is no evidence. The pull λ and push μ are chosen by cross-
validation over the training sessions (λ = 0: none), on the NDCG@10 of the thumbs-up items in the
whole ranking, so an item liked elsewhere crowding a request's top 10 counts against it.

The verdict is on held-out sessions (whole groups of sessions that asked the same thing or showed
the same photo): promotable only with at least MIN_HELDOUT_SESSIONS of them and a 95% bootstrap
interval of the NDCG@10 gain above 0; otherwise it says the evidence is too thin, or that the gain
is not shown. The new model is written as the next version (v1, v2, ...) of the model registry
(registry.py) with a card; its saved expansion also learns from the held-out sessions (same λ, μ).

Where each part lives:

    pipeline.py   train_next, as a list of named stages (read, split, featurize, fit, assemble,
                  judge, save)
    config.py     TrainConfig, the knobs of a run
    data.py       labels in (read_labels, campaign_labels, make_examples, precheck), the sides
                  (split_by_session, split_sessions) and the batches (featurize, pairs_of); TrainError
    trainable.py  Trainable (free parameters + low-rank maps), forward, the losses, photo_style, fit
    expansion.py  click-through expansion: request vectors, offsets, choose_expansion
    verdict.py    label_metrics, bootstrap_ci, verdict, query_metrics
    report.py     TrainResult and the current-vs-new table
"""
from __future__ import annotations

from .config import TrainConfig
from .data import (
    Example,
    GradedLabel,
    TrainError,
    campaign_labels,
    featurize,
    make_examples,
    pairs_of,
    precheck,
    read_labels,
    split_by_session,
)
from .expansion import expansion_sums, make_expansion, request_vectors
from .pipeline import train_next
from .report import METRIC_NAMES, TrainResult, comparison_rows, fmt_metric, learned_line
from .trainable import MIN_PHOTOS, forward, frozen
from .verdict import MIN_HELDOUT_SESSIONS, verdict

__all__ = [
    "METRIC_NAMES",
    "MIN_HELDOUT_SESSIONS",
    "MIN_PHOTOS",
    "Example",
    "GradedLabel",
    "TrainConfig",
    "TrainError",
    "TrainResult",
    "campaign_labels",
    "comparison_rows",
    "expansion_sums",
    "featurize",
    "fmt_metric",
    "forward",
    "frozen",
    "learned_line",
    "make_examples",
    "make_expansion",
    "pairs_of",
    "precheck",
    "read_labels",
    "request_vectors",
    "split_by_session",
    "train_next",
    "verdict",
]

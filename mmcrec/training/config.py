"""TrainConfig: the knobs of one training run."""
from __future__ import annotations

from dataclasses import dataclass

RANK = 64  # of the residual maps


@dataclass
class TrainConfig:
    """The knobs of one training run (defaults measured with benchmarks/simulate_annotators.py)."""

    rank: int = RANK  # of the residual maps
    # which maps get a residual ("text", "image", "bridge"; native keeps the parent's). The bridge
    # alone generalised best to unseen asks in the simulation (text maps learn the asks by heart)
    learn: tuple = ("bridge",)
    ssl_weight: float = 1.0  # catalog image↔text InfoNCE, next to the pairwise loss
    ssl_temp: float = 0.05
    reg_weight: float = 1e-3  # L2 on the residuals: stay near the parent
    lr_scalars: float = 0.03
    lr_maps: float = 3e-3
    batch_size: int = 256  # distinct dialogues per step
    n_unseen: int = 8  # unseen items sampled per thumbs-up
    max_epochs: int = 60
    patience: int = 10
    # click-through expansion: the pull toward liking requests (λ) and push from rejecting ones (μ),
    # each chosen by cross-validation over the training sessions from these grids. No push by
    # default: a thumbs-down says "not for this request", and pushing the item away from it moves
    # it away from every request worded alike, including new needs that want it; the label memory
    # already keeps a rejection to requests like the one it was given for (dev: the one run that
    # chose a push lost 0.04 on new needs)
    expand_pull: tuple = (0.0, 0.1, 0.25, 0.5, 1.0)
    expand_push: tuple = (0.0,)
    expand_folds: int = 4

"""What the Model tab's actions share with the live comparison (compare.py): the error a refused
model action raises, and the check that a saved version can be served here. Kept apart so that
model_tab.py can use compare.py without compare.py needing model_tab.py."""
from __future__ import annotations

from .boundary import Refusal
from .context import AppContext


class ModelTabError(Refusal):
    """An impossible model action (bad labels, nothing to roll back, a version that does not fit);
    nothing was changed. The page shows it as gr.Error. A request that is not an admin's gets
    identity.NotAllowed."""


def check_compatible(ctx: AppContext, model) -> None:
    """ModelTabError unless this app can serve `model` (it was trained with the served encoder)."""
    problem = ctx.incompatible(model)
    if problem:
        raise ModelTabError(problem)

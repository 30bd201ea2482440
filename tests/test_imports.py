"""The label store's modules import one another in one direction only: no cycle, counting imports
inside functions and under TYPE_CHECKING too (store.py starts sync.py; sync.py names no store)."""
from __future__ import annotations

import ast
from pathlib import Path

LABELS = Path(__file__).resolve().parent.parent / "mmcrec" / "labels"


def imported_siblings(path: Path) -> set[str]:
    """The modules of mmcrec/labels that ``path`` imports anywhere (``from .x import ...``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {a.name for a in node.names}
    return found


def test_the_label_modules_import_no_cycle():
    graph = {p.stem: imported_siblings(p) - {p.stem} for p in LABELS.glob("*.py") if p.stem != "__init__"}
    assert "store" not in graph["sync"]

    def cycle_from(module: str, path: tuple[str, ...]) -> tuple[str, ...] | None:
        for dep in sorted(graph.get(module, ())):
            if dep in path:
                return path[path.index(dep):] + (dep,)
            found = cycle_from(dep, path + (dep,))
            if found:
                return found
        return None

    for module in graph:
        assert cycle_from(module, (module,)) is None, " -> ".join(cycle_from(module, (module,)))

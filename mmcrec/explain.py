"""Plotly charts that explain one recommendation, worded for people who never saw the formula."""
from __future__ import annotations

import plotly.graph_objects as go

from .recommendation import Recommendation

CAVEAT = "Attention shows what the model weighed; it is an indication, not a proof."
COLORS = {"m_r": "#2a6fdb", "m_c": "#f0a202", "labels": "#d1495b", "image": "#7b4fd6", "text": "#2bb39a", "turn": "#4a5568"}


# A slim white template: plotly's "plotly_white" is deep-copied and validated on every figure,
# which costs more than drawing it; this plain one costs next to nothing.
TEMPLATE = {
    "layout": {
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "font": {"color": "#2a3f5f"},
        "xaxis": {"gridcolor": "#EBF0F8", "zerolinecolor": "#EBF0F8", "linecolor": "#EBF0F8", "automargin": True},
        "yaxis": {"gridcolor": "#EBF0F8", "zerolinecolor": "#EBF0F8", "linecolor": "#EBF0F8", "automargin": True},
        "hoverlabel": {"align": "left"},
    }
}


def _short(s: str, n: int = 28) -> str:
    """Shortened, and with < > & as entities: plotly reads a few HTML tags in labels, so a
    catalog title never becomes markup (plotly shows the entities as the characters)."""
    s = " ".join(str(s).split())
    s = s if len(s) <= n else s[: n - 1] + "…"
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _bar(**kw) -> dict:
    kw["type"] = "bar"
    if "marker_color" in kw:
        kw["marker"] = {"color": kw.pop("marker_color")}
    return kw


def _figure(data: list[dict], title: str, height: int, xaxis: dict, yaxis: dict, **layout) -> go.Figure:
    """The figure from plain dicts, unvalidated: plotly's property validation would be most of a
    chat turn's time; these dicts are fixed and tested."""
    lay = {
        "template": TEMPLATE,
        "title": {"text": f"{title}<br><sup>{CAVEAT}</sup>", "x": 0.01, "font": {"size": 15}},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 64, "b": 10},
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "font": {"size": 12},
        "xaxis": xaxis,
        "yaxis": yaxis,
        **layout,
    }
    return go.Figure({"data": data, "layout": lay}, _validate=False)


def _item_labels(rec: Recommendation) -> list[str]:
    # numbered so two items with the same title stay apart, top item first when read top-down
    return [f"{i + 1}. {_short(it['title'], 24)}" for i, it in enumerate(rec.items)]


def explain_turns(rec: Recommendation) -> go.Figure:
    labels = [f"Turn {j + 1}: {_short(t, 24)}" for j, t in enumerate(rec.turn_labels)]
    pct = [100 * a for a in rec.turn_attention]
    bar = _bar(x=pct, y=labels, orientation="h", marker_color=COLORS["turn"], text=[f"{p:.0f}%" for p in pct],
               textposition="auto",
               hovertemplate="%{y}<br>carries %{x:.0f}% of the conversation's weight<extra></extra>")
    return _figure([bar], "Which turns drove this result", 140 + 34 * max(1, len(labels)),
                   xaxis={"title": {"text": "share of attention (%)"}, "range": [0, 100]},
                   yaxis={"autorange": "reversed"})


def explain_alpha(rec: Recommendation) -> go.Figure:
    """Each item's score split into α·M_R (catalog match) and (1 − α)·M_C (conversation)."""
    labels = _item_labels(rec)
    a = rec.alpha
    mr = [100 * it["alpha_contribution"]["m_r"] for it in rec.items]
    mc = [100 * it["alpha_contribution"]["m_c"] for it in rec.items]
    hover_r = [
        f"<b>{_short(it['title'], 40)}</b><br>Catalog match (M_R): {x:.2f} of its {x + y:.2f} points"
        f"<br>= α {a:.2f} × how strongly the turns picked this item ({100 * it['m_r']:.2f})"
        + (f"<br>{moved}" if (moved := moved_words(it)) else "")
        for it, x, y in zip(rec.items, mr, mc)
    ]
    hover_c = [
        f"<b>{_short(it['title'], 40)}</b><br>Whole conversation (M_C): {y:.2f} of its {x + y:.2f} points"
        f"<br>= (1 − α) {1 - a:.2f} × how well it fits everything said so far ({100 * it['m_c']:.2f})"
        for it, x, y in zip(rec.items, mr, mc)
    ]
    data = [
        _bar(name=f"catalog match · α = {a:.2f}", y=labels, x=mr, orientation="h", marker_color=COLORS["m_r"],
             hovertext=hover_r, hoverinfo="text"),
        _bar(name=f"conversation · 1 − α = {1 - a:.2f}", y=labels, x=mc, orientation="h",
             marker_color=COLORS["m_c"], hovertext=hover_c, hoverinfo="text"),
    ]
    lab = [100 * it.get("from_labels", 0.0) for it in rec.items]
    if any(x != 0 for x in lab):  # the label memory moved some item: its part, up or down
        data.append(_bar(name="from labels", y=labels, x=lab, orientation="h", marker_color=COLORS["labels"],
                         hovertext=[f"<b>{_short(it['title'], 40)}</b><br>{_short(labels_reason(it) or 'made room for items that labels lifted', 90)}"
                                    f"<br>{x:+.2f} points" for it, x in zip(rec.items, lab)], hoverinfo="text"))
    return _figure(data, "Why each item ranks where it does", 150 + 30 * max(1, len(labels)),
                   xaxis={"title": {"text": "score (the model's points: 100 shared by all items; labels add or take away)"}},
                   yaxis={"autorange": "reversed"}, barmode="relative")


def moved_words(item: dict) -> str:
    """What of the dialogue moved an item, in a line: the kind read (and its grain), the colour,
    the budget, the picture ("runner, within shoes, 88% sure · red: yes · $8.99 over budget ·
    picture 35%")."""
    m = item.get("moved_by") or {}
    parts = []
    k = m.get("kind")
    if k:
        within = f", within {k['within'].removeprefix('category: ')}" if k.get("within") else ""
        parts.append(f"read as {k['kind'].removeprefix('category: ')}{within}, {k['confidence']:.0%} sure")
    if m.get("colour") is not None:
        parts.append("the colour asked for" if m["colour"] else "not the colour asked for")
    if m.get("budget") is not None:
        parts.append(f"${m['budget']:.2f} over budget" if m["budget"] > 0 else "within budget")
    if m.get("picture") is not None:
        parts.append(f"picture {m['picture']:.0%} of the match")
    return " · ".join(parts)


def labels_reason(item: dict, language: str = "en") -> str:
    """Why the label memory moved an item, in words of `language` ("" when no recalled request judged
    it: its share only made room for the lifted ones): "liked by 3 shoppers with a similar request
    (“marathon trainers under $100”, 91% alike)"."""
    from .lang import pack

    ev = item.get("labels")
    if not ev or not item.get("from_labels"):
        return ""
    say = pack(language).REPLY
    parts = []
    for n, key in ((ev.get("liked_by", 0), "liked"), (ev.get("disliked_by", 0), "disliked")):
        if n:
            parts.append(say[key].format(n=n, s="s" * (n != 1)))
    said = " → ".join(t for t in ev.get("request") or [] if t.strip()) or say["a_photo"]
    if ev.get("with_photo") and (ev.get("request") or []):
        said = f"[photo] {said}"
    return (say["and"].join(parts) or "rated") + say["similar"].format(said=said[:60], p=f"{100 * ev['similarity']:.0f}%")


def explain_modality(rec: Recommendation) -> go.Figure:
    labels = ["Your request"] + _item_labels(rec)
    img = [100 * rec.modality_weights["image"]] + [100 * it["modality"]["image"] for it in rec.items]
    txt = [100 - x for x in img]
    data = [
        _bar(name="picture", y=labels, x=img, orientation="h", marker_color=COLORS["image"],
             hovertemplate="%{y}<br>%{x:.0f}% from the picture<extra></extra>"),
        _bar(name="words", y=labels, x=txt, orientation="h", marker_color=COLORS["text"],
             hovertemplate="%{y}<br>%{x:.0f}% from the words<extra></extra>"),
    ]
    return _figure(data, "Picture or words? (request: what you gave; items: what matched)", 170 + 30 * len(labels),
                   xaxis={"title": {"text": "share (%)"}, "range": [0, 100]}, yaxis={"autorange": "reversed"},
                   barmode="stack")


def explain_items(rec: Recommendation) -> go.Figure:
    labels = _item_labels(rec)
    pct = [100 * a for a in rec.item_attention]
    last = rec.turn_labels[-1] if rec.turn_labels else ""
    bar = _bar(x=labels, y=pct, marker_color=COLORS["m_r"],
               hovertemplate="%{x}<br>%{y:.1f}% of the last turn's attention among these items<extra></extra>")
    return _figure([bar], f"What the last turn looked at: “{_short(last, 30)}”", 340,
                   xaxis={"tickangle": -30}, yaxis={"title": {"text": "attention (%)"}})


def explain_all(rec: Recommendation) -> dict[str, go.Figure]:
    return {
        "turns": explain_turns(rec),
        "alpha": explain_alpha(rec),
        "modality": explain_modality(rec),
        "items": explain_items(rec),
    }

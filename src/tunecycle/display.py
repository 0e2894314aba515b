"""HTML summaries for notebooks: what ``Study._repr_html_`` and ``TuneResult._repr_html_`` show.

Pure functions from records to an HTML string: the study's name, direction and storage (a
password in the URL is replaced by ``***``), its trials counted by state, the best trial, and a
small history chart drawn as inline SVG by hand (each complete trial's value as a dot, the best
so far as a line), so that ``import tunecycle`` loads no plotting library.  Every piece of user
text (study names, parameter names and values, metric names) is escaped.  This module reads no
storage: the study hands it the records.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tunecycle.records import Direction, FrozenTrial, TrialPoint, TrialState

#: at most this many points are drawn; a longer history is thinned evenly (best-so-far kept)
MAX_CHART_POINTS = 400
_W, _H, _PAD = 360, 120, 6
_STYLE = "font-family:sans-serif;font-size:13px;border-collapse:collapse"


def hide_password(url: str) -> str:
    """``scheme://user:***@host/db`` for ``scheme://user:secret@host/db``; other URLs as given."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def study_html(name: str, directions: Sequence[Direction], storage_url: str,
               points: Sequence[TrialPoint], best: FrozenTrial | None,
               front: int | None = None) -> str:
    """The notebook summary of a study from its trial points and its best trial (or None);
    a study of several objectives gives the size of its Pareto front (``front``) and no chart."""
    counts = {s: 0 for s in TrialState}
    for p in points:
        counts[p.state] += 1
    shown = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n) or "none yet"
    rows = [
        ("study", _esc(name)),
        ("direction" if len(directions) == 1 else "directions",
         _esc(", ".join(d.value for d in directions))),
        ("storage", f"<code>{_esc(hide_password(storage_url))}</code>"),
        ("trials", f"{len(points)} ({_esc(shown)})"),
    ]
    if best is not None:
        rows.append(("best trial", f"#{best.number}: {_esc(_number(best.value))}"))
        rows.append(("best params", _params_html(best.params)))
    if front is not None:
        rows.append(("Pareto front", f"{front} trial{'s' if front != 1 else ''}"))
    chart = history_svg(points, directions[0]) if len(directions) == 1 else ""
    return (f'<div class="tunecycle-study"><table style="{_STYLE}">{_rows_html(rows)}</table>'
            f"{chart}</div>")


def metrics_html(title: str, columns: Mapping[str, Mapping[str, float]]) -> str:
    """A table of metrics: one row per metric name, one column per entry of ``columns``."""
    names: list[str] = []
    for scores in columns.values():
        names.extend(n for n in scores if n not in names)
    head = "".join(f"<th>{_esc(c)}</th>" for c in columns)
    body = "".join(
        f"<tr><th style='text-align:left'>{_esc(n)}</th>"
        + "".join(f"<td>{_esc(_number(s.get(n)))}</td>" for s in columns.values())
        + "</tr>"
        for n in names
    )
    return (f'<table style="{_STYLE}"><caption style="text-align:left">{_esc(title)}</caption>'
            f"<tr><th></th>{head}</tr>{body}</table>")


def history_svg(points: Sequence[TrialPoint], direction: Direction) -> str:
    """Values of complete trials (dots) and the best so far (a line), or "" with none."""
    done = [(p.number, p.value) for p in points
            if p.state is TrialState.COMPLETE and p.value is not None and math.isfinite(p.value)]
    if not done:
        return ""
    best: list[tuple[int, float]] = []
    for number, value in done:
        if not best or direction.better(value, best[-1][1]):
            best.append((number, value))
        else:
            best.append((number, best[-1][1]))
    step = max(1, math.ceil(len(done) / MAX_CHART_POINTS))
    done, best = done[::step], best[::step]
    x_lo, x_hi = done[0][0], done[-1][0]
    values = [v for _, v in done]
    y_lo, y_hi = min(values), max(values)

    def xy(number: int, value: float) -> tuple[str, str]:
        x = _PAD + (number - x_lo) / ((x_hi - x_lo) or 1) * (_W - 2 * _PAD)
        y = _H - _PAD - (value - y_lo) / ((y_hi - y_lo) or 1) * (_H - 2 * _PAD)
        return f"{x:.1f}", f"{y:.1f}"

    dots = "".join(f'<circle cx="{x}" cy="{y}" r="2"/>' for x, y in (xy(n, v) for n, v in done))
    line = " ".join(",".join(xy(n, v)) for n, v in best)
    label = f"trials {x_lo}-{x_hi}; values {_number(y_lo)} to {_number(y_hi)}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" role="img" aria-label="{_esc(label)}" '
        f'style="border:1px solid #ccc;margin-top:4px">'
        f"<title>{_esc(label)}</title>"
        f'<g fill="#1f77b4" fill-opacity="0.6">{dots}</g>'
        f'<polyline points="{line}" fill="none" stroke="#d62728" stroke-width="1.5"/></svg>'
        f'<div style="font-family:sans-serif;font-size:11px;color:#555">value of each complete '
        f"trial (dots) and the best so far (line): {_esc(label)}</div>"
    )


def _rows_html(rows: Sequence[tuple[str, str]]) -> str:
    return "".join(
        f"<tr><th style='text-align:left;padding-right:1em;vertical-align:top'>{k}</th>"
        f"<td style='text-align:left'>{v}</td></tr>" for k, v in rows
    )


def _params_html(params: Mapping[str, Any]) -> str:
    if not params:
        return "(none)"
    return "<br>".join(f"<code>{_esc(k)}</code> = {_esc(_number(v))}" for k, v in params.items())


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value) if isinstance(value, str) else repr(value)


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)

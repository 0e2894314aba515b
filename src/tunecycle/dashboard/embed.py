"""The dashboard's views inside the HTML report: one self-contained file, no server.

``study_document`` gathers what the page reads from the API (the summary, the dataset of every
trial, the front and hypervolume of a study of several objectives, the importances, and for a
study of up to ``FULL_TRIALS`` trials each trial's own page) from a ``Study``.
``interactive_section`` wraps the page's markup, its stylesheet and script, the vendored uPlot
and that document in an ``<iframe srcdoc>``: the page's script finds the document in a
``<script type="application/json">`` block and reads it instead of the API, and the frame keeps
the dashboard's styles and the report's apart.  ``write_interactive_report`` writes
``tunecycle.viz.report``'s report (its tables and static images stay, for printing) with that
section added before the end; ``tunecycle report --interactive`` calls it.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from tunecycle.dashboard.dataset import DatasetCache, build_doc
from tunecycle.dashboard.views import PointsCache, summary_doc, trial_doc
from tunecycle.errors import UserError

STATIC = Path(__file__).resolve().parent / "static"
#: studies up to this size carry every trial's own page (all steps, user attributes)
FULL_TRIALS = 1000
_START, _END = "<!-- study-view", "<!-- /study-view -->"


def study_document(study: Any, *, importance: bool = True) -> dict[str, Any]:
    """What the page needs to show ``study`` without a server."""
    store, name = study.storage, study.name
    info = store.get_study(name)
    trials = store.get_trials(info.study_id)
    summary = summary_doc(store.get_study_summary(info.study_id))
    doc: dict[str, Any] = {"summary": summary, "dataset": build_doc(info, trials)}
    if len(info.directions) > 1:
        doc["pareto"] = PointsCache().pareto(store, name)
    if importance:
        cache = DatasetCache()
        doc["importance"] = [cache.importance(store, name, {"objective": [str(k)]})
                             for k in range(len(info.directions))]
    if len(trials) <= FULL_TRIALS:
        doc["trials"] = {str(t.number): _trial_page(t) for t in trials}
    return doc


def _trial_page(t: Any) -> dict[str, Any]:
    page = trial_doc(t)
    page["distributions"] = {p: d.to_dict() for p, d in t.distributions.items()}
    page["retried_by"] = []
    return page


def _asset(name: str) -> str:
    text = (STATIC / name).read_text(encoding="utf-8")
    if "</script" in text.lower() or "</style" in text.lower():
        raise UserError(f"{name}: cannot be inlined (it holds a closing tag)")
    return text


def page_html(doc: dict[str, Any]) -> str:
    """The dashboard's page for one study with ``doc`` inside: a complete HTML document."""
    index = (STATIC / "index.html").read_text(encoding="utf-8")
    markup = index[index.index(_START):index.index(_END) + len(_END)]
    data = json.dumps(doc, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<style>{_asset('vendor/uPlot.min.css')}\n{_asset('dashboard.css')}</style>"
        f"<script>{_asset('vendor/uPlot.iife.min.js')}</script>"
        f"<script type=\"application/json\" id=\"tunecycle-data\">{data}</script>"
        f"<script>{_asset('dashboard.js')}</script>"
        "</head><body class=\"embedded\"><main>"
        f"{markup}</main><div id=\"tooltip\" class=\"tooltip\" hidden></div></body></html>"
    )


def interactive_section(study: Any, *, height: int = 1600) -> str:
    """A report section: the dashboard's views of ``study`` in a frame of its own."""
    page = page_html(study_document(study))
    return (
        "<section class=\"interactive\"><h2>Interactive views</h2>"
        "<p class=\"muted\">The live dashboard's views of this study (hover, zoom, brushing, "
        "each trial's page), drawn in the browser from the data below; the static pictures "
        "above are for printing.</p>"
        f"<iframe title=\"interactive views\" srcdoc=\"{html.escape(page, quote=True)}\" "
        f"style=\"width:100%;height:{int(height)}px;border:1px solid #d9dde6\"></iframe>"
        "</section>"
    )


def write_interactive_report(study: Any, path: str | Path, *, top: int = 10) -> Path:
    """``tunecycle.viz.report.write_report`` with the interactive section added before the
    page's end; a half-written file never stands under that name."""
    from tunecycle.viz.report import build_report

    out = Path(path)
    if out.suffix.lower() not in (".html", ".htm"):
        raise UserError(f"output: {str(out)!r} must end in .html")
    if not out.parent.exists():
        raise UserError(f"output: the directory {str(out.parent)!r} does not exist")
    page = build_report(study, top=top)
    at = page.rfind("</body>")
    page = page[:at] + interactive_section(study) + "\n" + page[at:]
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return out

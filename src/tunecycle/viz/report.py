"""One self-contained HTML page about a study: ``write_report(study, "report.html")``.

The page holds the study's summary (direction, sampler, pruner, trials by state, infeasible
trials where there are constraints, time span), the best configuration (of the feasible
trials), the final test metrics and confusion matrix that the tuning cycle
stores in the study's user attributes (``test_metrics``, ``best_family``, ``confusion_matrix``,
``ensemble_test_metrics``, ``ensemble``), a leaderboard, parameter importances, failed trials'
reasons and every plot of :mod:`tunecycle.viz.plots`.  A study of several objectives gets its
directions, the Pareto front as the leaderboard (values per objective and params), the
hypervolume, importances per objective, and the front, hypervolume and per-objective history
plots instead.  It opens offline: the CSS is inline,
the plots are PNG images inside the page (``data:`` URIs), there is no script and no link to
anything outside the file.  Every text that comes from the study is HTML-escaped.

Read-only: the report reads the study's trials and attributes and writes nothing to storage.
"""

from __future__ import annotations

import html
import logging
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunecycle.errors import UserError
from tunecycle.records import FrozenTrial, TrialState, best_of
from tunecycle.viz import data as vd
from tunecycle.viz import plots

if TYPE_CHECKING:
    from tunecycle.viz.importance import Importance

log = logging.getLogger("tunecycle.viz.report")

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1200px;
color:#222;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;border-bottom:1px solid #ddd;
padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f4f6f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#666}.plot{margin:1em 0}.plot img{max-width:100%;height:auto}
code{background:#f4f6f8;padding:0 .2em}
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _num(v: Any, digits: int = 6) -> str:
    if isinstance(v, float):
        return f"{v:.{digits}g}" if math.isfinite(v) else str(v)
    return _e(v)


def redact_url(url: str) -> str:
    """A storage URL without its password."""
    return re.sub(r"(//[^:/@]+):[^@/]*@", r"\1:***@", url)


def _table(head: Sequence[str] | None, rows: Sequence[Sequence[Any]],
           numeric: Sequence[int] = (), cls: str = "") -> str:
    out = ["<table" + (f' class="{cls}"' if cls else "") + ">"]
    if head:
        out += ["<thead><tr>", *(f"<th>{_e(h)}</th>" for h in head), "</tr></thead>"]
    out.append("<tbody>")
    for row in rows:
        out.append("<tr>" + "".join(
            f"<td class=\"num\">{_num(c)}</td>" if i in numeric else f"<td>{_e(c)}</td>"
            for i, c in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _params_text(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={vd.format_value(v)}" for k, v in params.items())


# -- sections ------------------------------------------------------------------------------------
def _common_rows(study: Any, trials: list[FrozenTrial],
                 system: Mapping[str, Any]) -> list[tuple[str, Any]]:
    counts = vd.state_counts(trials)
    return [
        ("storage", redact_url(getattr(study.storage, "url", "?"))),
        ("sampler", (system.get("sampler") or {}).get("name", "?")),
        ("pruner", (system.get("pruner") or {}).get("name", "none")),
        ("seed", system.get("seed")),
        ("trials", f"{len(trials)} (" + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
         + ")" if trials else "0"),
    ]


def _time_rows(trials: list[FrozenTrial], attrs: Mapping[str, Any]) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    starts = [t.datetime_start for t in trials if t.datetime_start]
    ends = [t.datetime_complete for t in trials if t.datetime_complete]
    if starts:
        span = ((max(ends) if ends else max(starts)) - min(starts)).total_seconds()
        rows.append(("time", f"{min(starts):%Y-%m-%d %H:%M:%S} to "
                             f"{(max(ends) if ends else max(starts)):%Y-%m-%d %H:%M:%S} "
                             f"({span:.1f} s)"))
    if "best_family" in attrs:
        rows.append(("best model family", attrs["best_family"]))
    return rows


def _constrained(trials: list[FrozenTrial]) -> bool:
    return any(t.constraints is not None for t in trials)


def _infeasible_row(done: list[FrozenTrial]) -> tuple[str, Any]:
    n = sum(not t.feasible for t in done)
    return ("infeasible trials", f"{n} of {len(done)} complete (a constraint above 0)")


def _summary(study: Any, trials: list[FrozenTrial], attrs: Mapping[str, Any],
             system: Mapping[str, Any]) -> str:
    rows: list[tuple[str, Any]] = [("study", study.name), ("direction", study.direction.value),
                                   *_common_rows(study, trials, system)]
    done = vd.complete_trials(trials)
    constrained = _constrained(done)
    if constrained:
        rows.append(_infeasible_row(done))
    best = best_of(done, study.direction)
    if best is not None:
        said = " (best of the feasible trials)" if constrained else ""
        rows.append(("best value", f"{best.value:.6g} (trial {best.number}){said}"))
    elif done:
        rows.append(("best value", "none: no complete trial is feasible"))
    rows += _time_rows(trials, attrs)
    return "<h2 id=\"summary\">Summary</h2>" + _table(None, rows)


def _best_config(study: Any, done: list[FrozenTrial]) -> str:
    best = best_of(done, study.direction)
    if best is None:
        why = "no feasible complete trial yet" if done else "no complete trial yet"
        return f"<h2 id=\"best\">Best configuration</h2><p class=\"muted\">{why}</p>"
    rows = list(best.params.items())
    return (f"<h2 id=\"best\">Best configuration</h2><p>trial {best.number}, value "
            f"<b>{best.value:.6g}</b></p>" + _table(["parameter", "value"], rows, numeric=[1]))


def _test_results(attrs: Mapping[str, Any]) -> str:
    scores = attrs.get("test_metrics")
    if not isinstance(scores, Mapping) or not scores:
        return ("<h2 id=\"test\">Test metrics</h2><p class=\"muted\">none stored: the tuning "
                "cycle (<code>tc.tune</code>, <code>tunecycle run</code>) tests the best model "
                "once on its held-out split and stores the metrics with the study</p>")
    ens = attrs.get("ensemble_test_metrics")
    ens = ens if isinstance(ens, Mapping) else None
    kind = attrs.get("ensemble_kind", "ensemble")
    head = ["metric", "best model"] + ([f"{kind} ensemble"] if ens else [])
    rows = [[name, value] + ([ens.get(name, "-")] if ens else []) for name, value in scores.items()]
    out = ("<h2 id=\"test\">Test metrics</h2><p>held-out test split, used once, by the best "
           "configuration refitted on the whole search part</p>"
           + _table(head, rows, numeric=[1, 2]))
    desc = attrs.get("ensemble")
    if ens and isinstance(desc, Mapping):
        members = ", ".join(f"#{m}" for m in desc.get("members", []))
        out += f"<p>{_e(kind)} ensemble of trials {_e(members)}</p>"
    return out


def _confusion_table(attrs: Mapping[str, Any]) -> str:
    c = vd.confusion(attrs)
    if c is None:
        return ""
    head = ["true \\ predicted"] + list(c.labels)
    rows = [[label, *row] for label, row in zip(c.labels, c.matrix)]
    return ("<h2 id=\"confusion\">Confusion matrix</h2>"
            + _table(head, rows, numeric=range(1, len(c.labels) + 1))
            + _figure(lambda: plots.plot_confusion(attrs), "confusion matrix"))


def _leaderboard(study: Any, done: list[FrozenTrial], top: int) -> str:
    """The best trials, feasible ones first (with constraints, a column says which)."""
    constrained = _constrained(done)
    ranked = sorted(done, key=lambda t: (not t.feasible, study.direction.sign() * t.value))
    rows = []
    for rank, t in enumerate(ranked[:top], 1):
        d = t.duration
        rows.append([rank, t.number, t.value, "" if d is None else round(d.total_seconds(), 3),
                     *(["yes" if t.feasible else "no"] if constrained else []),
                     _params_text(t.params)])
    head = ["rank", "trial", "value", "duration (s)", *(["feasible"] if constrained else []),
            "params"]
    body = (_table(head, rows, numeric=[0, 1, 2, 3], cls="leaderboard")
            if rows else "<p class=\"muted\">no complete trial yet</p>")
    return f"<h2 id=\"leaderboard\">Leaderboard (top {top})</h2>" + body


def _fit_importance(trials: list[FrozenTrial]) -> Importance | None:
    """The importances the report shows and its contour plot ranks pairs by (one forest fit
    for both), or None when there are too few complete trials with parameters."""
    done = vd.complete_trials(trials)
    if len(done) < 2 or not vd.param_axes(done):
        return None
    from tunecycle.viz.importance import param_importances

    return param_importances(trials)


def _importance(trials: list[FrozenTrial], imp: Importance | None = None) -> str:
    head = "<h2 id=\"importance\">Parameter importance</h2>"
    if imp is None:
        imp = _fit_importance(trials)
    if imp is None:
        return head + "<p class=\"muted\">needs at least 2 complete trials with parameters</p>"
    rows = [[n, i, s, m] for n, i, s, m in zip(imp.names, imp.importances, imp.variance_share,
                                               imp.main_share)]
    fitted = (f" (the forest learnt from {imp.n_fitted} of the {imp.n_trials} complete trials, "
              "a seeded sample)" if imp.n_fitted < imp.n_trials else "")
    branch = (f"; a branch choice ({_e(', '.join(imp.branch_choices))}) is credited with its "
              "total effect: its main effect plus its interactions with the parameters it "
              "switches on" if imp.branch_choices else "")
    return (head + "<p>functional ANOVA over a random-forest surrogate of the objective: the "
            "share of the variance that each parameter explains alone" + branch + "; the "
            "variance share is unscaled, the main-effect share is the parameter's effect "
            f"alone{fitted}</p>"
            + _table(["parameter", "importance", "variance share", "main-effect share"], rows,
                     numeric=[1, 2, 3])
            + _figure(lambda: plots.plot_importance(trials, importance=imp), "importance"))


def _failures(trials: list[FrozenTrial], limit: int = 10) -> str:
    failed = [t for t in trials if t.state is TrialState.FAILED]
    if not failed:
        return ""
    rows = [[t.number, (t.fail_reason or "")[:300]] for t in failed[-limit:]]
    return (f"<h2 id=\"failed\">Failed trials ({len(failed)})</h2>"
            + (f"<p class=\"muted\">the last {limit}</p>" if len(failed) > limit else "")
            + _table(["trial", "reason"], rows, numeric=[0]))


def _figure(draw: Callable[[], Any], what: str) -> str:
    """A plot as an inline PNG; a plot that fails is reported in its place, not fatal."""
    try:
        fig = draw()
        uri = plots.png_data_uri(fig, dpi=90)
    except Exception as exc:  # one broken plot must not cost the whole report
        log.warning("report: the %s plot failed", what, exc_info=True)
        return f"<p class=\"muted\">the {_e(what)} plot failed: {_e(type(exc).__name__)}: {_e(exc)}</p>"
    return f"<div class=\"plot\"><img alt=\"{_e(what)}\" src=\"{uri}\"></div>"


def _plots(study: Any, trials: list[FrozenTrial], imp: Importance | None = None) -> str:
    parts = ["<h2 id=\"plots\">Plots</h2>"]
    items: list[tuple[str, Callable[[], Any]]] = [
        ("optimisation history", lambda: plots.plot_history(trials, direction=study.direction)),
        ("parallel coordinates", lambda: plots.plot_parallel(trials, direction=study.direction)),
        ("slice", lambda: plots.plot_slice(trials, direction=study.direction)),
        ("contour", lambda: plots.plot_contour(trials, direction=study.direction,
                                               importance=imp)),
        ("intermediate values", lambda: plots.plot_intermediate(trials)),
        ("empirical distribution", lambda: plots.plot_edf(trials, direction=study.direction)),
        ("timeline", lambda: plots.plot_timeline(trials)),
        ("value against duration (Pareto front)",
         lambda: plots.plot_pareto(vd.pareto_from_trials(
             trials, ["value", "duration"], [study.direction, "minimize"]))),
    ]
    for title, draw in items:
        parts.append(f"<h3>{_e(title)}</h3>" + _figure(draw, title))
    return "".join(parts)


# -- several objectives --------------------------------------------------------------------------
def _objectives(study: Any) -> tuple[tuple[Any, ...], tuple[str, ...]]:
    directions = tuple(study.directions)
    return directions, vd.objective_names(getattr(study, "metric_names", None), len(directions))


def _summary_multi(study: Any, trials: list[FrozenTrial], attrs: Mapping[str, Any],
                   system: Mapping[str, Any]) -> str:
    directions, names = _objectives(study)
    front = vd.front(trials, directions, names)
    rows: list[tuple[str, Any]] = [
        ("study", study.name),
        ("objectives", ", ".join(f"{n} ({d.value})" for n, d in zip(names, directions))),
        *_common_rows(study, trials, system),
        ("infeasible trials", f"{front.n_infeasible} of {len(front.numbers)} complete"
         + (" (a constraint above 0)" if front.n_infeasible else "")),
        ("Pareto front", f"{front.n_front} feasible trials that no other one dominates"),
    ]
    hv = vd.hypervolume_history(trials, directions, names)
    if hv.reference is not None:
        point = ", ".join(f"{n}={v:.4g}" for n, v in zip(names, hv.reference))
        rows.append(("hypervolume", f"{hv.hypervolume[-1]:.6g} (reference point {point}: the "
                                    "worst feasible value of each objective + 10% of its range)"))
    rows += _time_rows(trials, attrs)
    return "<h2 id=\"summary\">Summary</h2>" + _table(None, rows)


def _front_board(study: Any, trials: list[FrozenTrial], top: int) -> str:
    """The Pareto front as the leaderboard: values per objective, duration and params, in
    order of the first objective (best first)."""
    directions, names = _objectives(study)
    data = vd.front(trials, directions, names)
    by_number = {t.number: t for t in trials}
    on = [i for i, f in enumerate(data.on_front) if f]
    on.sort(key=lambda i: tuple(d.sign() * v for d, v in zip(directions, data.values[i])))
    rows = []
    for i in on[:top]:
        t = by_number[data.numbers[i]]
        d = t.duration
        rows.append([t.number, *data.values[i],
                     "" if d is None else round(d.total_seconds(), 3), _params_text(t.params)])
    k = len(names)
    head = ["trial", *(f"{n} ({d.value})" for n, d in zip(names, directions)), "duration (s)",
            "params"]
    shown = f" ({top} of {len(on)} shown)" if len(on) > top else ""
    body = (_table(head, rows, numeric=range(k + 2), cls="leaderboard")
            if rows else "<p class=\"muted\">no feasible complete trial yet</p>")
    return (f"<h2 id=\"leaderboard\">Pareto front: {len(on)} trials{shown}</h2>"
            "<p>the feasible complete trials that no other one beats in every objective, "
            f"in order of {_e(names[0])}</p>" + body)


def _importance_multi(study: Any, trials: list[FrozenTrial]) -> str:
    directions, names = _objectives(study)
    head = "<h2 id=\"importance\">Parameter importance</h2>"
    done = vd.complete_with_values(trials, len(directions))
    if len(done) < 2 or not vd.param_axes(done):
        return head + "<p class=\"muted\">needs at least 2 complete trials with parameters</p>"
    from tunecycle.viz.importance import param_importances

    per = [param_importances(vd.project(done, i)).as_dict() for i in range(len(names))]
    params = sorted(per[0], key=lambda n: -sum(p.get(n, 0.0) for p in per))
    rows = [[n, *(p.get(n, 0.0) for p in per)] for n in params]
    return (head + "<p>functional ANOVA over a random-forest surrogate of each objective "
            "(the share of its variance that each parameter explains alone)</p>"
            + _table(["parameter", *names], rows, numeric=range(1, len(names) + 1)))


def _plots_multi(study: Any, trials: list[FrozenTrial]) -> str:
    directions, names = _objectives(study)
    parts = ["<h2 id=\"plots\">Plots</h2>"]
    items: list[tuple[str, Callable[[], Any]]] = [
        ("Pareto front", lambda: plots.plot_front(trials, directions=directions, names=names)),
        ("hypervolume", lambda: plots.plot_hypervolume(trials, directions=directions,
                                                       names=names)),
        ("history of each objective",
         lambda: plots.plot_objectives(trials, directions=directions, names=names)),
        ("intermediate values", lambda: plots.plot_intermediate(trials)),
        ("timeline", lambda: plots.plot_timeline(trials)),
    ]
    for title, draw in items:
        parts.append(f"<h3>{_e(title)}</h3>" + _figure(draw, title))
    return "".join(parts)


# -- the page ------------------------------------------------------------------------------------
def build_report(study: Any, *, top: int = 10, title: str | None = None) -> str:
    """The report of ``study`` (a :class:`~tunecycle.study.Study`) as one HTML string."""
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise UserError(f"top: must be a positive integer, got {top!r}")
    trials = list(study.trials)
    attrs = dict(study.user_attrs)
    system = dict(study.system_attrs)
    done = vd.complete_trials(trials)
    name = title or f"tunecycle report: {study.name}"
    head = [f"<h1>{_e(name)}</h1>",
            f"<p class=\"muted\">generated {datetime.now():%Y-%m-%d %H:%M:%S} by tunecycle</p>"]
    if len(getattr(study, "directions", ())) > 1:
        body = [*head, _summary_multi(study, trials, attrs, system),
                _front_board(study, trials, top), _test_results(attrs), _confusion_table(attrs),
                _importance_multi(study, trials), _plots_multi(study, trials),
                _failures(trials)]
    else:
        imp = _fit_importance(trials)
        body = [*head, _summary(study, trials, attrs, system), _best_config(study, done),
                _test_results(attrs), _confusion_table(attrs), _leaderboard(study, done, top),
                _importance(trials, imp), _plots(study, trials, imp), _failures(trials)]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width\"><title>{_e(name)}</title>"
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(b for b in body if b)
            + "\n</body></html>\n")


def write_report(study: Any, path: str | Path, *, top: int = 10) -> Path:
    """Write the report to ``path`` (an ``.html`` file); a half-written file never stands
    under that name."""
    out = Path(path)
    if out.suffix.lower() not in (".html", ".htm"):
        raise UserError(f"output: {str(out)!r} must end in .html")
    if not out.parent.exists():
        raise UserError(f"output: the directory {str(out.parent)!r} does not exist")
    page = build_report(study, top=top)
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return out

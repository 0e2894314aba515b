"""The HTML report: one file that opens offline (no URL, no script, images inline), with the
summary, leaderboard, best configuration, test metrics and confusion matrix of a real cycle."""

from __future__ import annotations

import base64
import html
import re

import pytest

import tunecycle as tc
from tunecycle.viz.report import build_report, redact_url, write_report

pytest.importorskip("matplotlib")  # the viz extra (`make test` installs it)
pytest.importorskip("sklearn")

#: anywhere in the page: absolute URLs, CSS imports and url()
ANYWHERE = [r"https?:", r"ftp:", r"@import", r"url\("]
#: inside a tag: src/href/action/poster that are not inline data or in-page anchors
#: (protocol-relative ``//host`` included), scripts, frames, embeds, stylesheets
IN_TAGS = [r"""\b(src|href|action|poster)\s*=\s*(?!["']?(?:data:|#))""", r"^<script",
           r"^<iframe", r"^<embed", r"^<object", r"^<link"]


def fetches(page: str) -> list[str]:
    """What in ``page`` a browser would fetch from elsewhere or run."""
    found = [m.group(0) for pat in ANYWHERE for m in re.finditer(pat, page, re.IGNORECASE)]
    for tag in re.findall(r"<[^>]+>", page):
        found += [tag[:60] for pat in IN_TAGS if re.search(pat, tag, re.IGNORECASE)]
    return found


@pytest.fixture(scope="module")
def cycle_study(tmp_path_factory):
    """A real tuning cycle on iris: test metrics, confusion matrix and an ensemble stored."""
    pytest.importorskip("sklearn")
    from tunecycle.cycle.runner import tune
    from tunecycle.cycle.splits import Validation

    url = f"sqlite:///{tmp_path_factory.mktemp('report')}/cycle.db"
    result = tune("sklearn:iris", model=["knn", "logistic"], n_trials=6, storage=url,
                  study_name="iris-report", validation=Validation("holdout", ratio=0.3),
                  ensemble="voting", ensemble_size=3, seed=0)
    return result.study


def test_the_check_finds_what_a_browser_would_fetch():
    bad = ['<img src="https://x.org/a.png">', "<img src='//cdn.x/a.png'>", '<a href="a.html">',
           "<style>@import 'x.css'</style>", "<div style='background:url(a.png)'>",
           "<script>1</script>", '<link rel="stylesheet" href="s.css">']
    for page in bad:
        assert fetches(page), page
    assert not fetches('<img src="data:image/png;base64,AAAA"><a href="#top">top</a>')


def test_report_of_a_cycle_is_self_contained_and_complete(cycle_study, tmp_path):
    out = write_report(cycle_study, tmp_path / "report.html")
    page = out.read_text(encoding="utf-8")
    assert fetches(page) == []
    images = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,([^"]+)"', page)
    assert len(images) >= 10
    for _, b64 in images:
        assert base64.b64decode(b64)[:8] == b"\x89PNG\r\n\x1a\n"
    alts = {alt for alt, _ in images}
    assert {"optimisation history", "parallel coordinates", "slice", "contour", "timeline",
            "empirical distribution", "importance", "confusion matrix",
            "value against duration (Pareto front)"} <= alts

    attrs = cycle_study.user_attrs
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    # the leaderboard: one row per complete trial (6 < top 10), best first
    board = page.split('class="leaderboard"')[1].split("</table>")[0]
    done = cycle_study.get_trials(states=["complete"])
    assert board.count("<tr>") == 1 + len(done)
    best = cycle_study.best_trial
    first_row = board.split("<tbody>")[1].split("</tr>")[0]
    assert f">{best.number}<" in first_row
    # test metrics of the best model and of the ensemble, the family, the confusion matrix
    for name, value in attrs["test_metrics"].items():
        assert re.search(rf"{name}\s+{value:.6g}\s+{attrs['ensemble_test_metrics'][name]:.6g}",
                         text), name
    assert f"best model family {attrs['best_family']}" in " ".join(text.split())
    matrix = attrs["confusion_matrix"]["matrix"]
    assert all(f">{n}<" in page for row in matrix for n in row)
    assert "voting ensemble of trials" in text
    for name in best.params:
        assert name in text


def test_report_escapes_what_the_study_holds(tmp_path):
    study = tc.create_study(name="<b>bold</b>", sampler="random", seed=0)

    def objective(trial):
        x = trial.suggest_categorical("x", ["<script>alert(1)</script>", "plain"])
        if x == "plain":
            raise RuntimeError("<img src=x onerror=alert(1)>")
        return 1.0

    study.optimize(objective, n_trials=6)
    page = build_report(study)
    assert "<script>" not in page and "<img src=x" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Failed trials" in page
    assert fetches(page) == []


def test_report_of_an_empty_study_says_so(empty_study, tmp_path):
    page = write_report(empty_study, tmp_path / "r.html").read_text()
    assert "no complete trial yet" in page and "none stored" in page
    assert fetches(page) == []


def test_report_refuses_a_bad_path_and_hides_passwords(empty_study, tmp_path):
    with pytest.raises(tc.UserError, match="must end in .html"):
        write_report(empty_study, tmp_path / "r.txt")
    with pytest.raises(tc.UserError, match="does not exist"):
        write_report(empty_study, tmp_path / "nowhere" / "r.html")
    assert not list(tmp_path.iterdir())
    assert redact_url("postgresql+psycopg://bob:s3cret@db:5432/x") == \
        "postgresql+psycopg://bob:***@db:5432/x"
    assert redact_url("sqlite:///a.db") == "sqlite:///a.db"


PLOT_TITLES = ["optimisation history", "parallel coordinates", "slice", "contour",
               "intermediate values", "empirical distribution", "timeline",
               "value against duration (Pareto front)"]


def test_report_of_a_conditional_study_keeps_its_sections_in_one_file(conditional_study,
                                                                      tmp_path):
    from tunecycle.viz.importance import param_importances

    page = write_report(conditional_study, tmp_path / "r.html").read_text(encoding="utf-8")
    assert list(tmp_path.iterdir()) == [tmp_path / "r.html"]  # one file, nothing beside it
    assert fetches(page) == []
    assert re.findall(r'<h2 id="([^"]+)"', page) == ["summary", "best", "test", "leaderboard",
                                                      "importance", "plots"]
    assert re.findall(r"<h3>([^<]+)</h3>", page) == PLOT_TITLES
    alts = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,', page)
    assert alts == ["importance", *PLOT_TITLES]
    # the importances shown are the study's (one fit, the contour ranks its pairs by it), the
    # family choice credited with its total effect and its main effect shown beside it
    imp = param_importances(conditional_study.trials)
    table = page.split('<h2 id="importance">')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">([^<]+)</td>"
                      r"<td class=\"num\">([^<]+)</td><td class=\"num\">([^<]+)</td></tr>", table)
    assert [r[0] for r in rows] == list(imp.names)
    assert [float(r[1]) for r in rows] == pytest.approx(imp.importances, rel=1e-5)
    assert [float(r[3]) for r in rows] == pytest.approx(imp.main_share, rel=1e-5, abs=1e-12)
    assert "branch choice (model)" in html.unescape(table)

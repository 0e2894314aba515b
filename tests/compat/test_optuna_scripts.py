"""Optuna's own example and tutorial scripts run on tunecycle with only the import changed.

The scripts live in ``tests/compat/optuna_scripts/`` (``ex_*`` from optuna-examples, ``tut_*``
from Optuna's ``tutorial/``), each with a header naming its source, commit and licence and the
only edits made: bundled data in place of downloads, fewer trials/epochs so that the folder runs
in about a minute and a half.  Nothing in them is edited for tunecycle: each test swaps the
imports at run time (``import optuna`` -> ``import tunecycle as optuna``, ``from optuna.x`` ->
``from tunecycle.x``, ``optuna_integration`` -> ``tunecycle.integration``), the way a user
would, and runs the script in a subprocess in a fresh directory.

How "does what it did under Optuna" is checked
-----------------------------------------------
``optuna_scripts/record.py`` ran every script unchanged under real Optuna 5 and stored, in
``optuna_scripts/expectations.json``, what it printed and what ``optuna_scripts/_runner.py``
saw: every study the script made (the runner wraps ``create_study``/``load_study``, so a study
the script replaces is still counted), summed up from its trials -- trials by state, the best
value, the Pareto-front size, the first trials' parameters, user attributes, the number of
reported intermediate values -- plus the plotly figures shown (``fig.show()`` goes to a renderer
that notes the figure; ``MPLBACKEND=Agg`` for matplotlib) and the files left behind.  Reading
the trials rather than parsing each script's prints keeps one summary for every script and
both packages.

Each script's ``SPECS`` entry then says which of these must match and how, because the two
packages' samplers differ, so a best value or a prune count is only sometimes reproducible:

* always: exit status 0, the same number of studies with the same directions, the same number
  of figures shown (each with data) and every file Optuna's run left (database, journal, ...);
* ``SAME``: equal, for what the script fixes (trial counts, enqueued/added parameters, a
  callback that stops the study, states forced by the objective, user attributes);
* ``SOME``: zero under both or above zero under both -- e.g. "some trials were pruned", where
  the pruning rule applies but which trials it hits depends on the sampler;
* ``at_least``/``at_most``/``between``: a bound that both packages must meet, e.g. an accuracy
  at least 0.9 on iris, or a timeout-bounded trial count;
* ``printed``: a regular expression over the script's output: with a group, the first number it
  captures follows the rule; without, the number of matching lines does.

Setting ``OPTUNA_SCRIPTS_BACKEND=optuna`` runs the same checks against real Optuna (the scripts
unchanged), which is how the rules were checked not to be flaky; the four scripts that need
``optuna_integration`` or ``cmaes`` then need ``OPTUNA_SCRIPTS_EXTRA_PATH`` (see ``record.py``).

Known gaps
----------
``KNOWN_GAPS`` lists the scripts that do not yet run or behave differently, each with the first
missing name or behaviour.  Their tests are strict xfails: the suite stays green while they
fail, and a script that starts to pass fails its test until its entry is removed, so progress
cannot go unnoticed.  The scripts run two at a time (``OPTUNA_SCRIPTS_WORKERS``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.compat.optuna_scripts._runner import FOLDER, Run, launch, script_names

BACKEND = os.environ.get("OPTUNA_SCRIPTS_BACKEND", "tunecycle")
EXTRA_PATH = os.environ.get("OPTUNA_SCRIPTS_EXTRA_PATH")
WORKERS = int(os.environ.get("OPTUNA_SCRIPTS_WORKERS", min(2, os.cpu_count() or 1)))
TIMEOUT_S = 180.0
EXPECTED: dict[str, Any] = json.loads((FOLDER / "expectations.json").read_text())
# the scripts that Optuna itself runs only with these installed (not in tunecycle's dev extra)
NEEDS_EXTRAS = {
    "ex_sklearn_optuna_search_cv_simple": "optuna_integration",
    "ex_xgboost_integration": "optuna_integration",
    "ex_lightgbm_integration": "optuna_integration",
    "ex_samplers_warm_starting_cma": "cmaes",
    "tut_20_009_ask_and_tell": "cmaes",
}


# --- rules: each compares tunecycle's number (ours) with Optuna's (theirs) -------------------


@dataclass(frozen=True)
class Rule:
    text: str
    ok: Callable[[Any, Any], bool]

    def __call__(self, ours: Any, theirs: Any) -> bool:
        try:
            return bool(self.ok(ours, theirs))
        except TypeError:  # a value is missing on one side
            return False


SAME = Rule("the same as under Optuna", lambda ours, theirs: ours == theirs)
FIRST_SAME = Rule("the first the same as under Optuna (an enqueued trial)",
                  lambda ours, theirs: ours[:1] == theirs[:1])
SOME = Rule("above 0 exactly when Optuna's is", lambda ours, theirs: (ours > 0) == (theirs > 0))


def at_least(bound: float) -> Rule:
    return Rule(f">= {bound}", lambda ours, theirs: ours >= bound)


def at_most(bound: float) -> Rule:
    return Rule(f"<= {bound}", lambda ours, theirs: ours <= bound)


def between(low: float, high: float) -> Rule:
    return Rule(f"in [{low}, {high}]", lambda ours, theirs: low <= ours <= high)


@dataclass(frozen=True)
class Spec:
    """What "the same behaviour" means for one script (see the module docstring)."""

    shows: str  # what the script demonstrates
    studies: dict[int | str, dict[str, Rule]] = field(default_factory=dict)  # "*": each study
    printed: dict[str, Rule] = field(default_factory=dict)


def every(**rules: Rule) -> dict[int | str, dict[str, Rule]]:
    return {"*": rules}


SPECS: dict[str, Spec] = {
    "ex_basic_quadratic": Spec(
        "optimize, continue it, then optimize with a timeout",
        every(n_trials=at_least(31), best=at_most(10.0)),
    ),
    "ex_basic_pruning": Spec(
        "Trial.report/should_prune under the default pruner (Optuna's: median rule)",
        every(n_trials=SAME, PRUNED=SOME, best=at_least(0.85)),
    ),
    "ex_basic_quadratic_constraint": Spec(
        "TPESampler(constraints_func=) and the constraints kept in trial.system_attrs",
        # timeout=1 s (the script's own) decides how many trials run, and so whether one is
        # feasible: the check is that the script reads every trial's constraints and reaches
        # one of its two answers
        every(n_trials=between(1, 30)),
        printed={r"^(?:Best trial was found at Trial#|No trials satisfied all the constraints)": SAME},
    ),
    "ex_basic_quadratic_multi_objective": Spec(
        "directions=[...], best_trials",
        every(n_trials=between(1, 30), pareto=at_least(1)),
        printed={r"-th Pareto solution was found": SOME},
    ),
    "ex_faq_enqueue_trial": Spec(
        "enqueue_trial: the first trials run the given parameters",
        every(n_trials=SAME, first_params=SAME, best=at_least(0.9)),
    ),
    "ex_faq_max_trials_callback": Spec(
        "MaxTrialsCallback on an SQLite study; trials_dataframe().state",
        every(n_trials=SAME, COMPLETE=SAME),
        printed={r"^Number of completed trials: (\d+)": SAME},
    ),
    "ex_samplers_simulated_annealing_sampler": Spec(
        "a user-written BaseSampler (relative search space, StudyDirection)",
        every(n_trials=SAME, sampler=SAME, best=at_most(50.0)),
    ),
    "ex_samplers_warm_starting_cma": Spec(
        "CmaEsSampler, warm-started from another study's trials (source_trials=)",
        every(n_trials=SAME, sampler=SAME, best=at_most(5.0)),
    ),
    "ex_sklearn_simple": Spec(
        "conditional search space over scikit-learn classifiers",
        every(n_trials=SAME, best=at_least(0.9)),
    ),
    "ex_sklearn_optuna_search_cv_simple": Spec(
        "OptunaSearchCV with Optuna's distributions",
        printed={r"^  Value:\s+([\d.]+)": at_least(0.9)},
    ),
    "ex_xgboost_simple": Spec(
        "XGBoost booster choice and its conditional parameters",
        every(n_trials=SAME, best=at_least(0.9)),
    ),
    "ex_xgboost_integration": Spec(
        "XGBoostPruningCallback with MedianPruner(n_warmup_steps=5)",
        every(n_trials=SAME, n_reports=at_least(15), best=at_least(0.9)),
    ),
    "ex_lightgbm_simple": Spec("LightGBM parameters", every(n_trials=SAME, best=at_least(0.9))),
    "ex_lightgbm_integration": Spec(
        "LightGBMPruningCallback with MedianPruner(n_warmup_steps=10)",
        every(n_trials=SAME, PRUNED=SOME, best=at_least(0.95)),
    ),
    "ex_catboost_simple": Spec("CatBoost parameters", every(n_trials=SAME, best=at_least(0.85))),
    "ex_pytorch_simple": Spec(
        "a PyTorch MLP, reported per epoch, under the default pruner",
        # no bound on the best accuracy: 6 unseeded trials of 2 epochs each (Optuna: 0.56 in the
        # recorded run; tunecycle has drawn 0.20) say nothing about either sampler
        every(n_trials=SAME, n_reports=at_least(6)),
    ),
    "ex_visualization_plot_study": Spec(
        "optuna.visualization's plotly figures, shown",
        # no PRUNED rule: of 8 unseeded trials only the last 3 can be pruned (the median rule's
        # 5 start-up trials), and under either library none of them is, now and then
        every(n_trials=SAME, best=at_least(0.8)),
    ),
    "ex_visualization_plot_pareto_front": Spec(
        "plot_pareto_front of two objectives", every(n_trials=SAME, pareto=at_least(5))
    ),
    "tut_10_001_first": Spec(
        "the first tutorial: create_study, optimize twice, best_params, study.trials",
        every(n_trials=SAME, best=at_most(0.01)),
        printed={r"^Found x: ": SAME, r"^FrozenTrial\(": SAME},
    ),
    "tut_10_002_configurations": Spec("suggest_* with step= and log= (objectives only)"),
    "tut_10_003_efficient_optimization_algorithms": Spec(
        "sampler classes by name; MedianPruner; log lines on a handler of optuna's logger",
        {
            0: {"sampler": SAME},
            1: {"sampler": SAME},
            2: {"sampler": SAME},
            3: {"n_trials": SAME, "PRUNED": SOME},
        },
        printed={
            r"^Sampler is (?:TPE|Random|CmaEs)Sampler$": SAME,
            r"^Trial \d+ finished": SOME,
            r"^Trial \d+ pruned": SOME,
        },
    ),
    "tut_10_005_visualization": Spec(
        "every plot_* function on a pruned PyTorch study",
        every(n_trials=SAME, n_reports=at_least(5)),
    ),
    "tut_20_001_rdb": Spec(
        "study_name= on SQLite, load_if_exists=True, trials_dataframe(attrs=)",
        every(n_trials=SAME, name=SAME),
        printed={r"^Trial \d+ finished": SAME, r"^Best value: ": SAME},
    ),
    "tut_20_003_attributes": Spec(
        "study and trial user attributes; get_all_study_summaries",
        every(n_trials=SAME, user_attrs=SAME, trial_user_attr_keys=SAME),
    ),
    "tut_20_005_user_defined_sampler": Spec(
        "the tutorial's SimulatedAnnealingSampler(BaseSampler)",
        # the sampler draws from an unseeded RandomState, so the best of x**2 + y is a random
        # number with a long tail: above 0 in 4.7% of 300 runs under Optuna 5.1 (the old bound
        # here) and 2.5% of 3,000 under tunecycle, largest 2.95; one that never leaves the
        # neighbourhood of its first random point is above 5 about half the time (median 8),
        # and a single random trial's value has a median of 25
        every(n_trials=SAME, sampler=SAME, best=at_most(5.0)),
    ),
    "tut_20_006_user_defined_pruner": Spec(
        "a user-written BasePruner reading other trials' intermediate values",
        every(n_trials=SAME, PRUNED=SOME),
        printed={r"^prune\(\) True: Trial": SOME},
    ),
    "tut_20_007_optuna_callback": Spec(
        "a callback that calls study.stop() after two pruned trials in a row",
        every(n_trials=SAME, COMPLETE=SAME, PRUNED=SAME),
        printed={r"^Trial \d+ pruned": SAME},
    ),
    "tut_20_008_specify_params": Spec(
        "enqueue_trial, add_trial(create_trial(...)) with Optuna's distributions",
        every(n_trials=SAME, first_params=SAME, best=at_least(0.9)),
    ),
    "tut_20_009_ask_and_tell": Spec(
        "ask()/tell(), ask(distributions), tell(trial_number, value), batches on CmaEsSampler",
        every(n_trials=SAME, COMPLETE=SAME, sampler=SAME),
    ),
    "tut_20_010_reuse_best_trial": Spec(
        "the objective re-run on study.best_trial (FrozenTrial.suggest_*)",
        every(n_trials=SAME, best=at_least(0.8)),
    ),
    "tut_20_011_journal_storage": Spec(
        "JournalStorage(JournalFileBackend(path))", every(n_trials=SAME, name=SAME)
    ),
    "tut_20_013_wilcoxon_pruner": Spec(
        "WilcoxonPruner cutting evaluations short (the objective returns, so trials COMPLETE)",
        every(n_trials=SAME, COMPLETE=SAME, first_params=FIRST_SAME, n_reports=at_most(199)),
        printed={r"^Number of evaluation: (\d+)": at_most(199)},
    ),
}

# Scripts that fail or behave differently on tunecycle: name -> the reason (each listed in
# docs/howto/optuna.md).  Strict xfails: when one starts to pass, its test fails until its
# entry is removed.
KNOWN_GAPS: dict[str, str] = {
    "tut_10_003_efficient_optimization_algorithms": "behaves differently: prints the default "
    "sampler's class, AutoSampler where Optuna's is TPESampler (a deliberate difference, see "
    "docs/howto/optuna.md)",
    "tut_20_006_user_defined_pruner": "imports Optuna's private module optuna.trial._state "
    "(TrialState is public as optuna.trial.TrialState)",
    "tut_20_009_ask_and_tell": "behaves differently: the studies made without a sampler get "
    "AutoSampler where Optuna's default is TPESampler (deliberate, see docs/howto/optuna.md)",
    "tut_20_011_journal_storage": "JournalStorage/JournalFileBackend: tunecycle has no journal "
    "storage (refused with a message pointing to SQLite and `tunecycle import`)",
}


# --- comparing one run with the record -------------------------------------------------------


def _study_field(study: dict[str, Any], key: str) -> Any:
    if key.isupper():  # a trial state
        return study.get("states", {}).get(key, 0)
    if key == "first_params":
        return study.get("first_params", [])[:2]
    return study.get(key)


def _printed(lines: list[str], pattern: str) -> Any:
    regex = re.compile(pattern)
    hits = [m for m in map(regex.search, lines) if m]
    if regex.groups:
        return float(hits[0].group(1)) if hits else None
    return len(hits)


def problems(spec: Spec, run: Run, recorded: dict[str, Any]) -> list[str]:
    """Where this run differs from Optuna's, in words; empty when it behaves the same."""
    report = run.report
    if report is None:
        return [f"no report (exit {run.returncode}): {run.stderr.strip()[-800:]}"]
    if report["error"]:
        e = report["error"]
        return [f"{e['type']}: {e['message']} (line {e['line']}: {e['code']})"]
    found = []
    if run.returncode != 0:
        found.append(f"exit status {run.returncode}")
    theirs = recorded["report"]
    ours_s, theirs_s = report["studies"], theirs["studies"]
    if len(ours_s) != len(theirs_s):
        found.append(f"{len(ours_s)} studies made, Optuna made {len(theirs_s)}")
    for i, (ours, base) in enumerate(zip(ours_s, theirs_s)):
        if "summary_error" in ours:
            found.append(f"study {i}: {ours['summary_error']}")
            continue
        if ours["directions"] != base["directions"]:
            found.append(f"study {i}: directions {ours['directions']} != {base['directions']}")
        for key, rule in {**spec.studies.get("*", {}), **spec.studies.get(i, {})}.items():
            mine, optuna_s = _study_field(ours, key), _study_field(base, key)
            if not rule(mine, optuna_s):
                found.append(
                    f"study {i}: {key} = {mine!r}, should be {rule.text} (Optuna: {optuna_s!r})"
                )
    shown, shown_then = report["figures"], theirs["figures"]
    if len(shown) != len(shown_then) or any(
        (a["traces"] > 0) != (b["traces"] > 0) for a, b in zip(shown, shown_then)
    ):
        found.append(
            f"figures shown: {[f['traces'] for f in shown]} traces, "
            f"Optuna: {[f['traces'] for f in shown_then]}"
        )
    ignored = re.compile(r"-(journal|wal|shm)$|\.lock$")
    missing = [f for f in theirs["files"] if f not in report["files"] and not ignored.search(f)]
    if missing:
        found.append(f"files not written: {missing}")
    lines = run.stdout.splitlines()
    for pattern, rule in spec.printed.items():
        mine, optuna_s = _printed(lines, pattern), _printed(recorded["stdout"], pattern)
        if not rule(mine, optuna_s):
            found.append(
                f"printed {pattern!r}: {mine!r}, should be {rule.text} (Optuna: {optuna_s!r})"
            )
    return found


# --- the tests -------------------------------------------------------------------------------


def _params() -> list[Any]:
    params = []
    for name in script_names():
        marks = []
        if BACKEND == "tunecycle" and name in KNOWN_GAPS:
            marks.append(pytest.mark.xfail(reason=KNOWN_GAPS[name], strict=True))
        if BACKEND == "optuna" and name in NEEDS_EXTRAS and not EXTRA_PATH:
            marks.append(
                pytest.mark.skip(
                    reason=f"Optuna needs {NEEDS_EXTRAS[name]} here: set OPTUNA_SCRIPTS_EXTRA_PATH"
                )
            )
        params.append(pytest.param(name, marks=marks, id=name))
    return params


@pytest.fixture(scope="module")
def script_runs(request: pytest.FixtureRequest) -> Any:
    """The selected scripts' runs, started together, WORKERS at a time, in the tests' order."""
    selected = [
        item.callspec.params["name"]
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_script"
        and not item.get_closest_marker("skip")
    ]
    pool = ThreadPoolExecutor(max_workers=max(1, WORKERS))
    futures: dict[str, Future[Run]] = {
        name: pool.submit(launch, name, BACKEND, TIMEOUT_S, EXTRA_PATH) for name in selected
    }
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


def test_every_script_has_a_spec_and_a_record() -> None:
    names = set(script_names())
    assert len(names) >= 25
    assert names == set(SPECS), names ^ set(SPECS)
    assert names == set(EXPECTED), names ^ set(EXPECTED)
    assert set(KNOWN_GAPS) <= names and set(NEEDS_EXTRAS) <= names


def test_the_import_swap_touches_imports_only() -> None:
    from tests.compat.optuna_scripts._runner import swap_imports

    source = (
        "import optuna\nimport optuna.visualization\nfrom optuna.trial import TrialState\n"
        "from optuna import distributions\nimport optuna_integration\n"
        "from optuna_integration import OptunaSearchCV\n"
        "    import optuna as o\n# import optuna in a comment\nx = optuna.create_study\n"
    )
    swapped, n = swap_imports(source)
    assert n == 7
    assert swapped.splitlines() == [
        "import tunecycle as optuna",
        "import tunecycle.visualization; import tunecycle as optuna",
        "from tunecycle.trial import TrialState",
        "from tunecycle import distributions",
        "import tunecycle.integration as optuna_integration",
        "from tunecycle.integration import OptunaSearchCV",
        "    import tunecycle as o",
        "# import optuna in a comment",
        "x = optuna.create_study",
    ]


@pytest.mark.slow
@pytest.mark.timeout(3 * TIMEOUT_S)
@pytest.mark.parametrize("name", _params())
def test_script(name: str, script_runs: dict[str, Future[Run]]) -> None:
    run = script_runs[name].result()
    found = problems(SPECS[name], run, EXPECTED[name])
    assert not found, (
        f"{name} ({SPECS[name].shows}) under {BACKEND}:\n  "
        + "\n  ".join(found)
        + f"\n--- stderr tail ---\n{run.stderr[-1500:]}"
    )

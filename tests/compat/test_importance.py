"""``tunecycle.importance`` (Optuna's ``optuna.importance`` under tunecycle's name): each
evaluator ranks the parameter that drives the objective first, as Optuna 5's evaluators do on
the same trials; normalisation, ``target=`` and ``params=`` follow Optuna's rules; a
conditional space's branch choice gets the credit its branches' outliers earn."""

from __future__ import annotations

import math

import pytest

import tunecycle as tc
from tunecycle import importance as imp
from tunecycle.records import TrialState

pytest.importorskip("sklearn")

EVALUATORS = {
    "fanova": lambda: imp.FanovaImportanceEvaluator(seed=0),
    "mdi": lambda: imp.MeanDecreaseImpurityImportanceEvaluator(seed=0),
    "ped": lambda: imp.PedAnovaImportanceEvaluator(),
}


def _objective(trial):
    x = trial.suggest_float("x", -3.0, 3.0)
    y = trial.suggest_int("y", 0, 10)
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    c = trial.suggest_categorical("c", ["p", "q"])
    return 5 * x * x + 0.02 * y + 0.01 * math.log10(lr) + (0.01 if c == "q" else 0.0)


@pytest.fixture(scope="module")
def study():
    s = tc.create_study(direction="minimize", sampler="random", seed=11)
    s.optimize(_objective, n_trials=60)
    return s


def _optuna_copy(study):
    """The same trials in a real Optuna 5 study."""
    optuna = pytest.importorskip("optuna")
    from optuna import distributions as od

    def dist(p):
        if isinstance(p, tc.Categorical):
            return od.CategoricalDistribution(list(p.choices))
        if isinstance(p, tc.Int):
            return od.IntDistribution(p.low, p.high, log=p.log, step=p.step)
        return od.FloatDistribution(p.low, p.high, log=p.log, step=p.step)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    copy = optuna.create_study(direction="minimize")
    for t in study.trials:
        if t.state is TrialState.COMPLETE:
            copy.add_trial(optuna.trial.create_trial(
                params=dict(t.params), value=t.value,
                distributions={k: dist(v) for k, v in t.distributions.items()}))
    return optuna, copy


@pytest.mark.parametrize("name", sorted(EVALUATORS))
def test_the_dominant_parameter_ranks_first_as_in_optuna(study, name):
    ours = imp.get_param_importances(study, evaluator=EVALUATORS[name]())
    assert list(ours)[0] == "x" and ours["x"] > 0.6, ours
    assert sum(ours.values()) == pytest.approx(1.0)
    assert list(ours.values()) == sorted(ours.values(), reverse=True)
    optuna, copy = _optuna_copy(study)
    theirs_evaluator = {
        "fanova": lambda: optuna.importance.FanovaImportanceEvaluator(seed=0),
        "mdi": lambda: optuna.importance.MeanDecreaseImpurityImportanceEvaluator(seed=0),
        "ped": lambda: optuna.importance.PedAnovaImportanceEvaluator(),
    }[name]()
    theirs = optuna.importance.get_param_importances(copy, evaluator=theirs_evaluator)
    assert list(theirs)[0] == "x"
    assert set(theirs) == set(ours)
    assert ours["x"] == pytest.approx(theirs["x"], abs=0.3)


def test_unnormalised_fanova_is_the_variance_share(study):
    raw = imp.get_param_importances(study, normalize=False)
    assert 0.8 < sum(raw.values()) <= 1.0 + 1e-9  # additive objective: main effects explain it
    assert imp.get_param_importances(study) == pytest.approx(
        {k: v / sum(raw.values()) for k, v in raw.items()})


def test_params_target_and_errors(study):
    sub = imp.get_param_importances(study, params=["lr", "y"])
    assert set(sub) == {"lr", "y"}
    # a target that ignores x: y drives it
    flipped = imp.get_param_importances(study, target=lambda t: t.params["y"] * 1.0)
    assert list(flipped)[0] == "y"
    with pytest.raises(ValueError, match="nope"):
        imp.get_param_importances(study, params=["nope"])
    empty = tc.create_study()
    with pytest.raises(ValueError, match="complete trials"):
        imp.get_param_importances(empty)
    mo = tc.create_study(directions=["minimize", "minimize"], sampler="random", seed=0)
    mo.optimize(lambda t: (t.suggest_float("a", 0, 1), t.suggest_float("b", 0, 1)),
                n_trials=8)
    with pytest.raises(ValueError, match="target"):
        imp.get_param_importances(mo)
    by_b = imp.get_param_importances(mo, target=lambda t: t.values[1])
    assert list(by_b)[0] == "b"
    with pytest.raises(ValueError, match="target_quantile"):
        imp.PedAnovaImportanceEvaluator(target_quantile=0.5, region_quantile=0.2)
    with pytest.raises(ValueError, match="n_trees"):
        imp.FanovaImportanceEvaluator(n_trees=0)


def test_seeded_fanova_repeats(study):
    a = imp.get_param_importances(study, evaluator=imp.FanovaImportanceEvaluator(seed=4))
    b = imp.get_param_importances(study, evaluator=imp.FanovaImportanceEvaluator(seed=4))
    assert a == b


def fair_share(record) -> dict[str, float]:
    return dict(zip(record.names, record.importances))


def test_a_branch_choice_is_credited_with_its_branches_outliers():
    """The svm branch and the rf branch have the same mean value, but svm with a small C gives
    outliers: the choice decides them.  Main effects alone give the family almost nothing;
    its total effect (what tunecycle.importance reports for a branch choice) does not."""
    from tunecycle.viz.importance import param_importances

    space = {"family": tc.Categorical({"svm": {"C": tc.Float(1e-3, 1e3, log=True)},
                                       "rf": {"depth": tc.Int(2, 10)}})}
    study = tc.create_study(direction="maximize", sampler="random", seed=1)

    def objective(trial):
        p = trial.params
        if p["family"] == "svm":
            return 0.9 if p["svm.C"] > 0.1 else 0.6  # mean 0.8 under the log-uniform C
        return 0.8 + 0.001 * p["rf.depth"]

    study.optimize(objective, n_trials=60, space=space)
    record = param_importances(study.trials)
    main_only = dict(zip(record.names, record.main_share))
    assert main_only["family"] < 0.1  # the weakness: the choice reads almost nothing
    assert record.branch_choices == ("family",)
    assert fair_share(record) == pytest.approx(imp.get_param_importances(study))  # one rule
    fair = imp.get_param_importances(study)
    assert fair["family"] > 0.3 and fair["rf.depth"] < 0.05, fair
    for name in ("ped", "mdi"):  # the other evaluators agree the choice matters
        assert imp.get_param_importances(study, evaluator=EVALUATORS[name]())["family"] > 0.3

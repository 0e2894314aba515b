"""Integrations stop training when pruned: the number of steps / rounds / fits actually run is
counted, the pruned trial is recorded with its last value and step, unpruned trials run all."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import tunecycle as tc
from tunecycle.errors import TrialPruned
from tunecycle.integrations import report_and_check, run_steps
from tunecycle.pruners import MedianPruner
from tunecycle.records import TrialState

WARMUP = 3  # the bad trial is pruned at step 3, having run steps 0..3


def run_study(objective, configs, direction):
    """Trial i runs with ``configs[i]`` enqueued; the median pruner may prune from step 3 on,
    once one trial is complete."""
    study = tc.create_study(sampler="random", seed=0, direction=direction,
                            pruner=MedianPruner(n_startup_trials=1, n_warmup_steps=WARMUP))
    for config in configs:
        study.enqueue(config)
    study.optimize(objective, n_trials=len(configs))
    return {t.number: t for t in study.trials}


def check(trials, n_steps, counts):
    """Trials 0 and 2 (good) ran every step; trial 1 (bad) was pruned at step WARMUP."""
    for n in (0, 2):
        assert trials[n].state is TrialState.COMPLETE
        assert sorted(trials[n].intermediate) == list(range(n_steps))
        assert counts[n] == n_steps
    bad = trials[1]
    assert bad.state is TrialState.PRUNED
    assert sorted(bad.intermediate) == list(range(WARMUP + 1))
    assert bad.last_step == WARMUP
    assert bad.value == bad.intermediate[WARMUP]
    assert counts[1] == WARMUP + 1


# -- generic loop ----------------------------------------------------------------------------
def test_run_steps_stops_when_pruned():
    counts = {}

    def objective(trial):
        q = trial.suggest_float("q", 0.0, 10.0)

        def step_fn(step):
            counts[trial.number] = counts.get(trial.number, 0) + 1
            return q + 1.0 / (step + 1)

        return run_steps(trial, 10, step_fn)

    trials = run_study(objective, [{"q": 0.0}, {"q": 5.0}, {"q": 0.0}], "minimize")
    check(trials, 10, counts)
    assert trials[0].value == pytest.approx(0.1)


def test_report_and_check_raises_only_when_pruned():
    counts = {}

    def objective(trial):
        q = trial.suggest_float("q", 0.0, 10.0)
        for step in range(8):
            counts[trial.number] = counts.get(trial.number, 0) + 1
            report_and_check(trial, -(q + step), step)  # maximize: larger q is worse
        return -(q + 7)

    trials = run_study(objective, [{"q": 0.0}, {"q": 5.0}, {"q": 0.0}], "maximize")
    check(trials, 8, counts)


def test_run_steps_checks_n_steps():
    with pytest.raises(ValueError, match="n_steps"):
        run_steps(None, 0, lambda s: 0.0)  # type: ignore[arg-type]


def test_import_tunecycle_loads_no_integration():
    code = (
        "import sys, tunecycle, tunecycle.integrations; "
        "bad = [m for m in ('xgboost', 'sklearn', 'tunecycle.integrations.xgboost', "
        "'tunecycle.integrations.sklearn') if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- xgboost ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cancer():
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    return scaler.transform(X_tr), scaler.transform(X_va), y_tr, y_va


def test_xgboost_callback_stops_boosting(cancer):
    xgboost = pytest.importorskip("xgboost")
    from tunecycle.integrations import XGBoostPruningCallback

    X_tr, X_va, y_tr, y_va = cancer
    n_rounds = 12
    counts, callbacks = {}, {}

    class CountRounds(xgboost.callback.TrainingCallback):
        def __init__(self, number):
            self.number = number

        def after_iteration(self, model, epoch, evals_log):
            counts[self.number] = model.num_boosted_rounds()
            return False

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-6, 1.0, log=True)
        cb = callbacks[trial.number] = XGBoostPruningCallback(trial, "validation_0-logloss")
        model = xgboost.XGBClassifier(
            n_estimators=n_rounds, learning_rate=lr, max_depth=3, n_jobs=1, random_state=0,
            callbacks=[CountRounds(trial.number), cb],
        )
        model.fit(X_tr, y_tr, eval_set=[(X_va, y_va)], verbose=False)
        assert model.get_booster().num_boosted_rounds() == n_rounds
        return model.evals_result()["validation_0"]["logloss"][-1]

    trials = run_study(objective, [{"lr": 0.3}, {"lr": 1e-6}, {"lr": 0.3}], "minimize")
    check(trials, n_rounds, counts)
    assert callbacks[1].pruned_round == WARMUP and callbacks[1].rounds_seen == WARMUP + 1
    assert callbacks[0].pruned_round is None and callbacks[0].rounds_seen == n_rounds
    assert trials[0].value == pytest.approx(trials[0].intermediate[n_rounds - 1])


def test_xgboost_missing_key_names_available(cancer):
    xgboost = pytest.importorskip("xgboost")
    from tunecycle.integrations import XGBoostPruningCallback

    X_tr, X_va, y_tr, y_va = cancer
    study = tc.create_study(sampler="random", seed=0)
    trial = study.ask()
    model = xgboost.XGBClassifier(
        n_estimators=3, n_jobs=1, callbacks=[XGBoostPruningCallback(trial, "validation_0-auc")]
    )
    with pytest.raises(ValueError, match="validation_0-auc.*validation_0-logloss"):
        model.fit(X_tr, y_tr, eval_set=[(X_va, y_va)], verbose=False)
    with pytest.raises(ValueError, match="<data>-<metric>"):
        XGBoostPruningCallback(trial, "logloss")


# -- scikit-learn ----------------------------------------------------------------------------
def test_partial_fit_stops_when_pruned(cancer):
    from sklearn.linear_model import SGDClassifier

    from tunecycle.integrations import fit_incrementally

    X_tr, X_va, y_tr, y_va = cancer
    counts = {}

    class CountingSGD(SGDClassifier):
        def partial_fit(self, X, y, classes=None, sample_weight=None):
            counts[self.trial_number] = counts.get(self.trial_number, 0) + 1
            return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)

    def objective(trial):
        alpha = trial.suggest_float("alpha", 1e-6, 1e3, log=True)
        est = CountingSGD(loss="log_loss", alpha=alpha, random_state=0)
        CountingSGD.trial_number = trial.number
        fitted = fit_incrementally(trial, est, X_tr, y_tr, X_va, y_va, n_steps=8)
        assert fitted is not est and not hasattr(est, "coef_")
        return fitted.score(X_va, y_va)

    trials = run_study(objective, [{"alpha": 1e-3}, {"alpha": 100.0}, {"alpha": 1e-3}],
                       "maximize")
    check(trials, 8, counts)
    assert trials[0].value > 0.9 > trials[1].value


def test_warm_start_grows_trees_until_pruned(cancer):
    from sklearn.ensemble import GradientBoostingClassifier

    from tunecycle.integrations import fit_incrementally

    X_tr, X_va, y_tr, y_va = cancer
    fits: dict[int, list[int]] = {}

    class CountingGB(GradientBoostingClassifier):
        def fit(self, X, y, **kw):
            fits.setdefault(self.trial_number, []).append(self.n_estimators)
            return super().fit(X, y, **kw)

    fitted = {}

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-6, 1.0, log=True)
        CountingGB.trial_number = trial.number
        est = CountingGB(learning_rate=lr, max_depth=2, random_state=0)
        fitted[trial.number] = fit_incrementally(
            trial, est, X_tr, y_tr, X_va, y_va, n_steps=6, step_size=5, scoring="accuracy"
        )
        return fitted[trial.number].score(X_va, y_va)

    trials = run_study(objective, [{"lr": 0.3}, {"lr": 1e-6}, {"lr": 0.3}], "maximize")
    check(trials, 6, {n: len(f) for n, f in fits.items()})
    assert fits[0] == [5, 10, 15, 20, 25, 30]
    assert fits[1] == [5, 10, 15, 20]  # pruned at step 3: no tree beyond the 20th was grown
    assert len(fitted[0].estimators_) == 30 and 1 not in fitted


def test_fit_incrementally_rejects_other_estimators(cancer):
    from sklearn.svm import SVC

    from tunecycle.integrations import fit_incrementally

    X_tr, X_va, y_tr, y_va = cancer
    trial = tc.create_study(sampler="random", seed=0).ask()
    with pytest.raises(ValueError, match="SVC has neither partial_fit nor warm_start"):
        fit_incrementally(trial, SVC(), X_tr, y_tr, X_va, y_va, n_steps=3)


def test_partial_fit_regressor_and_default_classes(cancer):
    from sklearn.linear_model import SGDRegressor

    from tunecycle.integrations import fit_incrementally

    X_tr, X_va, y_tr, y_va = cancer
    trial = tc.create_study(sampler="random", seed=0, direction="maximize").ask()
    est = fit_incrementally(trial, SGDRegressor(random_state=0), X_tr, y_tr.astype(float), X_va,
                            y_va.astype(float), n_steps=3, scoring="neg_mean_squared_error")
    assert sorted(trial.intermediate) == [0, 1, 2]
    assert all(np.isfinite(v) and v <= 0 for v in trial.intermediate.values())
    assert hasattr(est, "coef_")
    assert issubclass(TrialPruned, tc.TunecycleError)


# -- PyTorch loop ----------------------------------------------------------------------------
def test_epoch_monitor_stops_a_pruned_torch_loop():
    import torch

    from tunecycle.integrations.torch import EpochMonitor

    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(200, 5, generator=gen)
    y = X @ torch.tensor([1.0, -2.0, 0.5, 0.0, 3.0])
    counts = {}

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-6, 0.1, log=True)
        torch.manual_seed(0)
        model = torch.nn.Linear(5, 1)
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        monitor = EpochMonitor(trial, direction="minimize")
        for epoch in range(10):
            counts[trial.number] = counts.get(trial.number, 0) + 1
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(X)[:, 0], y)
            loss.backward()
            opt.step()
            monitor.step(loss.item(), epoch, model)
        monitor.restore(model)
        return monitor.best_value

    trials = run_study(objective, [{"lr": 0.05}, {"lr": 1e-6}, {"lr": 0.05}], "minimize")
    check(trials, 10, counts)


def test_epoch_monitor_early_stopping_keeps_the_best_weights():
    import torch

    from tunecycle.integrations.torch import EpochMonitor

    model = torch.nn.Linear(2, 1)
    monitor = EpochMonitor(direction="maximize", patience=2)
    stops = []
    for epoch, value in enumerate([0.1, 0.5, 0.4, 0.3, 0.9]):
        with torch.no_grad():
            model.weight.fill_(value)
        stops.append(monitor.step(value, epoch, model))
        if stops[-1]:
            break
    assert stops == [False, False, False, True] and monitor.stopped_epoch == 3
    monitor.restore(model)
    assert monitor.best_epoch == 1 and torch.all(model.weight == 0.5)
    with pytest.raises(ValueError, match="patience"):
        EpochMonitor(patience=0)

"""Optuna's pruners under Optuna's names and arguments: the same decisions as real Optuna 5 on
the same reported curves, Optuna's constructor spellings, ``BasePruner`` (a user-written
``prune(study, trial)``), ``PatientPruner``, ``ThresholdPruner`` and ``WilcoxonPruner``."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tunecycle as tc
from tunecycle import pruners as P
from tunecycle.errors import UserError
from tunecycle.records import TrialState

optuna = pytest.importorskip("optuna")
optuna.logging.set_verbosity(optuna.logging.ERROR)


def curves(
    seed: int, n: int = 24, steps: int = 12, sparse: bool = False, nan: bool = False
) -> list[dict[int, float]]:
    """Noisy decreasing learning curves of different quality; with ``sparse`` some trials
    report every 2nd or 3rd step only, with ``nan`` a few values are NaN."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        quality = rng.uniform(0.0, 1.0)
        every = int(rng.choice([1, 2, 3])) if sparse else 1
        curve = {}
        for s in range(0, steps, every):
            v = quality + 1.0 / (s + 1) + rng.normal(0, 0.05)
            if nan and rng.random() < 0.04:
                v = math.nan
            curve[s] = float(v)
        out.append(curve)
    return out


def run_optuna(pruner, data, direction):
    study = optuna.create_study(
        direction=direction, pruner=pruner, sampler=optuna.samplers.RandomSampler(seed=0)
    )
    decisions = []
    for curve in data:
        t = study.ask()
        pruned_at = None
        for step, v in curve.items():
            t.report(v, step)
            if t.should_prune():
                pruned_at = step
                break
        decisions.append(pruned_at)
        if pruned_at is None:
            study.tell(t, float(np.nanmean(list(curve.values()))))
        else:
            study.tell(t, state=optuna.trial.TrialState.PRUNED)
    return decisions


def run_tunecycle(pruner, data, direction):
    study = tc.create_study(direction=direction, pruner=pruner, sampler="random", seed=0)
    decisions = []
    for curve in data:
        t = study.ask()
        pruned_at = None
        for step, v in curve.items():
            t.report(v, step)
            if t.should_prune():
                pruned_at = step
                break
        decisions.append(pruned_at)
        if pruned_at is None:
            study.tell(t, float(np.nanmean(list(curve.values()))))
        else:
            study.tell(t, state="pruned")
    return decisions


# (optuna's pruner, ours) built from the same spelling
SPECS = {
    "median": lambda m: m.MedianPruner(),
    "median-options": lambda m: m.MedianPruner(
        n_startup_trials=2, n_warmup_steps=3, interval_steps=2, n_min_trials=2
    ),
    "percentile-25": lambda m: m.PercentilePruner(25.0, n_startup_trials=3),
    "percentile-75-interval": lambda m: m.PercentilePruner(
        75.0, n_startup_trials=2, n_warmup_steps=1, interval_steps=3
    ),
    "threshold-upper": lambda m: m.ThresholdPruner(upper=1.1),
    "threshold-both": lambda m: m.ThresholdPruner(
        lower=0.2, upper=1.0, n_warmup_steps=2, interval_steps=2
    ),
    "patient": lambda m: m.PatientPruner(None, patience=2),
    "patient-delta": lambda m: m.PatientPruner(None, patience=1, min_delta=0.02),
    "patient-median": lambda m: m.PatientPruner(m.MedianPruner(n_startup_trials=2), patience=2),
    "sha-default": lambda m: m.SuccessiveHalvingPruner(),
    "sha-options": lambda m: m.SuccessiveHalvingPruner(
        min_resource=1, reduction_factor=3, min_early_stopping_rate=1
    ),
    "sha-bootstrap": lambda m: m.SuccessiveHalvingPruner(
        min_resource=2, reduction_factor=2, bootstrap_count=2
    ),
    "wilcoxon": lambda m: m.WilcoxonPruner(p_threshold=0.1),
    "wilcoxon-startup": lambda m: m.WilcoxonPruner(p_threshold=0.2, n_startup_steps=4),
}


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
@pytest.mark.parametrize("spec", sorted(SPECS))
@pytest.mark.parametrize("kind", ["dense", "sparse", "nan"])
def test_decisions_equal_optunas(spec, direction, kind):
    if kind == "nan" and spec.startswith("wilcoxon"):
        pytest.skip("Optuna's Wilcoxon pruner warns on NaN and keeps the trial; tested below")
    sign = 1.0 if direction == "minimize" else -1.0
    data = [
        {s: sign * v for s, v in c.items()}
        for c in curves(len(spec) + len(kind), sparse=kind == "sparse", nan=kind == "nan")
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = run_optuna(SPECS[spec](optuna.pruners), data, direction)
    got = run_tunecycle(SPECS[spec](P), data, direction)
    assert got == want
    if kind == "dense" and direction == "minimize":
        # the comparison means something only where the pruner acts at all
        assert any(d is not None for d in want)


def test_some_trials_get_pruned_and_some_not():
    data = curves(3)
    got = run_tunecycle(P.MedianPruner(), data, "minimize")
    assert 0 < sum(d is not None for d in got) < len(got)


# -- the pruners themselves --------------------------------------------------------------------
def _study(pruner, direction="minimize"):
    return tc.create_study(direction=direction, pruner=pruner, sampler="random", seed=1)


def _trial(study, values, state="complete"):
    t = study.ask()
    for step, v in enumerate(values):
        t.report(v, step)
    if state == "running":
        return t
    study.tell(
        t,
        float(np.mean(values)) if state == "complete" else None,
        state=None if state == "complete" else state,
    )
    return t


def test_wilcoxon_prunes_a_clearly_worse_trial_and_keeps_a_good_one():
    rng = np.random.default_rng(0)
    base = rng.uniform(1.0, 2.0, size=20)  # per-instance difficulty, shared by every trial
    study = _study(P.WilcoxonPruner(p_threshold=0.1))
    _trial(study, list(base))  # the best trial: its per-instance values
    bad = study.ask()
    pruned_at = None
    for k, v in enumerate(base + 0.3 + rng.normal(0, 0.05, 20)):
        bad.report(float(v), k)
        if bad.should_prune():
            pruned_at = k
            break
    assert pruned_at is not None and pruned_at < 10  # a few instances are enough
    good = study.ask()
    for k, v in enumerate(base - 0.2 + rng.normal(0, 0.05, 20)):
        good.report(float(v), k)
        assert not good.should_prune(), k
    # a trial worse on many instances but better on average is kept (Optuna's rule)
    mixed = study.ask()
    values = [*(base[:5] + 0.01), *(base[5:10] - 1.0)]
    for k, v in enumerate(values):
        mixed.report(float(v), k)
    assert not mixed.should_prune()


def test_wilcoxon_waits_for_a_best_trial_and_startup_steps():
    study = _study(P.WilcoxonPruner(n_startup_steps=5))
    lone = study.ask()
    for k in range(6):
        lone.report(10.0 + k, k)
        assert not lone.should_prune()  # no best trial yet
    study.tell(lone, 12.0)
    t = study.ask()
    for k in range(4):
        t.report(100.0, k)
        assert not t.should_prune()  # fewer than n_startup_steps common steps
    t.report(float("nan"), 4)
    assert not t.should_prune()  # a NaN among its values: kept, as in Optuna


def test_threshold_pruner():
    p = P.ThresholdPruner(lower=0.0, upper=1.0, n_warmup_steps=1)
    study = _study(p)
    t = study.ask()
    t.report(5.0, 0)
    assert not t.should_prune()  # warm-up
    t.report(0.5, 1)
    assert not t.should_prune()
    t.report(-0.1, 2)
    assert t.should_prune()
    t2 = study.ask()
    t2.report(0.5, 0)
    t2.report(float("nan"), 1)
    assert t2.should_prune()
    assert P.make_pruner("threshold" if False else {"name": "threshold", "upper": 2.0}).upper == 2.0
    with pytest.raises(UserError, match="lower, upper"):
        P.ThresholdPruner()
    with pytest.raises(UserError, match="lower"):
        P.ThresholdPruner(lower=2.0, upper=1.0)


def test_patient_pruner_is_optunas_rule():
    study = _study(P.PatientPruner(None, patience=2, min_delta=0.1))
    t = study.ask()
    for k, v in enumerate([1.0, 0.9, 1.05, 0.95]):  # last 3 best 0.9 vs before 1.0: improved
        t.report(v, k)
        assert not t.should_prune(), k
    for k, v in enumerate([1.2, 1.3, 1.15], start=4):  # last 3 best 0.95... then 1.15
        t.report(v, k)
    assert t.should_prune()  # before 0.9, recent 1.15 > 0.9 + 0.1
    # the wrapped pruner has the last word
    keep = _study(P.PatientPruner(P.NopPruner(), patience=1))
    t = keep.ask()
    for k, v in enumerate([1.0, 2.0, 3.0]):
        t.report(v, k)
    assert not t.should_prune()
    with pytest.raises(UserError, match="patience"):
        P.PatientPruner(None, patience=-1)


def test_optuna_spellings_build_the_native_classes():
    assert P.SuccessiveHalvingPruner().reduction_factor == 4  # Optuna's default
    assert P.SuccessiveHalvingPruner().min_resource == "auto"
    assert P.HyperbandPruner().max_resource == "auto"
    assert isinstance(P.PatientPruner(P.MedianPruner(), 3), P.PatientPruner)
    assert type(P.NopPruner()) is tc.protocols.NopPruner
    with pytest.raises(UserError, match="bootstrap_count"):
        P.HyperbandPruner(bootstrap_count=1)
    with pytest.raises(UserError, match="min_resource"):
        P.SuccessiveHalvingPruner(min_resource=0)
    with pytest.raises(UserError, match="p_threshold"):
        P.WilcoxonPruner(p_threshold=1.5)


@pytest.mark.parametrize(
    "pruner",
    [
        P.ThresholdPruner(lower=0.1, upper=5.0, n_warmup_steps=2),
        P.WilcoxonPruner(p_threshold=0.05, n_startup_steps=3),
        P.PatientPruner(P.MedianPruner(n_startup_trials=2), patience=4, min_delta=0.5),
        P.SuccessiveHalvingPruner(bootstrap_count=1),
        P.HyperbandPruner(min_resource=2, max_resource=30, bootstrap_count=1),
    ],
)
def test_stored_descriptions_rebuild_the_pruner(tmp_path, pruner):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    tc.create_study("s", storage=url, pruner=pruner)
    loaded = tc.load_study("s", url)
    assert type(loaded.pruner) is type(pruner)
    assert loaded.pruner.describe() == pruner.describe()


def test_hyperband_auto_max_resource_waits_for_a_complete_trial():
    study = _study(P.HyperbandPruner(min_resource=1, reduction_factor=3))
    t = study.ask()
    for k in range(10):
        t.report(100.0, k)
        assert not t.should_prune()  # max_resource not known yet
    study.tell(t, 100.0)
    t = study.ask()
    t.report(1.0, 0)
    assert not t.should_prune()
    assert study.pruner.n_brackets == 3  # max_resource = 9 + 1: rungs 1, 3, 9


# -- BasePruner: a user-written pruner in Optuna's protocol ----------------------------------
class LastPlacePruner(tc.pruners.BasePruner):
    """In the style of Optuna's tutorial: prune a trial that is the worst of the finished
    trials at its step, after a warm-up."""

    def __init__(self, warmup_steps: int, warmup_trials: int):
        self._warmup_steps = warmup_steps
        self._warmup_trials = warmup_trials
        self.calls = 0

    def prune(self, study, trial) -> bool:
        self.calls += 1
        step = trial.last_step
        if step is None or step < self._warmup_steps:
            return False
        others = study.get_trials(
            deepcopy=False, states=(tc.TrialState.COMPLETE, tc.TrialState.PRUNED)
        )
        if len(others) < self._warmup_trials:
            return False
        this = trial.intermediate_values[step]
        at_step = [t.intermediate_values[step] for t in others if step in t.intermediate_values]
        worse = max(at_step) if study.direction == tc.Direction.MINIMIZE else min(at_step)
        return this > worse if study.direction == tc.Direction.MINIMIZE else this < worse


def test_user_written_base_pruner_prunes():
    pruner = LastPlacePruner(warmup_steps=1, warmup_trials=3)
    assert isinstance(pruner, tc.protocols.Pruner)
    study = tc.create_study(pruner=pruner, sampler="random", seed=0)

    def objective(trial):
        x = trial.suggest_float("x", 0.0, 1.0)
        for step in range(5):
            trial.report(x + 1.0 / (step + 1), step)
            if trial.should_prune():
                raise tc.TrialPruned()
        return x + 0.2

    study.enqueue({"x": 0.5})
    study.enqueue({"x": 0.4})
    study.enqueue({"x": 0.3})
    study.enqueue({"x": 0.9})  # worse than all three at every step: pruned at step 1
    study.optimize(objective, n_trials=4)
    states = [t.state for t in study.trials]
    assert states[:3] == [TrialState.COMPLETE] * 3
    assert states[3] is TrialState.PRUNED
    assert study.trials[3].last_step == 1
    assert pruner.calls > 0


def test_user_written_pruner_is_not_stored(tmp_path):
    url = f"sqlite:///{tmp_path / 'u.db'}"
    tc.create_study("u", storage=url, pruner=LastPlacePruner(1, 1))
    with pytest.raises(UserError, match="user-written pruner"):
        tc.load_study("u", url)
    assert isinstance(tc.load_study("u", url, pruner=LastPlacePruner(1, 1)).pruner, LastPlacePruner)


def test_base_pruner_without_prune_says_so():
    class Empty(tc.pruners.BasePruner):
        pass

    study = tc.create_study(pruner=Empty(), sampler="random")
    t = study.ask()
    t.report(1.0, 0)
    with pytest.raises(NotImplementedError, match="prune"):
        t.should_prune()

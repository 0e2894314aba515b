"""Studies made by real Optuna, for the import tests (and for ``data/make_optuna_db.py``).

``make_optuna_studies(storage)`` runs Optuna itself on ``storage`` (an RDB URL or a
``JournalStorage``) and leaves there: ``single`` (one objective, minimised: log, stepped and
categorical params, intermediate values, pruned and failed trials, user attributes, constraint
values, metric names, a complete trial whose value is infinite, a trial still running and an
enqueued one still waiting) and ``multi`` (two objectives, with constraints and a failure).
"""

from __future__ import annotations

import json
import warnings
from typing import Any

N_SINGLE = 14
N_MULTI = 8


def _single(trial: Any) -> float:
    import optuna

    x = trial.suggest_float("x", -4.0, 4.0)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    width = trial.suggest_float("width", 0.0, 1.0, step=0.25)
    layers = trial.suggest_int("layers", 1, 9, step=2)
    units = trial.suggest_int("units", 8, 512, log=True)
    opt = trial.suggest_categorical("opt", ["adam", "sgd", None, True, 3])
    trial.set_constraint("x_max", x - 2.0)
    trial.set_user_attr("tag", f"t{trial.number}")
    trial.set_user_attr("nested", {"units": units, "list": [1, 2.5, None]})
    loss = (x - 1.0) ** 2 + lr + width + layers / 10
    for step in range(3):
        trial.report(loss + 1.0 / (step + 1), step)
    if trial.number % 5 == 4:
        raise ValueError(f"boom at trial {trial.number}")
    if trial.number % 4 == 3:
        raise optuna.TrialPruned()
    return loss + (0.5 if opt == "sgd" else 0.0)


def _multi(trial: Any) -> tuple[float, float]:
    x = trial.suggest_float("x", 0.0, 5.0)
    k = trial.suggest_categorical("k", ["a", "b"])
    trial.set_constraint("x_max", x - 4.0)
    trial.set_constraint("x_min", 0.5 - x)
    if trial.number == 5:
        raise RuntimeError("multi boom")
    return x**2, (5.0 - x) ** 2 + (k == "b")


def make_optuna_studies(storage: Any) -> None:
    """Make the studies ``single`` and ``multi`` with Optuna on ``storage``."""
    import optuna

    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    sampler = optuna.samplers.TPESampler(seed=7, n_startup_trials=5)
    study = optuna.create_study(study_name="single", storage=storage, sampler=sampler)
    study.set_user_attr("owner", "someone")
    study.set_user_attr("config", {"epochs": 3, "grid": [1, 2]})
    study.set_metric_names(["loss"])
    study.optimize(_single, n_trials=N_SINGLE - 3, catch=(ValueError,))
    inf = study.ask()  # a complete trial whose value is infinite (Optuna allows it)
    inf.set_constraint("x_max", inf.suggest_float("x", -4.0, 4.0) - 2.0)
    study.tell(inf, float("inf"))
    study.ask()  # still running
    study.enqueue_trial({"x": 0.5, "layers": 3}, user_attrs={"why": "a guess"})  # waiting

    multi = optuna.create_study(
        study_name="multi",
        storage=storage,
        directions=["minimize", "maximize"],
        sampler=optuna.samplers.NSGAIISampler(seed=3),
    )
    multi.set_metric_names(["loss", "gain"])
    multi.optimize(_multi, n_trials=N_MULTI, catch=(RuntimeError,))


# -- what Optuna holds, as plain data (compared with what tunecycle imported) ---------------------
def optuna_record(study: Any, trials: list[Any]) -> dict[str, Any]:
    """An Optuna study (a ``FrozenStudy`` of its storage) and its trials as JSON-safe data."""
    from optuna.distributions import distribution_to_json

    return {
        "name": study.study_name,
        "directions": [d.name.lower() for d in study.directions],
        "user_attrs": dict(study.user_attrs),
        "system_attrs": dict(study.system_attrs),
        "trials": [
            {
                "number": t.number,
                "state": t.state.name,
                "values": t.values,
                "constraints": list(t.constraints.values()),
                "params": dict(t.params),
                "distributions": {
                    p: json.loads(distribution_to_json(d)) for p, d in t.distributions.items()
                },
                "intermediate": {str(k): v for k, v in t.intermediate_values.items()},
                "user_attrs": dict(t.user_attrs),
                "system_attrs": dict(t.system_attrs),
                "datetime_start": _iso(t.datetime_start),
                "datetime_complete": _iso(t.datetime_complete),
            }
            for t in sorted(trials, key=lambda t: t.number)
        ],
    }


def optuna_records(storage: Any) -> dict[str, dict[str, Any]]:
    """Every study of an Optuna storage, by name, as :func:`optuna_record` gives it."""
    return {
        s.study_name: optuna_record(s, storage.get_all_trials(s._study_id, deepcopy=False))
        for s in storage.get_all_studies()
    }


def _iso(when: Any) -> str | None:
    return None if when is None else when.isoformat()


_STATES = {
    "COMPLETE": "complete",
    "PRUNED": "pruned",
    "FAIL": "failed",
    "RUNNING": "failed",
    "WAITING": "waiting",
}


def assert_imported(study: Any, rec: dict[str, Any]) -> None:
    """``study`` (a tunecycle Study) holds what Optuna held, field by field."""
    import math

    assert [d.value for d in study.directions] == rec["directions"]
    system = dict(rec["system_attrs"])
    assert study.metric_names == system.pop("study:metric_names", None)
    assert dict(study.user_attrs) == rec["user_attrs"]
    ours_system = dict(study.system_attrs)
    assert {k: ours_system[k] for k in system} == system
    assert ours_system["imported_from"]["study"] == rec["name"]
    trials = study.trials
    assert [t.number for t in trials] == [r["number"] for r in rec["trials"]]
    for t, r in zip(trials, rec["trials"]):
        where = f"trial {r['number']}"
        values = r["values"]
        not_finite = r["state"] == "COMPLETE" and not all(math.isfinite(v) for v in values)
        assert t.state.value == ("failed" if not_finite else _STATES[r["state"]]), where
        if not_finite:
            assert t.values is None and str(values) in t.fail_reason, where
        elif r["state"] in ("COMPLETE", "PRUNED"):
            assert t.values == (None if values is None else tuple(values)), where
        else:
            assert t.values is None, where
        assert t.constraints == (tuple(r["constraints"]) if r["constraints"] else None), where
        params = dict(r["params"])
        if r["state"] == "WAITING" and not params:
            params = dict(r["system_attrs"].get("fixed_params", {}))
        assert dict(t.params) == params, where
        for p, v in params.items():
            assert type(t.params[p]) is type(v), (where, p)
        assert set(t.distributions) == set(r["distributions"]), where
        for p, spec in r["distributions"].items():
            _same_distribution(t.distributions[p], spec, f"{where}, {p}")
        assert {str(k): v for k, v in t.intermediate.items()} == r["intermediate"], where
        assert dict(t.user_attrs) == r["user_attrs"], where
        assert dict(t.system_attrs) == r["system_attrs"], where
        assert _iso(t.datetime_start) == r["datetime_start"], where
        if r["state"] in ("COMPLETE", "PRUNED", "FAIL"):
            assert _iso(t.datetime_complete) == r["datetime_complete"], where
        if r["state"] == "RUNNING":
            assert "still running" in t.fail_reason, where


def _same_distribution(ours: Any, spec: dict[str, Any], where: str) -> None:
    from tunecycle.space import Categorical, Float, Int

    name, attrs = spec["name"], spec["attributes"]
    if name == "CategoricalDistribution":
        assert isinstance(ours, Categorical), where
        assert list(ours.choices) == attrs["choices"], where
        assert [type(c) for c in ours.choices] == [type(c) for c in attrs["choices"]], where
        return
    assert isinstance(ours, Int if name == "IntDistribution" else Float), where
    assert (ours.low, ours.high, ours.log, ours.step) == (
        attrs["low"],
        attrs["high"],
        attrs["log"],
        attrs["step"],
    ), where

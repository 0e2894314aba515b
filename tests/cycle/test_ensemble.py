"""Ensembles of the top trials: voting, stacking and greedy selection are fitted on the search
part only, tested once beside the best model, recorded with the study, and saved on request."""

from __future__ import annotations

import json

import joblib
import numpy as np
import pytest
from sklearn.pipeline import Pipeline

from tunecycle.cycle import ensemble as ens
from tunecycle.cycle import runner
from tunecycle.cycle.config import ConfigError, parse_config, run_config
from tunecycle.cycle.data import load_data
from tunecycle.cycle.metrics import get_metric
from tunecycle.cycle.runner import tune
from tunecycle.cycle.splits import Validation, split_test
from tunecycle.errors import UserError

THREE = Validation("kfold", folds=3)


def _iris(kind, **kw):
    return tune("sklearn:iris", model=["knn", "logistic"], n_trials=6, validation=THREE,
                seed=0, ensemble=kind, ensemble_size=4, **kw)


def _top(study, size):
    done = sorted(study.get_trials(states=["complete"]), key=lambda t: (-t.value, t.number))
    out, seen = [], []
    for t in done:
        if t.params not in seen:
            seen.append(t.params)
            out.append(t.number)
    return out[:size]


@pytest.mark.parametrize("kind", ["voting", "stacking", "selection"])
def test_each_kind_is_tested_and_recorded_beside_the_best_model(kind):
    result = _iris(kind)
    scores = result.ensemble_test_metrics
    assert result.ensemble_kind == kind and result.ensemble.kind == kind
    assert set(scores) == set(result.test_metrics)  # the same metrics as the single model
    assert scores["accuracy"] > 0.85
    attrs = result.study.user_attrs
    assert attrs["ensemble_test_metrics"] == scores and attrs["ensemble_kind"] == kind
    assert attrs["ensemble"]["members"] == result.ensemble.members == _top(result.study, 4)
    assert attrs["ensemble"]["kept"] is False
    assert len(result.ensemble.weights) == 4
    test = split_test(load_data("sklearn:iris"), 0.2, 0)[1]
    assert result.ensemble.model.predict_proba(test.X).shape == (30, 3)


def test_selection_weights_count_the_rounds_and_only_members_are_used():
    result = _iris("selection", metric="log_loss")
    e = result.ensemble
    assert sum(e.weights) == ens.SELECTION_ROUNDS
    assert all(w == int(w) and w >= 0 for w in e.weights)
    used = {name for name, _ in e.model.estimators}
    assert used == {f"trial_{n}" for n, w in zip(e.members, e.weights) if w > 0}
    assert list(e.model.weights) == [w for w in e.weights if w > 0]


def test_caruana_selection_adds_the_member_that_helps_the_mean():
    classes = np.array([0, 1])
    truth = np.array([0, 0, 1, 1])
    good_a = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.1, 0.9]])  # row 2 wrong
    good_b = np.array([[0.6, 0.4], [0.1, 0.9], [0.1, 0.9], [0.1, 0.9]])  # row 1 wrong
    bad = np.array([[0.1, 0.9], [0.1, 0.9], [0.9, 0.1], [0.9, 0.1]])
    counts = ens.caruana_selection([good_a, good_b, bad], truth,
                                   get_metric("accuracy", "classification"), classes, rounds=4)
    assert sum(counts) == 4 and counts[2] == 0
    assert counts[0] > 0 and counts[1] > 0  # together they get every row right


def test_no_fit_ever_sees_the_test_rows(monkeypatch):
    ds = load_data("sklearn:wine")
    held_out = set(split_test(ds, 0.25, 3)[1].X.index)
    seen: list[set] = []
    fit = Pipeline.fit

    def spy(self, X, y=None, **params):
        seen.append(set(X.index))
        return fit(self, X, y, **params)

    monkeypatch.setattr(Pipeline, "fit", spy)
    for kind in ("voting", "stacking", "selection"):
        before = len(seen)
        tune(ds, model=["knn", "tree"], n_trials=4, test_size=0.25, seed=3, validation=THREE,
             ensemble=kind, ensemble_size=3)
        # 4 trials x 3 folds, the refit of the best, then the ensemble's own fits
        assert len(seen) - before > 4 * 3 + 1
    assert all(rows and not rows & held_out for rows in seen)


def test_regression_voting_is_the_mean_of_its_members():
    result = tune("sklearn:diabetes", model=["knn", "linear"], n_trials=5, validation=THREE,
                  seed=0, ensemble="voting", ensemble_size=3)
    model = result.ensemble.model
    test = split_test(load_data("sklearn:diabetes"), 0.2, 0)[1]
    mean = np.mean([m.predict(test.X) for m in model.estimators_], axis=0)
    assert np.allclose(model.predict(test.X), mean)
    assert set(result.ensemble_test_metrics) == {"rmse", "mae", "r2"}


def test_regression_stacking_and_selection_with_a_holdout_scheme():
    for kind in ("stacking", "selection"):
        result = tune("sklearn:diabetes", model=["knn", "linear"], n_trials=4, seed=0,
                      validation=Validation("holdout"), ensemble=kind, ensemble_size=3)
        assert result.ensemble_test_metrics["r2"] > 0.2


def test_keep_ensemble_saves_the_ensemble_and_best_is_the_default(tmp_path):
    kept = _iris("voting", output_dir=tmp_path / "e", ensemble_keep="ensemble")
    saved = joblib.load(kept.model_path)
    assert type(saved["model"]).__name__ == "VotingClassifier"
    summary = json.loads((tmp_path / "e" / "summary.json").read_text())
    assert summary["ensemble"]["kept"] is True
    assert summary["ensemble"]["test_metrics"] == kept.ensemble_test_metrics
    assert kept.study.user_attrs["ensemble"]["kept"] is True

    best = tune("sklearn:iris", model="knn", n_trials=3, validation=THREE, seed=0,
                ensemble="voting", ensemble_size=2, output_dir=tmp_path / "b")
    assert type(joblib.load(best.model_path)["model"]).__name__ == "Pipeline"


def test_clustering_and_bad_arguments_are_clear_errors(monkeypatch):
    monkeypatch.setattr(runner, "create_study", lambda *a, **k: pytest.fail("checked first"))
    with pytest.raises(UserError, match="not supported for clustering"):
        tune("sklearn:make_blobs", model="kmeans", n_trials=2, ensemble="voting")
    with pytest.raises(UserError, match="ensemble: 'bagging'"):
        tune("sklearn:iris", model="knn", ensemble="bagging")
    with pytest.raises(UserError, match="ensemble_size"):
        tune("sklearn:iris", model="knn", ensemble="voting", ensemble_size=0)
    with pytest.raises(UserError, match="ensemble_keep"):
        tune("sklearn:iris", model="knn", ensemble_keep="ensemble")


def test_the_config_section_is_validated_and_passed_on(monkeypatch):
    base = {"data": {"source": "sklearn:iris"}}
    with pytest.raises(ConfigError) as err:
        parse_config({**base, "ensemble": {"kind": "bagging", "size": 0, "extra": 1}})
    paths = [path for path, _ in err.value.problems]
    assert paths == ["ensemble.kind", "ensemble.size", "ensemble.extra"]
    assert "allowed: kind, size, keep" in str(err.value)
    with pytest.raises(ConfigError, match="ensemble.keep"):
        parse_config({**base, "ensemble": {"kind": "voting", "keep": "all"}})
    with pytest.raises(ConfigError, match="ensemble: ensembles are not supported"):
        parse_config({"data": {"source": "sklearn:make_blobs"}, "ensemble": "voting"})

    cfg = parse_config({**base, "ensemble": {"kind": "stacking", "size": 3, "keep": "ensemble"}})
    got = {}
    monkeypatch.setattr(runner, "tune", lambda *a, **k: got.update(k))
    run_config(cfg, progress=False)
    assert (got["ensemble"], got["ensemble_size"], got["ensemble_keep"]) == ("stacking", 3,
                                                                             "ensemble")
    assert parse_config(base).ensemble is None

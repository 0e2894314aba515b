"""The cycle config (``tunecycle.cycle.config``): a valid config round-trips, and each kind of
mistake is reported with its field path before anything is stored."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import tunecycle as tc
from tunecycle.cycle.config import (
    ConfigError,
    CycleConfig,
    load_config,
    parse_config,
    run_config,
)
from tunecycle.errors import UserError

VALID = {
    "study": {"name": "iris-knn", "n_trials": 3, "seed": 1, "sampler": "random"},
    "data": {"source": "sklearn:iris"},
    "split": {"test_size": 0.25, "validation": {"kind": "holdout", "ratio": 0.3}},
    "metric": "accuracy",
    "models": {"knn": {"n_neighbors": {"type": "int", "low": 1, "high": 10}, "p": None}},
    "output": {"dir": "model"},
}


def write(tmp_path: Path, doc: dict | str, name: str = "cfg.yaml") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    return path


def with_(**changes) -> dict:
    """VALID with sections replaced (``study={...}``) or merged (``study__n_trials=0``)."""
    doc = yaml.safe_load(yaml.safe_dump(VALID))
    for key, value in changes.items():
        section, _, field = key.partition("__")
        if field:
            doc[section][field] = value
        else:
            doc[section] = value
    return doc


def problem(doc: dict) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(doc)
    assert isinstance(info.value, UserError)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_valid_config_round_trips(tmp_path):
    cfg = load_config(write(tmp_path, VALID))
    assert cfg.study.n_trials == 3 and cfg.split.validation.kind == "holdout"
    assert cfg.models == {"knn": {"n_neighbors": {"type": "int", "low": 1, "high": 10},
                                  "p": None}}
    again = load_config(write(tmp_path, cfg.model_dump(), "again.yaml"))
    assert again == cfg
    assert CycleConfig.model_validate(cfg.model_dump()) == cfg


def test_models_as_a_list_and_defaults():
    cfg = parse_config({"data": {"source": "sklearn:wine"}, "models": ["svm", "knn"]})
    assert cfg.models == {"svm": {}, "knn": {}}
    assert cfg.study.n_trials == 30 and cfg.split.test_size == 0.2 and cfg.output.dir is None


def test_unknown_key_names_its_path():
    msg = problem(with_(study__n_trails=5))
    assert "study.n_trails: unknown key" in msg and "n_trials" in msg
    assert "colour: unknown key" in problem({**VALID, "colour": "red"})


@pytest.mark.parametrize("value", [0, -3, 2.5, "many", True])
def test_bad_n_trials(value):
    assert "study.n_trials: must be a positive integer" in problem(with_(study__n_trials=value))


@pytest.mark.parametrize("value", [0, 1, 1.5, "half"])
def test_bad_test_size(value):
    assert "split.test_size: must be a number strictly between 0 and 1" in problem(
        with_(split__test_size=value))


def test_bad_validation_scheme():
    msg = problem(with_(split={"validation": {"kind": "kfold", "folds": 1}}))
    assert "split.validation.folds:" in msg
    msg = problem(with_(split={"validation": {"kind": "holdout", "folds": 3}}))
    assert "split.validation.folds: is used only with kind: kfold" in msg


def test_unknown_family():
    msg = problem(with_(models=["knn", "svn"]))
    assert "models.svn: unknown model family 'svn'" in msg


def test_family_not_for_the_task():
    assert "models.kmeans:" in problem(with_(models=["kmeans"]))


def test_unknown_override_param():
    msg = problem(with_(models={"svm": {"c": {"type": "float", "low": 0.1, "high": 10}}}))
    assert "models.svm.c:" in msg and "no parameter 'c'" in msg


@pytest.mark.parametrize("spec", [
    {"type": "float", "low": 10, "high": 0.1},
    {"type": "float", "low": 0, "high": 1, "log": True},
    {"type": "flaot", "low": 0.1, "high": 1},
    {"type": "float", "low": 0.1},
    [],
])
def test_bad_spec_in_override(spec):
    assert "models.svm.C:" in problem(with_(models={"svm": {"C": spec}}))


def test_several_mistakes_are_reported_together():
    msg = problem(with_(study__n_trials=0, split__test_size=2, models={"nope": None}))
    for path in ("study.n_trials:", "split.test_size:"):
        assert path in msg
    assert msg.count("; ") >= 1


def test_metric_not_for_the_task():
    msg = problem(with_(metric="rmse"))
    assert msg.startswith("metric: 'rmse' is not a classification metric")
    assert "metric: unknown metric 'acc'" in problem(
        with_(data={"source": "train.csv", "target": "y"}, metric="acc"))


def test_missing_data_file(tmp_path):
    missing = tmp_path / "nope.csv"
    msg = problem(with_(data={"source": str(missing), "target": "y"}))
    assert msg.startswith("data.source: file not found") and "nope.csv" in msg


def test_data_file_target_checked_from_the_header(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a,b,label\n1,2,x\n3,4,y\n")
    assert "data.target: no column 'y'" in problem(with_(data={"source": str(data),
                                                              "target": "y"}))
    assert parse_config(with_(data={"source": str(data), "target": "label"})).data.target


def test_unknown_sampler_and_storage():
    msg = problem(with_(study={"sampler": "bayes", "storage": "redis://x"}))
    assert "study.sampler: unknown sampler 'bayes'" in msg and "study.storage:" in msg


def test_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(write(tmp_path, "study: [\n"))
    with pytest.raises(ConfigError, match="'study' is given twice"):
        load_config(write(tmp_path, "data: {source: 'sklearn:iris'}\nstudy: {}\nstudy: {}\n"))
    with pytest.raises(ConfigError, match="data: is required"):
        load_config(write(tmp_path, "study: {n_trials: 3}\n"))
    with pytest.raises(ConfigError, match="empty"):
        load_config(write(tmp_path, ""))


def test_nothing_is_stored_for_an_invalid_config(tmp_path):
    db = tmp_path / "tuning.db"
    path = write(tmp_path, with_(study={"name": "s", "storage": f"sqlite:///{db}",
                                         "n_trials": 2}, metric="r2"))
    with pytest.raises(ConfigError, match="metric:"):
        load_config(path)
    assert not db.exists()
    # a config built in code is checked again by run_config before tune starts anything
    cfg = CycleConfig.model_validate(with_(study={"name": "s", "storage": f"sqlite:///{db}",
                                                  "n_trials": 2}, metric="r2"))
    with pytest.raises(ConfigError, match="metric:"):
        run_config(cfg, progress=False)
    assert not db.exists()


def test_run_config_runs_and_continues(tmp_path):
    url = f"sqlite:///{tmp_path}/t.db"
    doc = with_(study={"name": "iris-knn", "storage": url, "n_trials": 3, "seed": 0},
                output={"dir": str(tmp_path / "model")})
    result = run_config(parse_config(doc), progress=False)
    assert len(result.study.trials) == 3 and "accuracy" in result.test_metrics
    assert result.model_path is not None and result.model_path.exists()
    doc["study"]["n_trials"] = 4
    run_config(parse_config(doc), progress=False)
    assert len(tc.load_study("iris-knn", url).trials) == 4


def test_a_tuned_holdout_ratio_in_the_config(tmp_path):
    from tunecycle.cycle.config import parse_config, run_config

    cfg = parse_config({
        "study": {"n_trials": 4, "seed": 0},
        "data": {"source": "sklearn:iris"},
        "split": {"validation": {"kind": "holdout",
                                 "ratio": {"type": "float", "low": 0.2, "high": 0.4}}},
        "models": ["knn"],
    })
    result = run_config(cfg, progress=False)
    assert all(0.2 <= t.params["validation_ratio"] <= 0.4 for t in result.study.trials)
    with pytest.raises(ValueError, match="split.validation.ratio"):
        parse_config({"data": {"source": "sklearn:iris"}, "models": ["knn"],
                      "split": {"validation": {"kind": "holdout",
                                               "ratio": {"type": "float", "low": 0.5,
                                                         "high": 1.5}}}})


# -- tracking: experiment trackers ---------------------------------------------------------------


def test_tracking_section_parses_and_defaults(tmp_path):
    cfg = parse_config(with_(tracking={
        "mlflow": {"tracking_uri": f"sqlite:///{tmp_path}/m.db", "experiment": "iris",
                   "nest_trials": True, "tags": {"team": "ml"}},
        "tensorboard": {"log_dir": str(tmp_path / "tb")},
        "wandb": {"project": "p", "mode": "offline"},
    }))
    assert cfg.tracking.mlflow.experiment == "iris" and cfg.tracking.mlflow.nest_trials
    assert cfg.tracking.tensorboard.log_dir == str(tmp_path / "tb")
    assert cfg.tracking.wandb.mode == "offline" and cfg.tracking.wandb.entity is None
    assert parse_config(VALID).tracking.mlflow is None


def test_tracking_mistakes_name_their_paths(tmp_path):
    (tmp_path / "afile").write_text("")
    text = problem(with_(tracking={
        "mlflow": {"tracking_uri": "sqlite:///no/such/dir/m.db", "experimnt": "x"},
        "wandb": {"project": "p", "mode": "sometimes"},
        "comet": {},
    }))
    assert "tracking.mlflow.experimnt: unknown key; allowed: tracking_uri, experiment" in text
    assert "tracking.wandb.mode: " in text and "'offline'" in text
    assert "tracking.comet: unknown key; allowed: mlflow, tensorboard, wandb" in text
    text = problem(with_(tracking={
        "mlflow": {"tracking_uri": "sqlite:///no/such/dir/m.db"},
        "tensorboard": {"log_dir": str(tmp_path / "afile")},
    }))
    assert ("tracking.mlflow.tracking_uri: the directory 'no/such/dir' of the SQLite file "
            "does not exist") in text
    assert "tracking.tensorboard.log_dir: " in text and "is a file; name a directory" in text
    assert "tracking.wandb.project: is required" in problem(with_(tracking={"wandb": {}}))


@pytest.mark.parametrize("tracker", ["mlflow", "tensorboard", "wandb"])
def test_a_tracker_whose_library_is_missing_names_the_extra(tracker, monkeypatch, tmp_path):
    monkeypatch.setitem(__import__("sys").modules, tracker, None)  # as if not installed
    section = {"mlflow": {}, "tensorboard": {"log_dir": "tb"}, "wandb": {"project": "p"}}
    text = problem(with_(tracking={tracker: section[tracker]}))
    assert text == f"tracking.{tracker}: {tracker} is not installed: pip install " \
                   f"'tunecycle[{tracker}]'"


def test_warm_start_in_the_config_informs_the_second_run(tmp_path):
    url = f"sqlite:///{tmp_path}/t.db"
    first = with_(study={"name": "v1", "storage": url, "n_trials": 3, "seed": 0,
                         "sampler": "tpe"}, output={"dir": None})
    run_config(parse_config(first), progress=False)
    second = with_(study={"name": "v2", "storage": url, "n_trials": 2, "seed": 1,
                          "sampler": "tpe", "warm_start": f"{url}::v1"}, output={"dir": None})
    cfg = parse_config(second)
    assert cfg.study.warm_start == [f"{url}::v1"]
    result = run_config(cfg, progress=False)
    assert len(result.study.trials) == 2  # the first run's trials are not the second's
    assert len(result.study.prior) == 3
    assert tc.load_study("v2", url).system_attrs["warm_start"]["sources"][0]["study"] == "v1"


def test_warm_start_mistakes_name_their_paths(tmp_path):
    doc = with_(study={"warm_start": ["", "nosuchscheme://x::a", "ok"]},
                objectives=["accuracy", "latency_ms"])
    with pytest.raises(ConfigError) as err:
        parse_config(doc)
    text = str(err.value)
    assert "study.warm_start: only a study of one objective" in text
    assert "study.warm_start.0: '' names no study" in text
    assert "study.warm_start.1:" in text and "study.warm_start.2" not in text


@pytest.mark.parametrize("value, seconds", [("10m", 600.0), ("1h30m", 5400.0), (90, 90.0),
                                            ("45s", 45.0)])
def test_time_budget_parses_to_seconds(value, seconds):
    assert parse_config(with_(study__time_budget=value)).study.time_budget == seconds


@pytest.mark.parametrize("value", [0, -1, "ten", "10x", True, [1]])
def test_bad_time_budget_names_its_path(value):
    assert "study.time_budget: must be a positive number of seconds or a duration" in problem(
        with_(study__time_budget=value))


def test_a_time_budget_in_the_config_runs_the_cycle_within_it(tmp_path):
    doc = with_(study={"name": "iris-budget", "seed": 0, "sampler": "random",
                       "time_budget": "5s"}, output={"dir": str(tmp_path / "model")})
    result = run_config(parse_config(doc), progress=False)
    assert result.time_budget == 5.0 and result.time_used <= 5.0 + 3.0
    assert len(result.study.trials) > 3  # no n_trials: the budget, not 30 trials, ends it

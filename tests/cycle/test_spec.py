"""TuneSpec: every option of a tuning cycle declared, defaulted and checked once, with the field
at fault as data, from tc.tune, search_only and a YAML config alike."""

from __future__ import annotations

from dataclasses import fields

import pytest

import tunecycle as tc
from tunecycle.cycle.config import ConfigError, CycleConfig, config_spec, parse_config
from tunecycle.cycle.runner import search_only
from tunecycle.cycle.spec import CONFIG_PATHS, DEFAULT_TRIALS, TuneSpec, field_problem
from tunecycle.cycle.splits import Validation
from tunecycle.errors import UserError

# option -> a bad value (with the options it needs to be judged)
BAD = {
    "model": (5, {}),
    "target": ("species", {}),  # sklearn:iris brings its own target
    "task": ("ranking", {}),
    "metric": (3, {}),
    "n_trials": (0, {}),
    "timeout": (-1, {}),
    "time_budget": ("soon", {}),
    "test_size": (2.0, {}),
    "validation": ("kfold", {}),
    "validation_ratio": (0.3, {}),
    "space": (3, {}),
    "sampler": ("bayes", {}),
    "pruner": ("sometimes", {}),
    "storage": ("mysql://db/x", {}),
    "study_name": ("", {}),
    "seed": (-1, {}),
    "output_dir": (3, {}),
    "progress": ("yes", {}),
    "ensemble": ("bagging", {}),
    "ensemble_size": (0, {"ensemble": "voting"}),
    "ensemble_keep": ("both", {"ensemble": "voting"}),
    "n_jobs": (0, {}),
    "backend": ("threads", {}),
    "trial_timeout": (0, {}),
    "max_retries": (-1, {}),
    "resources_per_trial": ({"gpu": -1}, {"backend": "ray"}),
    "max_consecutive_failures": (-2, {}),
    "callbacks": (3, {}),
    "objectives": ("accuracy", {}),
    "constraints": (3, {}),
    "select": (3, {}),
    "front_size": (0, {}),
    "warm_start": (3, {}),
}


def test_every_option_but_the_data_has_a_bad_value_here():
    assert set(BAD) == {f.name for f in fields(TuneSpec)} - {"data"}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_option_of_tune_raises_a_user_error_naming_it_as_data(name):
    value, needs = BAD[name]
    options = {"model": "knn", "n_trials": 1, "progress": False, **needs, name: value}
    with pytest.raises(UserError) as info:
        tc.tune("sklearn:iris", **options)
    assert info.value.field == name
    assert str(info.value) == f"{name}: {info.value.problem}"


def test_search_only_checks_its_options_by_the_same_spec():
    with pytest.raises(UserError) as info:
        search_only("sklearn:iris", model="knn", n_jobs=0)
    assert info.value.field == "n_jobs"
    assert info.value.problem == "must be a positive integer or -1, got 0"


def test_resources_per_trial_need_the_ray_backend():
    with pytest.raises(UserError) as info:
        TuneSpec("sklearn:iris", resources_per_trial={"gpu": 0.5})
    assert info.value.field == "resources_per_trial"
    assert "backend='ray'" in info.value.problem
    assert TuneSpec("sklearn:iris", backend="ray",
                    resources_per_trial={"gpu": 0.5}).resources_per_trial == {"gpu": 0.5}


def test_the_trial_limit_defaults_to_30_and_to_none_with_a_time_budget():
    assert TuneSpec("sklearn:iris").trial_limit == DEFAULT_TRIALS == 30
    assert TuneSpec("sklearn:iris", time_budget="1m").trial_limit is None
    assert TuneSpec("sklearn:iris", time_budget="1m", n_trials=4).trial_limit == 4
    assert TuneSpec("sklearn:iris", time_budget="1m30s").time_budget == 90.0


# config field -> (a bad value, where it goes in the YAML document)
CONFIG_BAD = {
    "n_trials": ({"study": {"n_trials": 0}}, "study.n_trials"),
    "n_jobs": ({"study": {"n_jobs": 0}}, "study.n_jobs"),
    "seed": ({"study": {"seed": -1}}, "study.seed"),
    "timeout": ({"study": {"timeout": -5}}, "study.timeout"),
    "trial_timeout": ({"study": {"trial_timeout": 0}}, "study.trial_timeout"),
    "max_retries": ({"study": {"max_retries": -1}}, "study.max_retries"),
    "max_consecutive_failures": ({"study": {"max_consecutive_failures": -1}},
                                 "study.max_consecutive_failures"),
    "sampler": ({"study": {"sampler": "bayes"}}, "study.sampler"),
    "pruner": ({"study": {"pruner": "sometimes"}}, "study.pruner"),
    "storage": ({"study": {"storage": "mysql://db/x"}}, "study.storage"),
    "test_size": ({"split": {"test_size": 2.0}}, "split.test_size"),
    "front_size": ({"front_size": 0}, "front_size"),
    "resources_per_trial": ({"study": {"backend": "ray", "resources_per_trial": {"gpu": -1}}},
                            "study.resources_per_trial"),
}


@pytest.mark.parametrize("name", sorted(CONFIG_BAD))
def test_a_config_reports_the_spec_check_under_its_config_path(name):
    doc, path = CONFIG_BAD[name]
    assert CONFIG_PATHS[name] == path
    with pytest.raises(ConfigError) as info:
        parse_config({"data": {"source": "sklearn:iris"}, **doc})
    problems = dict(info.value.problems)
    assert path in problems
    value = doc.get("study", doc.get("split", doc))[name]
    expected = field_problem(name, value)
    if expected is not None:  # the config says what tune says, by the same check
        assert problems[path] == expected


def test_a_spec_error_of_a_config_is_placed_by_its_field_not_its_text():
    cfg = parse_config({"data": {"source": "sklearn:iris"}})
    study = cfg.study.model_copy(update={"n_jobs": 0})  # past the config's own validators
    bad = cfg.model_copy(update={"study": study})
    with pytest.raises(ConfigError) as info:
        config_spec(bad)
    assert info.value.problems == [("study.n_jobs", "must be a positive integer or -1, got 0")]


def test_every_field_but_progress_has_a_config_path():
    assert set(CONFIG_PATHS) == {f.name for f in fields(TuneSpec)} - {"progress"}
    top = set(CycleConfig.model_fields)
    assert all(path.split(".")[0] in top for path in CONFIG_PATHS.values())


def test_a_config_builds_the_spec_tune_builds_from_the_same_options():
    cfg = parse_config({
        "data": {"source": "sklearn:wine"},
        "study": {"name": "wine-spec", "sampler": "random", "n_trials": 7, "seed": 3,
                  "time_budget": "10m", "n_jobs": 2, "max_retries": 1, "trial_timeout": 30},
        "split": {"test_size": 0.25, "validation": {"kind": "holdout", "ratio": 0.3}},
        "metric": "f1_macro",
        "models": {"knn": {"n_neighbors": [3, 5]}, "svm": None},
        "ensemble": {"kind": "stacking", "size": 3},
        "output": "out",
    })
    expected = TuneSpec(
        "sklearn:wine", model=["knn", "svm"], metric="f1_macro", n_trials=7, seed=3,
        time_budget="10m", study_name="wine-spec", sampler="random", n_jobs=2, max_retries=1,
        trial_timeout=30.0, test_size=0.25, validation=Validation("holdout", ratio=0.3),
        space={"knn": {"n_neighbors": [3, 5]}}, ensemble="stacking", ensemble_size=3,
        output_dir="out", progress=False)
    assert config_spec(cfg, progress=False) == expected
    assert expected.time_budget == 600.0


def test_the_options_of_a_spec_build_it_again():
    spec = TuneSpec("sklearn:iris", model=["knn"], time_budget="2m", seed=5, n_jobs=-1)
    assert TuneSpec(spec.data, **spec.options()) == spec
    assert "data" not in spec.options()

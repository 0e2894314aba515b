"""``tunecycle.storages``: Optuna's storage names as tunecycle stores, with their settings
(heartbeat, grace period, retries) reaching the studies opened on them."""

from __future__ import annotations

import subprocess
import sys

import pytest

import tunecycle as optuna  # as an Optuna script would spell it
from tunecycle.errors import StorageURLError, UserError
from tunecycle.records import TrialState
from tunecycle.storage.base import current_owner
from tunecycle.storage.sql import SQLStorage
from tunecycle.storages import (
    InMemoryStorage,
    RDBStorage,
    RetryFailedTrialCallback,
    RetryHeartbeatStaleTrialCallback,
    fail_stale_trials,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tc.db'}"
    return request.getfixturevalue("fresh_postgres_url")


def _dead_owner() -> str:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return f"{current_owner().rpartition(':')[0]}:{proc.pid}"


def test_rdb_storage_is_a_tunecycle_store_with_optuna_settings(db_url):
    storage = RDBStorage(
        db_url, heartbeat_interval=5, failed_trial_callback=(RetryFailedTrialCallback(max_retry=2))
    )
    assert isinstance(storage, SQLStorage)
    study = optuna.create_study("s", storage=storage)
    assert (study.heartbeat_interval, study.grace_period, study.max_retries) == (5.0, 10.0, 2)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    again = optuna.load_study("s", storage)
    assert (again.heartbeat_interval, again.grace_period, again.max_retries) == (5.0, 10.0, 2)
    assert len(again.trials) == 3
    # the retry setting was stored with the study: a worker given the URL applies it too
    assert optuna.load_study("s", db_url).max_retries == 2
    storage.close()


def test_a_stale_trial_is_requeued_by_the_retry_callback(tmp_path):
    storage = RDBStorage(
        f"sqlite:///{tmp_path / 'tc.db'}",
        grace_period=30,
        heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(1),
    )
    study = optuna.create_study(storage=storage)
    lost = storage.start_trial(study.study_id, _dead_owner())
    storage.set_params(lost.trial_id, {"x": 0.5}, {"x": optuna.Float(0, 1)})
    fail_stale_trials(study)
    trials = study.trials
    assert [(t.number, t.state) for t in trials] == [
        (0, TrialState.FAILED),
        (1, TrialState.WAITING),
    ]
    assert trials[1].params == {"x": 0.5}
    assert RetryFailedTrialCallback.retried_trial_number(trials[1]) == 0
    assert RetryFailedTrialCallback.retry_history(trials[1]) == [0]
    assert RetryFailedTrialCallback.retried_trial_number(trials[0]) is None


def test_arguments_given_to_create_study_win(tmp_path):
    storage = RDBStorage(
        f"sqlite:///{tmp_path / 'tc.db'}",
        heartbeat_interval=5,
        grace_period=7,
        failed_trial_callback=RetryFailedTrialCallback(2),
    )
    study = optuna.create_study(
        storage=storage, heartbeat_interval=3, grace_period=4, max_retries=1
    )
    assert (study.heartbeat_interval, study.grace_period, study.max_retries) == (3.0, 4.0, 1)
    plain = optuna.create_study(storage=RDBStorage(f"sqlite:///{tmp_path / 'tc.db'}"))
    assert (plain.heartbeat_interval, plain.max_retries) == (10.0, 0)  # tunecycle's defaults


def test_retry_without_a_limit_and_unsupported_options():
    assert RetryFailedTrialCallback().max_retries == 1_000_000
    with pytest.warns(UserWarning, match="inherit_intermediate_values=True is not supported"):
        RetryFailedTrialCallback(3, inherit_intermediate_values=True)
    with pytest.raises(UserError, match="max_retry: expected a non-negative integer"):
        RetryFailedTrialCallback(-1)


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"heartbeat_interval": 0}, "heartbeat_interval: expected a positive number"),
        ({"grace_period": -1}, "grace_period: expected a positive number"),
        (
            {"failed_trial_callback": lambda study, trial: None},
            "failed_trial_callback: tunecycle runs no function of yours",
        ),
        (
            {
                "heartbeat_stale_trial_callback": RetryFailedTrialCallback(1),
                "failed_trial_callback": RetryFailedTrialCallback(1),
            },
            "not both",
        ),
    ],
)
def test_bad_rdb_settings_are_refused_before_the_database_is_touched(tmp_path, kwargs, says):
    with pytest.raises(UserError, match=says):
        RDBStorage(f"sqlite:///{tmp_path / 'tc.db'}", **kwargs)
    assert not (tmp_path / "tc.db").exists()


def test_skip_table_creation_opens_only_an_existing_tunecycle_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'tc.db'}"
    with pytest.raises(StorageURLError, match="no such database file"):
        RDBStorage(url, skip_table_creation=True)
    assert not (tmp_path / "tc.db").exists()
    optuna.create_study("s", storage=url).storage.close()
    assert optuna.load_study("s", RDBStorage(url, skip_table_creation=True))


def test_an_optuna_database_is_refused_with_the_way_over(tmp_path):
    real = pytest.importorskip("optuna")
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    real.create_study(study_name="theirs", storage=url)
    data = (tmp_path / "optuna.db").read_bytes()
    with pytest.raises(StorageURLError, match="holds Optuna's tables.*tunecycle import --from"):
        RDBStorage(url)
    assert (tmp_path / "optuna.db").read_bytes() == data


def test_in_memory_storage_is_tunecycles():
    storage = InMemoryStorage()
    study = optuna.create_study(storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(storage.get_trials(study.study_id)) == 2


@pytest.mark.parametrize(
    "make",
    [
        lambda: optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend("x.log")),
        lambda: optuna.storages.JournalStorage(None),
        lambda: optuna.storages.journal.JournalRedisBackend("redis://localhost"),
        lambda: optuna.storages.JournalFileStorage("x.log"),
    ],
    ids=["file-backend", "journal-storage", "redis", "old-file-storage"],
)
def test_journal_storage_is_refused_with_what_to_use(make, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        UserError,
        match="tunecycle has no journal storage.*sqlite:///.*tunecycle import --from journal:PATH",
    ):
        make()
    assert list(tmp_path.iterdir()) == []


def test_grpc_proxy_is_refused():
    with pytest.raises(UserError, match="no gRPC storage proxy"):
        optuna.storages.GrpcStorageProxy(host="127.0.0.1", port=13000)
    with pytest.raises(UserError, match="no gRPC storage proxy"):
        optuna.storages.run_grpc_proxy_server(InMemoryStorage())


def test_import_tunecycle_stays_light_and_storages_load_on_first_use():
    code = (
        "import sys, tunecycle\n"
        "assert 'sqlalchemy' not in sys.modules and 'tunecycle.storages' not in sys.modules\n"
        "assert tunecycle.storages.RDBStorage.__name__ == 'RDBStorage'\n"
        "assert 'optuna' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)

"""Importing studies from Optuna storages made by Optuna 5 itself: SQLite, a journal file,
PostgreSQL, and the committed ``data/optuna-5.0.0.db``.

Each imported study is compared with what Optuna reads back from its own storage, field by
field (``optuna_studies.assert_imported``); the source is never written; a failed import
leaves the target as it was; the imported study goes on under tunecycle, its sampler reading
the imported history.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tunecycle as tc
from tests.compat.optuna_studies import (
    N_MULTI,
    N_SINGLE,
    assert_imported,
    make_optuna_studies,
    optuna_records,
)
from tunecycle.compat.optuna_db import ImportedStudy, import_optuna_study
from tunecycle.errors import DuplicatedStudyError, StorageURLError, StudyNotFoundError, UserError
from tunecycle.records import TrialState

optuna = pytest.importorskip("optuna")
DATA = Path(__file__).parent / "data"


def _journal(path: Path) -> Any:
    from optuna.storages.journal import JournalFileBackend

    return optuna.storages.JournalStorage(JournalFileBackend(str(path)))


@pytest.fixture(scope="module")
def optuna_files(tmp_path_factory) -> Path:
    """A folder with ``optuna.db`` and ``optuna.log``, made once by Optuna for this module
    (tests copy them: making them takes a while)."""
    folder = tmp_path_factory.mktemp("optuna")
    make_optuna_studies(f"sqlite:///{folder / 'optuna.db'}")
    make_optuna_studies(_journal(folder / "optuna.log"))
    return folder


@pytest.fixture(scope="module")
def optuna_postgres(postgres_db_url) -> Iterator[tuple[str, Any]]:
    make_optuna_studies(postgres_db_url)
    storage = optuna.storages.RDBStorage(postgres_db_url)
    yield postgres_db_url, storage
    storage.engine.dispose()  # before the database is dropped


def _copy(optuna_files: Path, tmp_path: Path, name: str = "optuna.db") -> Path:
    shutil.copy(optuna_files / name, tmp_path / name)
    return tmp_path / name


@pytest.fixture(params=["sqlite", "journal", pytest.param("postgres", marks=pytest.mark.postgres)])
def optuna_source(request, tmp_path, optuna_files) -> tuple[str, Any]:
    """(the URL to import from, the same storage opened by Optuna), with Optuna's studies."""
    if request.param == "sqlite":
        url = f"sqlite:///{_copy(optuna_files, tmp_path)}"
        return url, optuna.storages.RDBStorage(url)
    if request.param == "journal":
        path = _copy(optuna_files, tmp_path, "optuna.log")
        return f"journal:{path}", _journal(path)
    return request.getfixturevalue("optuna_postgres")


def _target(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tunecycle.db'}"


def test_every_study_is_imported_field_by_field(optuna_source, tmp_path):
    url, storage = optuna_source
    records = optuna_records(storage)
    results = import_optuna_study(url, to_storage=_target(tmp_path))
    assert [r.name for r in results] == ["single", "multi"]
    single, multi = results
    assert (single.n_trials, multi.n_trials) == (N_SINGLE, N_MULTI)
    assert dict(single.counts) == {"complete": 7, "pruned": 2, "failed": 4, "waiting": 1}
    assert (single.running_failed, single.not_finite_failed) == (1, 1)
    assert "1 still running in Optuna, imported as failed" in single.describe()
    assert dict(multi.counts) == {"complete": 7, "pruned": 0, "failed": 1, "waiting": 0}
    for result in results:
        assert_imported(tc.load_study(result.name, _target(tmp_path)), records[result.name])


def test_the_source_is_not_written(tmp_path, optuna_files):
    db, log = _copy(optuna_files, tmp_path), _copy(optuna_files, tmp_path, "optuna.log")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    import_optuna_study(f"sqlite:///{db}", "single", _target(tmp_path))
    import_optuna_study(str(log), "multi", _target(tmp_path))  # a plain path: a journal
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name in before}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("tunecycle")) == [
        "optuna.db",
        "optuna.log",
    ]


def test_the_committed_optuna_5_database_imports_as_recorded(tmp_path):
    """The database made by Optuna 5.0.0 (``data/make_optuna_db.py``), against the JSON that
    recorded what it held: a test of the format even once Optuna itself moves on."""
    doc = json.loads((DATA / "optuna-5.0.0.json").read_text())
    db = tmp_path / "optuna-5.0.0.db"
    shutil.copy(DATA / "optuna-5.0.0.db", db)
    results = import_optuna_study(str(db), to_storage=_target(tmp_path))  # a plain path: SQLite
    assert {r.name for r in results} == set(doc["studies"]) == {"single", "multi"}
    for name, rec in doc["studies"].items():
        assert_imported(tc.load_study(name, _target(tmp_path)), rec)
    assert (DATA / "optuna-5.0.0.db").read_bytes() == db.read_bytes()


def test_an_imported_study_goes_on_from_its_history(tmp_path):
    """Optuna tried 4 of 6 choices; tunecycle's grid sampler, which walks the grid in order
    skipping what the history holds (0 and 1 first, without one), proposes the other 2."""
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    grid = optuna.samplers.GridSampler({"c": [0, 1, 2, 3]}, seed=0)
    study = optuna.create_study(study_name="grid", storage=url, sampler=grid, direction="maximize")
    study.optimize(lambda t: float(t.suggest_categorical("c", [0, 1, 2, 3, 4, 5])), n_trials=4)
    import_optuna_study(url, "grid", _target(tmp_path))

    ours = tc.load_study("grid", _target(tmp_path), sampler="grid")
    assert ours.best_value == 3.0 and ours.best_params == {"c": 3}
    ours.optimize(lambda t: float(t.params["c"]), n_trials=2, space={"c": [0, 1, 2, 3, 4, 5]})
    new = ours.trials[4:]
    assert [t.number for t in new] == [4, 5]
    assert sorted(t.params["c"] for t in new) == [4, 5]
    assert ours.best_params == {"c": 5}


def test_a_multi_objective_import_goes_on(tmp_path, optuna_files):
    url = f"sqlite:///{_copy(optuna_files, tmp_path)}"
    import_optuna_study(url, ["multi"], _target(tmp_path), "mo")
    ours = tc.load_study("mo", _target(tmp_path))
    front = {t.number for t in ours.best_trials}
    assert front and front <= {t.number for t in ours.trials if t.state is TrialState.COMPLETE}
    ours.optimize(
        lambda t: (
            t.suggest_float("x", 0, 5) ** 2,
            (5 - t.params["x"]) ** 2 + (t.suggest_categorical("k", ["a", "b"]) == "b"),
        ),
        n_trials=3,
    )
    assert [t.number for t in ours.trials] == list(range(N_MULTI + 3))
    assert ours.metric_names == ["loss", "gain"]


# -- names in the target --------------------------------------------------------------------------
@pytest.fixture
def optuna_db(tmp_path, optuna_files) -> str:
    """The URL of a copy of the module's Optuna SQLite database, in this test's folder."""
    return f"sqlite:///{_copy(optuna_files, tmp_path)}"


def test_a_name_taken_in_the_target_is_refused_skipped_or_renamed(tmp_path, optuna_db):
    url, target = optuna_db, _target(tmp_path)
    tc.create_study("single", storage=target).optimize(
        lambda t: t.suggest_float("x", 0, 1), n_trials=2
    )
    with pytest.raises(DuplicatedStudyError, match="already holds a study named 'single'"):
        import_optuna_study(url, to_storage=target)
    # nothing was written, not even the study whose name was free
    assert [s.info.name for s in tc.list_studies(target)] == ["single"]
    assert len(tc.load_study("single", target).trials) == 2

    skipped = import_optuna_study(url, to_storage=target, if_exists="skip")
    assert [(r.name, r.skipped) for r in skipped] == [("single", True), ("multi", False)]
    assert skipped[0].describe().startswith("skipped 'single'")
    assert len(tc.load_study("single", target).trials) == 2

    renamed = import_optuna_study(url, "single", target, if_exists="rename")
    again = import_optuna_study(url, "single", target, if_exists="rename")
    assert [renamed[0].name, again[0].name] == ["single-2", "single-3"]
    assert "as 'single-2'" in renamed[0].describe()
    assert len(tc.load_study("single-3", target).trials) == N_SINGLE


def test_a_failed_import_leaves_no_partial_study(tmp_path, monkeypatch, optuna_db):
    url, target = optuna_db, _target(tmp_path)
    from tunecycle.storage.sql import SQLStorage

    real = SQLStorage.add_trial
    calls = []

    def flaky(self, study_id, trial):
        calls.append(trial.number)
        if len(calls) == N_SINGLE + 3:  # in the middle of the second study
            raise OSError("disk full")
        return real(self, study_id, trial)

    monkeypatch.setattr(SQLStorage, "add_trial", flaky)
    with pytest.raises(OSError, match="disk full"):
        import_optuna_study(url, to_storage=target)
    assert not (tmp_path / "tunecycle.db").exists()  # the file it made is gone too

    tc.create_study("mine", storage=target)  # an existing target keeps what it had
    calls.clear()
    with pytest.raises(OSError, match="disk full"):
        import_optuna_study(url, to_storage=target)
    assert [s.info.name for s in tc.list_studies(target)] == ["mine"]


# -- bad input: a clear UserError, nothing written ------------------------------------------------
@pytest.mark.parametrize(
    ("given", "error", "says"),
    [
        (
            {"from_url": "{db}", "study_name": "nope"},
            StudyNotFoundError,
            "study_name: no study named 'nope' in sqlite:///",
        ),
        ({"from_url": "sqlite:///{dir}/missing.db"}, UserError, "from_url: no such file"),
        ({"from_url": "journal:{dir}/missing.log"}, UserError, "from_url: no such file"),
        ({"from_url": "{dir}/missing.log"}, UserError, "from_url: no such file"),
        (
            {"from_url": "mysql://u@127.0.0.1/db"},
            UserError,
            "from_url: 'mysql://u@127.0.0.1/db' is not a supported URL",
        ),
        ({"from_url": "memory://"}, UserError, "from_url: memory:// is not an Optuna storage"),
        (
            {"from_url": "{db}", "study_name": ["single", "multi"], "to_name": "both"},
            UserError,
            "to_name: names one study, but 2",
        ),
        (
            {"from_url": "{db}", "if_exists": "ask"},
            UserError,
            "if_exists: expected one of ['error', 'skip', 'rename'], got 'ask'",
        ),
        (
            {"from_url": "{db}", "to_storage": None},
            UserError,
            "to_storage: give the tunecycle storage",
        ),
        ({"from_url": "{db}", "study_name": []}, UserError, "study_name: expected"),
        ({"from_url": "{db}", "to_name": ""}, UserError, "name: a study name must be"),
    ],
    ids=[
        "unknown-study",
        "missing-sqlite",
        "missing-journal",
        "missing-path",
        "mysql",
        "memory",
        "to-name-of-two",
        "if-exists",
        "no-target",
        "no-names",
        "empty-to-name",
    ],
)
def test_bad_input_is_one_clear_error(tmp_path, optuna_db, given, error, says):
    db = optuna_db
    kwargs = {"to_storage": _target(tmp_path), **given}
    kwargs["from_url"] = kwargs["from_url"].format(db=db, dir=tmp_path)
    with pytest.raises(error) as info:
        import_optuna_study(**kwargs)
    assert says in str(info.value)
    assert not (tmp_path / "tunecycle.db").exists()


def test_databases_that_hold_no_optuna_studies_are_refused(tmp_path):
    import sqlite3

    ours = f"sqlite:///{tmp_path / 'ours.db'}"
    tc.create_study("x", storage=ours).storage.close()
    with pytest.raises(UserError, match="is a tunecycle storage, not an Optuna one"):
        import_optuna_study(ours, to_storage=_target(tmp_path))
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    conn.close()
    data = other.read_bytes()
    with pytest.raises(UserError, match="holds no Optuna studies"):
        import_optuna_study(str(other), to_storage=_target(tmp_path))
    assert other.read_bytes() == data
    garbage = tmp_path / "notes.txt"
    garbage.write_text("not a journal\n")
    with pytest.raises(UserError, match="from_url: "):
        import_optuna_study(str(garbage), to_storage=_target(tmp_path))
    assert not (tmp_path / "tunecycle.db").exists()


def test_without_optuna_the_error_says_how_to_install_it(tmp_path, monkeypatch, optuna_db):
    url = optuna_db
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(UserError, match="needs Optuna itself.*pip install optuna"):
        import_optuna_study(url, to_storage=_target(tmp_path))


# -- an Optuna database given where a tunecycle storage is expected -------------------------------
def test_an_optuna_database_is_not_used_as_a_tunecycle_storage(tmp_path, optuna_db):
    url = optuna_db
    data = (tmp_path / "optuna.db").read_bytes()
    with pytest.raises(StorageURLError, match="holds Optuna's tables.*tunecycle import"):
        tc.create_study("single", storage=url, load_if_exists=True)
    with pytest.raises(StorageURLError, match="no tunecycle tables; it holds Optuna's"):
        tc.load_study("single", url)
    assert (tmp_path / "optuna.db").read_bytes() == data
    # asked for explicitly, tunecycle's tables go beside Optuna's, which stay readable
    from tunecycle.storage.sql import SQLStorage

    SQLStorage.upgrade_url(url)
    assert tc.create_study("ours", storage=url).name == "ours"
    assert {s.study_name for s in optuna.get_all_study_summaries(url)} == {"single", "multi"}


def test_imported_study_result_is_a_record():
    r = ImportedStudy("a", "a", 3, {"complete": 3})
    with pytest.raises(AttributeError):
        r.name = "b"  # type: ignore[misc]
    assert r.describe() == "imported 'a': 3 trials (3 complete)"

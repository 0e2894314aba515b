"""Bad input to the ``tunecycle`` command, as a table: each case exits 2 with exactly one line on
stderr naming the field or option and the problem, no traceback, and leaves the database as it
was (the same studies, trials and attributes, the SQLite file's bytes unchanged, no new file).

The cases run in-process through ``main(argv)``; ``test_a_real_process_prints_no_traceback``
runs some of them as real ``python -m tunecycle`` processes."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import tunecycle as tc
from tunecycle.cli.main import main
from tunecycle.errors import UserError
from tunecycle.records import Direction
from tunecycle.storage import get_storage
from tunecycle.storage.base import MAX_STUDY_NAME

SRC = str(Path(__file__).resolve().parents[2] / "src")
LONG = "n" * 600
TOO_LONG = f"a study name is at most {MAX_STUDY_NAME} characters, got 600"
#: the README's config ("The same from a config file"); each case below spoils one field
README_CONFIG: dict[str, Any] = {
    "study": {"name": "iris-knn", "sampler": "auto", "n_trials": 30, "seed": 0},
    "data": {"source": "sklearn:iris"},
    "split": {"test_size": 0.2, "validation": {"kind": "kfold", "folds": 5}},
    "metric": "accuracy",
    "models": {
        "knn": {"n_neighbors": {"type": "int", "low": 1, "high": 20}, "p": None},
        "svm": {"C": {"type": "float", "low": 0.1, "high": 10, "log": True},
                "kernel": ["rbf", "linear"]},
    },
}


@dataclass(frozen=True)
class Where:
    """What a case's command line may name: the test's SQLite database and its folder."""

    url: str
    dir: Path

    def config(self, spoil: Callable[[dict[str, Any]], None]) -> str:
        """The README's config on this database, with one mistake, written to a file."""
        doc = copy.deepcopy(README_CONFIG)
        doc["study"]["storage"] = self.url
        doc["output"] = {"dir": str(self.dir / "model")}
        spoil(doc)
        path = self.dir / "tuning.yaml"
        path.write_text(yaml.safe_dump(doc))
        return str(path)

    @property
    def typo(self) -> str:
        return f"sqlite:///{self.dir / 'typo.db'}"


@dataclass(frozen=True)
class Case:
    id: str
    argv: Callable[[Where], list[str]]
    says: tuple[str, ...]  # each is in the one line on stderr


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def spoil(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = doc
        for key in parents:
            node = node[key]
        node[last] = value

    return spoil


OBJECTIVE = ["--objective", "tests.execution.objectives:fast", "--n-trials", "1"]
READ_ONLY = {  # every command that only reads (or deletes), on a database that is not there
    "studies": lambda w: ["studies", "--storage", w.typo],
    "trials": lambda w: ["trials", "alpha", "--storage", w.typo],
    "best": lambda w: ["best", "alpha", "--storage", w.typo],
    "export": lambda w: ["export", "alpha", "--storage", w.typo, "-o", str(w.dir / "t.csv")],
    "plot": lambda w: ["plot", "history", "alpha", "--storage", w.typo,
                       "-o", str(w.dir / "h.png")],
    "report": lambda w: ["report", "alpha", "--storage", w.typo, "-o", str(w.dir / "r.html")],
    "delete": lambda w: ["delete", "alpha", "--storage", w.typo],
    "dashboard": lambda w: ["dashboard", "--storage", w.typo, "--port", "0"],
    "worker-objective": lambda w: ["worker", "--study", "alpha", "--storage", w.typo, *OBJECTIVE],
}
CASES = [
    Case("worker-overlong-name",
         lambda w: ["worker", "--study", LONG, "--storage", w.url, *OBJECTIVE],
         ("name:", TOO_LONG)),
    Case("worker-config-overlong-name",
         lambda w: ["worker", "--study", LONG, "--storage", w.url,
                    "--config", w.config(lambda doc: None)],
         ("study.name:", TOO_LONG)),
    Case("trials-overlong-name", lambda w: ["trials", LONG, "--storage", w.url],
         ("name:", TOO_LONG)),
    Case("mysql", lambda w: ["studies", "--storage", "mysql://user@127.0.0.1/db"],
         ("storage:", "'mysql://user@127.0.0.1/db' is not a supported URL", "sqlite:///",
          "postgresql://")),
    Case("mysql-driver", lambda w: ["trials", "alpha", "--storage",
                                    "mysql+pymysql://user:secret@127.0.0.1/db"],
         ("storage:", "not a supported URL", "***")),
    Case("port-not-a-number",
         lambda w: ["studies", "--storage", "postgresql://user@127.0.0.1:fivefourthreetwo/db"],
         ("storage:", "the port 'fivefourthreetwo' is not a number")),
    Case("port-out-of-range", lambda w: ["studies", "--storage", "postgres://u@127.0.0.1:99999/db"],
         ("storage:", "the port must be from 1 to 65535, got 99999")),
    Case("postgres-without-database",
         lambda w: ["studies", "--storage", "postgres://user@127.0.0.1:5432"],
         ("storage:", "names no database")),
    Case("sqlite-two-slashes", lambda w: ["studies", "--storage", "sqlite://host/x.db"],
         ("storage:", "three slashes")),
    *(Case(f"typo-db-{name}", argv, ("storage sqlite:///", "no such database file",
                                     "typo.db"))
      for name, argv in READ_ONLY.items()),
    Case("missing-study-trials", lambda w: ["trials", "nope", "--storage", w.url],
         ("no study named 'nope'",)),
    Case("missing-study-delete", lambda w: ["delete", "nope", "--storage", w.url],
         ("no study named 'nope'",)),
    Case("missing-study-worker", lambda w: ["worker", "--study", "nope", "--storage", w.url,
                                            *OBJECTIVE],
         ("no study named 'nope'",)),
    Case("run-misspelled-field",
         lambda w: ["run", w.config(_set("models.knn", {"neighbours": {
             "type": "int", "low": 1, "high": 20}}))],
         ("models.knn.neighbours:", "no parameter 'neighbours'")),
    Case("run-negative-n-trials", lambda w: ["run", w.config(_set("study.n_trials", -1))],
         ("study.n_trials:", "positive integer, got -1")),
    Case("run-unknown-sampler", lambda w: ["run", w.config(_set("study.sampler", "bayes"))],
         ("study.sampler:", "unknown sampler 'bayes'")),
    Case("run-unknown-metric", lambda w: ["run", w.config(_set("metric", "acuracy"))],
         ("metric:", "'acuracy'")),
    Case("run-unknown-family", lambda w: ["run", w.config(_set("models", ["knm"]))],
         ("models.knm:", "unknown model family 'knm'")),
    Case("run-missing-data-file",
         lambda w: ["run", w.config(_set("data", {"source": str(w.dir / "missing.csv")}))],
         ("data.source:", "missing.csv")),
    Case("run-overlong-name", lambda w: ["run", w.config(_set("study.name", LONG))],
         ("study.name:", TOO_LONG)),
    Case("run-mysql", lambda w: ["run", w.config(_set("study.storage", "mysql://u@h/db"))],
         ("study.storage:", "not a supported URL")),
    Case("run-bad-port", lambda w: ["run", w.config(_set("study.storage", "postgres://u@h:x/db"))],
         ("study.storage:", "the port 'x' is not a number")),
]


def _objective(trial: Any) -> float:
    return trial.suggest_float("x", 0.0, 1.0)


@pytest.fixture
def where(tmp_path: Path) -> Where:
    """A real SQLite file holding a short study, closed (so its file is complete)."""
    url = f"sqlite:///{tmp_path / 'tuning.db'}"
    study = tc.create_study("alpha", storage=url, direction="maximize", seed=0)
    study.optimize(_objective, n_trials=4)
    study.set_user_attr("note", "kept")
    study.storage.close()
    return Where(url, tmp_path)


def _state(w: Where) -> tuple[bytes, list[str], Any]:
    """The database as bytes, the folder's files, and what the store holds."""
    files = sorted(p.name for p in w.dir.iterdir() if not p.name.endswith(("-wal", "-shm")))
    data = (w.dir / "tuning.db").read_bytes()
    store = get_storage(w.url, create=False)
    try:
        held = [
            (s.info.name, s.info.user_attrs, s.info.system_attrs,
             [(t.number, t.state, t.value, dict(t.params), dict(t.user_attrs))
              for t in store.get_trials(s.info.study_id)])
            for s in store.list_studies()
        ]
    finally:
        store.close()
    return data, files, held


def _one_line(err: str, says: tuple[str, ...]) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("tunecycle: error: "), line
    for text in says:
        assert text in line, line
    return line


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_exits_2_with_one_line_and_changes_nothing(case, where, capfd, monkeypatch):
    monkeypatch.delenv("TUNECYCLE_STORAGE", raising=False)
    monkeypatch.chdir(where.dir)
    argv = case.argv(where)  # writes the case's config, which is part of "before"
    before = _state(where)
    assert main(argv) == 2
    out, err = capfd.readouterr()
    _one_line(err, case.says)
    assert "Traceback" not in out + err
    assert _state(where) == before
    assert not Path(where.typo[len("sqlite:///"):]).exists()


@pytest.mark.parametrize("argv", [
    lambda w: ["trials", "alpha", "--storage", w.typo],
    lambda w: ["studies", "--storage", "mysql://user@127.0.0.1/db"],
    lambda w: ["worker", "--study", LONG, "--storage", w.url, "--config",
               w.config(lambda doc: None)],
], ids=["typo-db", "mysql", "overlong-name"])
def test_a_real_process_prints_no_traceback(argv, where):
    args = argv(where)
    before = _state(where)
    proc = subprocess.run(
        [sys.executable, "-m", "tunecycle", *args], capture_output=True, text=True, timeout=240,
        cwd=where.dir, env={**os.environ, "PYTHONPATH": SRC, "TUNECYCLE_STORAGE": ""},
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    line = _one_line(proc.stderr, ())
    assert "typo.db" in line or "mysql" in line or TOO_LONG in line
    assert _state(where) == before
    assert not (where.dir / "typo.db").exists()


def test_a_database_without_tunecycle_tables_is_left_alone(tmp_path, capfd):
    """A SQLite file of some other program: refused by a reader, and not even switched to WAL."""
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.close()
    data = path.read_bytes()
    for argv in (["studies"], ["trials", "alpha"], ["delete", "alpha"]):
        assert main([*argv, "--storage", f"sqlite:///{path}"]) == 2
        _one_line(capfd.readouterr().err, ("no tunecycle tables",))
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


# -- the same limits through the Python API, on every backend -------------------------------------
@pytest.mark.parametrize("length", [MAX_STUDY_NAME, MAX_STUDY_NAME + 1, 600])
def test_study_names_are_limited_the_same_on_every_backend(
    length, storage_url, make_storage, unique_name
):
    name = unique_name()
    name += "x" * (length - len(name))
    store = make_storage(storage_url)
    before = [s.info.name for s in store.list_studies()]
    if length <= MAX_STUDY_NAME:  # the limit itself fits the column of every backend
        study = tc.create_study(name, storage=store)
        assert store.get_study(name).name == name == study.name
        return
    message = f"name: a study name is at most {MAX_STUDY_NAME} characters, got {length}"
    with pytest.raises(UserError) as info:
        tc.create_study(name, storage=storage_url)
    assert str(info.value) == message
    with pytest.raises(UserError) as info:  # the storage itself checks, for any caller
        store.create_study(name, Direction.MINIMIZE)
    assert str(info.value) == message
    assert [s.info.name for s in store.list_studies()] == before


def test_an_overlong_name_creates_no_database_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    with pytest.raises(UserError, match=TOO_LONG):
        tc.create_study(LONG, storage=url)
    assert list(tmp_path.iterdir()) == []


def test_load_list_and_delete_never_create_a_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'typo.db'}"
    for call in (lambda: tc.load_study("x", url), lambda: tc.list_studies(url),
                 lambda: tc.delete_study("x", url)):
        with pytest.raises(UserError, match="no such database file '.*typo.db'"):
            call()
    assert list(tmp_path.iterdir()) == []


# -- PostgreSQL URLs as hosts spell them ----------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.parametrize("scheme", ["postgres://", "postgresql://"])
def test_postgres_urls_are_opened_with_psycopg(scheme, postgres_db_url, unique_name, capsys):
    name = unique_name()
    tc.create_study(name, storage=postgres_db_url).storage.close()
    url = scheme + postgres_db_url.split("://", 1)[1]
    assert main(["studies", "--storage", url]) == 0
    assert name in capsys.readouterr().out
    assert [s.info.name for s in tc.list_studies(url) if s.info.name == name] == [name]


@pytest.mark.postgres
def test_a_postgres_database_that_does_not_exist_is_one_line(postgres_server, capfd):
    url = "postgres://" + postgres_server.split("://", 1)[1].rsplit("/", 1)[0] + "/tc_no_such_db"
    assert main(["studies", "--storage", url]) == 2
    out, err = capfd.readouterr()
    _one_line(err, ("storage", "tc_no_such_db"))
    assert "Traceback" not in out + err

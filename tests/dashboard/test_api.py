"""The dashboard's JSON API and page, served for real on 127.0.0.1 over a SQLite file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from tests.dashboard.helpers import Client, add_trial
from tunecycle.cli.main import main
from tunecycle.dashboard import DashboardServer, open_storage
from tunecycle.errors import StorageURLError
from tunecycle.records import Direction, TrialState


def _db_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def test_studies_summary_page_and_changes(db_url, writer, serve):
    sid = writer.create_study("svm/rbf", Direction.MAXIMIZE).study_id
    writer.create_study("empty", Direction.MINIMIZE)
    add_trial(writer, sid, 0.5, steps=3)
    add_trial(writer, sid, 0.9)
    add_trial(writer, sid, None, TrialState.FAILED)
    add_trial(writer, sid, 0.7, TrialState.PRUNED)
    add_trial(writer, sid, None, TrialState.RUNNING)
    _, client = serve(db_url)

    listed = {s["name"]: s for s in client.get("/api/studies")["studies"]}
    assert set(listed) == {"svm/rbf", "empty"}
    assert listed["svm/rbf"]["n_trials"] == 5 and listed["svm/rbf"]["best_value"] == 0.9
    assert listed["svm/rbf"]["counts"] == {
        "waiting": 0, "running": 1, "complete": 2, "pruned": 1, "failed": 1,
    }
    assert listed["empty"]["n_trials"] == 0 and listed["empty"]["best_value"] is None

    base = "/api/studies/svm%2Frbf"  # a name with a slash travels encoded
    summary = client.get(base + "/summary")
    assert (summary["name"], summary["direction"], summary["n_trials"]) == ("svm/rbf", "maximize", 5)

    page = client.get(base + "/trials?order=desc&limit=2")
    assert page["total"] == 5 and [t["number"] for t in page["trials"]] == [4, 3]
    first = client.get(base + "/trials?limit=1")["trials"][0]
    assert first["params"] == {"x": 0.5, "n": 3}
    assert first["intermediate"] == [[0, 1.5], [1, 1.0], [2, 0.5 + 1 / 3]]
    assert first["duration_s"] >= 0
    by_value = client.get(base + "/trials?sort=value&order=desc")
    assert [t["number"] for t in by_value["trials"]] == [1, 3, 0, 2, 4]
    finished = client.get(base + "/trials?state=complete&state=pruned&sort=value")
    assert [t["number"] for t in finished["trials"]] == [0, 3, 1]
    assert client.get(base + "/trials?state=failed,running")["total"] == 2
    ranged = client.get(base + "/trials?value_min=0.6&value_max=0.8")
    assert [t["number"] for t in ranged["trials"]] == [3]
    failed = client.get(base + "/trials?state=failed")["trials"][0]
    assert failed["fail_reason"] == "boom" and failed["value"] is None

    points = client.get(base + "/points")
    assert points["number"] == [0, 1, 2, 3, 4]
    assert points["state"] == ["complete", "complete", "failed", "pruned", "running"]
    assert points["value"] == [0.5, 0.9, None, 0.7, None]

    nothing = client.get(base + f"/changes?since={points['cursor']}")
    assert (nothing["trials"], nothing["cursor"], nothing["reset"]) == ([], points["cursor"], False)
    add_trial(writer, sid, 0.95)
    writer.enqueue_trial(sid, {"x": 0.1})
    new = client.get(base + f"/changes?since={points['cursor']}")
    assert sorted(t["number"] for t in new["trials"]) == [5, 6]
    assert new["cursor"] > points["cursor"] and not new["more"]
    # the points are kept by the server and brought up to date from the changes
    again = client.get(base + "/points")
    assert again["number"] == list(range(7)) and again["cursor"] == new["cursor"]
    assert again["state"][5:] == ["complete", "waiting"] and again["value"][5:] == [0.95, None]
    assert client.get("/api/studies/empty/points")["number"] == []
    # a study deleted and made again under the same name is read afresh
    writer.delete_study(sid)
    remade = writer.create_study("svm/rbf", Direction.MINIMIZE).study_id
    add_trial(writer, remade, 7.0)
    assert client.get(base + "/points")["value"] == [7.0]
    # a cursor from a study that was deleted and made again: the page must start over
    assert client.get(f"/api/studies/empty/changes?since={new['cursor']}")["reset"] is True


def test_bad_requests_get_one_line_answers(db_url, writer, serve):
    writer.create_study("s", Direction.MINIMIZE)
    _, client = serve(db_url)
    assert "no study named 'missing'" in client.get("/api/studies/missing/summary", 404)["error"]
    assert "no study named" in client.get("/api/studies/missing/changes", 404)["error"]
    for query, field in [
        ("sort=params", "sort"),
        ("order=up", "order"),
        ("limit=0", "limit"),
        ("limit=5000", "limit"),
        ("offset=-3", "offset"),
        ("offset=two", "offset"),
        ("state=done", "state"),
        ("value_min=abc", "value_min"),
        ("value_max=nan", "value_max"),
    ]:
        error = client.get(f"/api/studies/s/trials?{query}", 400)["error"]
        assert error.startswith(field), (query, error)
        assert "\n" not in error
    assert client.get("/api/studies/s/changes?since=x", 400)["error"].startswith("since")


def test_read_only_get_only_and_locked_to_this_server(db_url, writer, serve):
    sid = writer.create_study("s", Direction.MINIMIZE).study_id
    for i in range(3):
        add_trial(writer, sid, float(i), steps=2)
    writer.close()
    path = _db_path(db_url)

    def dump() -> str:
        conn = sqlite3.connect(path)
        try:
            return "\n".join(conn.iterdump())
        finally:
            conn.close()

    before = dump()
    _, client = serve(db_url)
    for path_ in ("/", "/studies/s", "/static/dashboard.js", "/static/dashboard.css",
                  "/api/studies", "/api/studies/s/summary", "/api/studies/s/trials",
                  "/api/studies/s/points", "/api/studies/s/changes?since=0",
                  "/api/studies/s/dataset", "/api/studies/s/trial/0", "/api/studies/s/importance",
                  "/static/vendor/uPlot.iife.min.js", "/static/vendor/uPlot.min.css"):
        code, headers, body = client.raw(path_)
        assert code == 200, path_
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        for path_ in ("/api/studies", "/api/studies/s/trials", "/"):
            assert client.raw(path_, method=method)[0] == 405, (method, path_)
    assert dump() == before  # nothing was written

    # the page loads nothing from elsewhere: every script and stylesheet is served here
    code, _, html = client.raw("/")
    text = html.decode()
    assert 'src="/static/dashboard.js"' in text and 'href="/static/dashboard.css"' in text
    assert 'src="/static/vendor/uPlot.iife.min.js"' in text  # the chart library, vendored
    assert "http://" not in text and "https://" not in text
    assert "://" not in client.raw("/static/dashboard.js")[2].decode()

    # bound to loopback, it answers only requests addressed to a loopback name (DNS rebinding)
    assert client.raw("/api/studies", headers={"Host": "evil.example"})[0] == 400
    assert client.raw("/api/studies", headers={"Host": "localhost"})[0] == 200


def test_opening_never_creates_anything(tmp_path, fresh_sql_url):
    missing = tmp_path / "missing.db"
    with pytest.raises(StorageURLError, match="no such database file"):
        open_storage(f"sqlite:///{missing}")
    assert not missing.exists()
    with pytest.raises(StorageURLError, match="memory:// lives inside one process"):
        open_storage("memory://")
    with pytest.raises(StorageURLError, match="in-memory SQLite"):
        open_storage("sqlite://")
    with pytest.raises(StorageURLError, match="not a supported URL"):
        open_storage("redis://127.0.0.1")
    # an empty database (SQLite file or PostgreSQL) is refused, and stays without tables
    if fresh_sql_url.startswith("sqlite"):
        sqlite3.connect(_db_path(fresh_sql_url)).close()
    with pytest.raises(StorageURLError, match="holds no tunecycle studies"):
        open_storage(fresh_sql_url)
    from sqlalchemy import create_engine, inspect

    engine = create_engine(fresh_sql_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_storage(postgres_db_url, serve, unique_name):
    from tunecycle.storage.sql import SQLStorage

    store = SQLStorage(postgres_db_url)
    try:
        name = unique_name()
        sid = store.create_study(name, Direction.MINIMIZE).study_id
        add_trial(store, sid, 1.5)
        _, client = serve(postgres_db_url)
        cursor = client.get(f"/api/studies/{name}/points")["cursor"]
        add_trial(store, sid, 0.5)
        changed = client.get(f"/api/studies/{name}/changes?since={cursor}")["trials"]
        assert [(t["number"], t["value"]) for t in changed] == [(1, 0.5)]
        assert client.get(f"/api/studies/{name}/summary")["best_value"] == 0.5
    finally:
        store.close()


def test_server_object_stops_and_frees_its_port(db_url, writer):
    writer.create_study("s", Direction.MINIMIZE)
    server = DashboardServer(db_url, port=0).start()
    port = server.port
    assert server.url == f"http://127.0.0.1:{port}/"
    server.stop()
    again = DashboardServer(db_url, port=port)  # the port is free again
    again.stop()


def test_serves_a_storage_object_and_leaves_it_open():
    """In-process use: a study in memory, served while this process writes to it."""
    from tunecycle.storage import InMemoryStorage

    store = InMemoryStorage()
    sid = store.create_study("in-memory", Direction.MINIMIZE).study_id
    with DashboardServer(store, port=0) as server:
        client = Client(server.url)
        cursor = client.get("/api/studies/in-memory/points")["cursor"]
        add_trial(store, sid, 4.0, steps=2)
        changed = client.get(f"/api/studies/in-memory/changes?since={cursor}")["trials"]
        assert [(t["number"], t["value"], len(t["intermediate"])) for t in changed] == [(0, 4.0, 2)]
    assert store.get_study_summary(sid).n_trials == 1  # still open after the server stopped


# -- the command line ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv, message",
    [
        (["dashboard", "--storage", "nosuch://x"], "not a supported URL"),
        (["dashboard", "--storage", "memory://"], "memory:// lives inside one process"),
        (["dashboard", "--storage", "sqlite:////nonexistent-dir/x.db"], "no such database file"),
        (["dashboard", "--storage", "sqlite:///x.db", "--port", "70000"], "--port"),
        (["dashboard", "--storage", "sqlite:///x.db", "--port", "http"], "--port"),
        (["dashboard"], "--storage is required"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(argv, message, capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("TUNECYCLE_STORAGE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("tunecycle: error:") and message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "x.db").exists()


def test_cli_port_in_use(db_url, writer, serve, capsys):
    writer.create_study("s", Direction.MINIMIZE)
    server, _ = serve(db_url)
    assert main(["dashboard", "--storage", db_url, "--port", str(server.port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{server.port}" in err and err.count("\n") == 1


def test_cli_serves_until_stopped(db_url, writer, tmp_path):
    sid = writer.create_study("s", Direction.MINIMIZE).study_id
    add_trial(writer, sid, 2.0)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tunecycle", "dashboard", "--storage", db_url, "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("tunecycle dashboard on http://127.0.0.1:"), line
        url = line.split()[3]
        listed = Client(url).get("/api/studies")["studies"]
        assert [(s["name"], s["n_trials"]) for s in listed] == [("s", 1)]
    finally:
        proc.terminate()  # the process this test started, by its handle
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode is not None

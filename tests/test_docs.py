"""The documentation cannot drift from the code.

- The site (``mkdocs.yml``, pages under ``docs/``, the API reference from the docstrings) builds
  with ``mkdocs build --strict``, offline, with no warning at all.
- Every ```python block of README.md and docs/**/*.md runs, each in a fresh interpreter in its
  own empty directory, with a time limit.  A block marked ``<!-- no-run: reason -->`` on the
  line before it is skipped (the reason is required, and few blocks may be skipped); a block
  marked ``<!-- continues: ... -->`` runs after the block before it in the same file, in the
  same interpreter (it reads what that one made).
- Every ``tunecycle SUBCOMMAND`` line of a ```sh block names a subcommand that exists
  (``tunecycle SUBCOMMAND --help`` exits 0).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = str(ROOT / "src")
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
#: no more blocks than this may be marked no-run (raise it only with a reason in the text)
MAX_SKIPPED = 4
#: a guard against a block that hangs, not a speed check: docs/pruning.md's xgboost study takes
#: about 3 s with one thread, and ran past 60 s under a load of 10-12 with a thread per core
BLOCK_TIMEOUT_S = 180
_FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w+-]*)\s*$")
_MARK = re.compile(r"^\s*<!--\s*(?P<kind>no-run|continues)\s*(?::\s*(?P<why>.*?))?\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    mark: str | None  # "no-run", "continues" or None
    why: str

    @property
    def label(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a markdown page, with the marker on the line before each."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m or not m["lang"]:
            i += 1
            continue
        indent, start = len(m["indent"]), i
        i += 1
        body = []
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][indent:])
            i += 1
        prev = lines[start - 1] if start else ""
        mark = _MARK.match(prev)
        found.append(Block(page, start + 1, m["lang"], "\n".join(body) + "\n",
                           mark["kind"] if mark else None, (mark["why"] or "") if mark else ""))
        i += 1
    return found


def python_programs() -> list[tuple[str, list[Block]]]:
    """Each runnable program: a python block plus the blocks that continue it."""
    programs: list[tuple[str, list[Block]]] = []
    for page in PAGES:
        for b in blocks(page):
            if b.lang != "python":
                continue
            if b.mark == "continues":
                assert programs and programs[-1][1][0].page == page, (
                    f"{b.label}: 'continues' needs a python block before it on the same page")
                programs[-1][1].append(b)
            else:
                programs.append((b.label, [b]))
    return programs


PROGRAMS = python_programs()


def test_the_markers_are_few_and_give_reasons():
    skipped = [bs[0] for _, bs in PROGRAMS if bs[0].mark == "no-run"]
    assert all(b.why for b in skipped), [b.label for b in skipped if not b.why]
    assert len(skipped) <= MAX_SKIPPED, [b.label for b in skipped]
    assert len(PROGRAMS) - len(skipped) >= 10  # the extraction found the blocks


@pytest.mark.parametrize("program", PROGRAMS, ids=[label for label, _ in PROGRAMS])
def test_python_block_runs(program, tmp_path):
    label, parts = program
    if parts[0].mark == "no-run":
        pytest.skip(f"marked no-run: {parts[0].why}")
    code = "\n".join(b.code for b in parts)
    env = {**os.environ, "PYTHONPATH": SRC, "MPLBACKEND": "Agg", "TUNECYCLE_DEVICE": "cpu",
           "OMP_NUM_THREADS": "1"}  # xgboost's and torch's pools only contend on a small machine
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=BLOCK_TIMEOUT_S, env=env)
    assert proc.returncode == 0, f"{label} failed:\n{proc.stderr[-3000:]}"


def _subcommands() -> set[str]:
    names = set()
    for page in PAGES:
        for b in blocks(page):
            if b.lang not in ("sh", "bash", "console"):
                continue
            for line in b.code.splitlines():
                m = re.match(r"^\s*(?:\$\s*)?tunecycle\s+([a-z][a-z-]*)", line)
                if m:
                    names.add(m[1])
    return names


def test_every_tunecycle_command_in_the_docs_exists():
    names = _subcommands()
    assert {"run", "trials", "worker", "dashboard"} <= names  # the extraction found them
    env = {**os.environ, "PYTHONPATH": SRC}
    for name in sorted(names):
        proc = subprocess.run([sys.executable, "-m", "tunecycle", name, "--help"],
                              capture_output=True, text=True, timeout=60, env=env)
        assert proc.returncode == 0, f"tunecycle {name} --help: {proc.stderr.strip()}"


def test_the_site_builds_strictly_with_no_warning(tmp_path):
    if not os.environ.get("CI"):  # make test installs the docs extra; CI must build the site
        pytest.importorskip("mkdocstrings", reason="the docs extra: pip install -e '.[docs]'")
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)]
    env = {**os.environ, "PYTHONPATH": SRC, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240, env=env)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    problems = [ln for ln in log.splitlines() if re.match(r"^(WARNING|ERROR)\b", ln)]
    assert not problems, "\n".join(problems)
    for page in ("index.html", "api/study/index.html", "api/cycle/index.html",
                 "benchmarks/index.html", "howto/optuna/index.html"):
        assert (tmp_path / page).is_file(), page
    reference = (tmp_path / "api/study/index.html").read_text(encoding="utf-8")
    assert "tunecycle.study.Study.optimize" in reference  # rendered from the docstrings
    # offline: no web font or other asset fetched from outside the site
    for html in tmp_path.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, html

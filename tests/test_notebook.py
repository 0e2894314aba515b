"""examples/quickstart.ipynb runs from top to bottom in a real Jupyter kernel (nbclient and
ipykernel), and shows what a notebook user should see: the HTML summary of the cycle's result
and of a study, the best value, and a progress bar in the cell's output."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"


def test_quickstart_notebook_runs_and_shows_the_summaries(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "src"))  # the kernel imports this checkout
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()

    html, text, stderr = [], [], []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", out
            if out["output_type"] == "stream":
                (stderr if out["name"] == "stderr" else text).append(out["text"])
            data = out.get("data", {})
            html.append(data.get("text/html", ""))
    pages = "\n".join(html)
    assert pages.count('class="tunecycle-study"') == 2  # the cycle's study, then our own
    assert 'class="tunecycle-result"' in pages and "test metrics" in pages
    assert "quickstart" in pages and "20 (20 complete)" in pages and "<svg" in pages
    assert any("best value" in t for t in text)
    # the text progress bar (no ipywidgets here) reached the cell's output
    assert "20/20" in "".join(stderr)
    assert "20 trials finished in this run: 20 complete, 0 pruned, 0 failed" in "".join(stderr)

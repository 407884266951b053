"""notebooks/explore.ipynb: committed without outputs, and it runs top to bottom (its own asserts check its numbers)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from parkgraph import paths

NOTEBOOK = paths.project_root() / "notebooks" / "explore.ipynb"
ARTIFACTS = paths.project_root() / "test-artifacts"


@pytest.fixture(scope="module")
def notebook() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def test_committed_notebook_has_no_outputs(notebook: nbformat.NotebookNode) -> None:
    """Outputs and execution counts are stripped before committing (they bloat diffs and go stale)."""
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert code_cells
    dirty = [i for i, c in enumerate(notebook.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"cells {dirty} carry outputs or execution counts; clear them before committing"
    assert notebook.metadata["kernelspec"]["name"] == "python3"


def test_notebook_is_valid_and_checks_its_numbers(notebook: nbformat.NotebookNode) -> None:
    nbformat.validate(notebook)
    asserting = [c for c in notebook.cells if c.cell_type == "code" and "assert " in c.source]
    assert len(asserting) >= 8, "every section's numbers are checked by an assert in the notebook"


def test_notebook_runs_top_to_bottom(notebook: nbformat.NotebookNode, tmp_path: Path) -> None:
    """Execute every cell with the python3 kernel; any failing cell or assert fails the test."""
    env_backend = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # never a GUI window
    try:
        client = NotebookClient(notebook, kernel_name="python3", timeout=600,
                                resources={"metadata": {"path": str(tmp_path)}})
        executed = client.execute()
    finally:
        if env_backend is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = env_backend
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = sum(1 for c in executed.cells if c.cell_type == "code" for o in c.outputs
                 if o.output_type in ("display_data", "execute_result") and "image/png" in o.get("data", {}))
    maps = sum(1 for c in executed.cells if c.cell_type == "code" for o in c.outputs
               if "<iframe srcdoc=" in o.get("data", {}).get("text/html", ""))
    assert images >= 2 and maps == 2  # the figures and membership charts; the full and the focused map
    ARTIFACTS.mkdir(exist_ok=True)
    nbformat.write(executed, ARTIFACTS / "explore.executed.ipynb")  # for a human to look at; gitignored

"""notebooks/explore_marts.ipynb runs, top to bottom, against the warehouse the demo writes."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from pipelines.report.charts import CHARTS

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "explore_marts.ipynb"


def test_the_notebook_executes_against_the_demo_warehouse_and_plots_every_view(demo_run, tmp_path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    parameters = next(cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", []))
    assert parameters.source.count("DATABASE =") == 1  # the one place to point it elsewhere
    assert '"../.demo/warehouse.duckdb"' in parameters.source  # where make demo writes it
    parameters.source = f"DATABASE = {str(demo_run.database)!r}"

    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    nbformat.write(notebook, tmp_path / "executed.ipynb")

    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    plots = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(plots) == len(CHARTS)
    assert all(plot["data"]["application/vnd.plotly.v1+json"]["data"] for plot in plots)

"""The defaults every command shares, spelled once: where the warehouse is and how it is loaded.

The source's own defaults (look-back, settle delay, chunk size, retries) are in sources/langfuse/settings.py,
so the source works without this package.
"""

DESTINATION = "duckdb"
DATABASE = "warehouse.duckdb"  # a DuckDB file, relative to where the command runs
DATASET = "langfuse"  # the schema of the raw tables
PIPELINE_NAME = "langfuse_warehouse"  # existing warehouses keep their dlt state under this name
# DuckDB would take 80% of RAM for a merge; with this cap it spills instead (sync.make_pipeline).
DUCKDB_MEMORY_LIMIT = "96MB"
MARTS_SCHEMA = "analytics"
REPORT_FILE = "report.html"

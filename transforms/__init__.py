"""Build the marts: the dbt project in sql/, run by dbt in the warehouse the sync wrote to.

`build_marts(Warehouse(...))` runs `dbt build` (models, then their data tests) and reports model by
model; `export_parquet` writes the built marts as Parquet for BI tools.
"""

from transforms.build import SelectionError, build_marts
from transforms.dbt import PROJECT_DIR
from transforms.export import export_parquet
from transforms.report import BuildReport, ModelResult, TestResult
from transforms.warehouse import DEFAULT_RAW_SCHEMA, DEFAULT_TARGET_SCHEMA, Warehouse

__all__ = [
    "DEFAULT_RAW_SCHEMA",
    "DEFAULT_TARGET_SCHEMA",
    "PROJECT_DIR",
    "BuildReport",
    "ModelResult",
    "SelectionError",
    "TestResult",
    "Warehouse",
    "build_marts",
    "export_parquet",
]

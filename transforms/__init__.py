"""Build the SQL models in sql/ (staging views, intermediate and mart tables) inside DuckDB.

`build_models(con)` reads the raw schema `langfuse` and writes the schema `analytics`;
`run_model_tests(con)` then checks every declared key is unique and not null.
"""

from transforms.graph import DependencyCycleError
from transforms.key_tests import KeyTestFailure, run_model_tests
from transforms.report import BuildReport, ModelResult
from transforms.runner import DEFAULT_RAW_SCHEMA, DEFAULT_SQL_DIR, DEFAULT_TARGET_SCHEMA, build_models

__all__ = [
    "DEFAULT_RAW_SCHEMA",
    "DEFAULT_SQL_DIR",
    "DEFAULT_TARGET_SCHEMA",
    "BuildReport",
    "DependencyCycleError",
    "KeyTestFailure",
    "ModelResult",
    "build_models",
    "run_model_tests",
]

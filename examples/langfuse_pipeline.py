"""Langfuse as a dlt source in your own pipeline, used the way dlt's verified sources are.

Install this project into your environment (``pip install -e /path/to/langfuse-warehouse``), put your
keys in ``.dlt/secrets.toml`` beside where you run this (see examples/secrets.toml):

    [sources.langfuse]
    host = "https://cloud.langfuse.com"
    public_key = "pk-lf-..."
    secret_key = "sk-lf-..."

and run ``python langfuse_pipeline.py``. Each run loads what is new since the last one (the watermarks
live in the pipeline's state, committed with the rows). Nothing is requested from Langfuse until
``pipeline.run`` reads the source.
"""

from __future__ import annotations

import dlt

from sources.langfuse import langfuse_source


def load_everything() -> None:
    """Every table of the Langfuse Cloud (v4) API into a local DuckDB file, langfuse_pipeline.duckdb."""
    # (A DuckDB file named like the dataset, langfuse.duckdb, would make "langfuse" ambiguous in SQL.)
    pipeline = dlt.pipeline(pipeline_name="langfuse_pipeline", destination="duckdb", dataset_name="langfuse")
    print(pipeline.run(langfuse_source()))


def load_observations_and_scores() -> None:
    """Only some tables: select them as with any dlt source."""
    pipeline = dlt.pipeline(pipeline_name="langfuse_pipeline", destination="duckdb", dataset_name="langfuse")
    print(pipeline.run(langfuse_source().with_resources("observations", "scores")))


def load_a_self_hosted_v3_server() -> None:
    """A self-hosted Langfuse v3 server serves the older API: traces, observations, sessions, scores..."""
    pipeline = dlt.pipeline(pipeline_name="langfuse_v3_pipeline", destination="duckdb", dataset_name="langfuse")
    print(pipeline.run(langfuse_source(api="legacy")))


if __name__ == "__main__":
    load_everything()

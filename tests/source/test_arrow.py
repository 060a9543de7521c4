"""A page of API rows becomes one typed Arrow table."""

import pyarrow as pa
import pytest

from sources.langfuse.arrow import rows_to_table, snake_case


def test_snake_case_matches_langfuse_names():
    assert [snake_case(n) for n in ("traceId", "isRootObservation", "timeToFirstToken", "id")] == [
        "trace_id", "is_root_observation", "time_to_first_token", "id"]


def test_declared_columns_are_typed_and_undeclared_ones_land_as_text_or_json():
    rows = [
        {"id": "a", "start_time": "2026-11-01T10:00:00.123Z", "metadata": {"k": "ü"}, "new_field": {"x": 1}},
        {"id": "b", "start_time": None, "metadata": None, "new_text": "hello"},
    ]
    table, discovered = rows_to_table(rows, {"start_time": "timestamp", "metadata": "json", "deleted_at": "timestamp"})
    assert table.schema.field("start_time").type == pa.timestamp("us", tz="UTC")
    assert table.column("metadata").to_pylist() == ['{"k":"ü"}', None]
    assert table.column("deleted_at").null_count == 2
    assert (discovered["new_field"], discovered["new_text"]) == ("json", "text")


def test_a_value_of_the_wrong_type_names_the_column():
    with pytest.raises(ValueError, match="total_cost"):
        rows_to_table([{"total_cost": "not a number"}], {"total_cost": "double"})

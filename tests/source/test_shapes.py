"""Scores: Langfuse's polymorphic value becomes typed columns; the subject becomes id columns."""

from sources.langfuse.shapes import score_v2, score_v3


def test_v3_numeric_value_and_observation_subject():
    row = score_v3({"data_type": "NUMERIC", "value": 0.75,
                    "subject": {"kind": "observation", "id": "obs-1", "traceId": "tr-1"}})
    assert row["value_numeric"] == 0.75 and row["value_string"] is None and row["value_boolean"] is None
    assert (row["subject_kind"], row["subject_id"], row["trace_id"], row["observation_id"]) == (
        "observation", "obs-1", "tr-1", "obs-1")


def test_v3_boolean_value_fills_boolean_numeric_and_string():
    row = score_v3({"data_type": "BOOLEAN", "value": False, "subject": {"kind": "trace", "id": "tr-1"}})
    assert (row["value_boolean"], row["value_numeric"], row["value_string"]) == (False, 0.0, "False")
    assert row["trace_id"] == "tr-1" and row["observation_id"] is None


def test_v3_categorical_text_and_correction_values_are_strings():
    for data_type in ("CATEGORICAL", "TEXT", "CORRECTION"):
        row = score_v3({"data_type": data_type, "value": "good", "subject": {"kind": "session", "id": "s"}})
        assert row["value_string"] == "good" and row["value_numeric"] is None
        assert row["session_id"] == "s"


def test_v2_scores_map_onto_the_same_columns():
    row = score_v2({"data_type": "BOOLEAN", "value": 1, "string_value": "True", "trace_id": "tr",
                    "observation_id": None, "dataset_run_id": "run", "trace": {"userId": "u"}})
    assert (row["value_boolean"], row["value_numeric"], row["value_string"]) == (True, 1.0, "True")
    assert (row["subject_kind"], row["experiment_id"]) == ("trace", "run")
    assert "trace" not in row
    text = score_v2({"data_type": "TEXT", "string_value": "fine", "session_id": "s"})
    assert text["value_string"] == "fine" and text["subject_kind"] == "session"

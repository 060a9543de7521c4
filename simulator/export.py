"""The simulator's blob-storage export: its data written the way Langfuse's scheduled export writes it.

Layout, file names, manifests, formats, column names and types follow the Langfuse server (facts in
the project's reference notes on the export): ``{prefix}{projectId}/{table}/{ts}.{ext}`` data files,
``{prefix}{projectId}/manifests/{ts}.json`` manifests, ``ts`` the window's ``maxTimestamp`` cut to
seconds with ``:`` as ``-``. Rows are ClickHouse's columns (snake_case, Maps, Decimal(18,12) costs,
``''`` for a root's parent), not the API's shapes.

It also writes what makes an export hard to load, each on purpose:

* adjacent windows share their inclusive boundary, and an inner boundary is an observation's own
  start time, so that row is in two windows; the earlier copy is an older state of it (the export
  runs before its output arrived), so a loader must keep the newest ``updated_at``;
* an orphan file, as a failed attempt leaves: a data file no manifest lists, holding rows that do not
  exist (a loader that lists directories loads them);
* a field-group change between windows: the older half lacks ``is_root_observation`` (added to the
  export in 2026-07) and orders its columns differently;
* every table is written for every window, an empty one as an empty file.

    write_export(sim.ground_truth(), "/tmp/export", project_id="proj-demo", file_format="jsonl")
    write_export(truth, "s3://bucket/langfuse/", project_id=..., storage_options={...})
"""

from __future__ import annotations

import csv
import gzip
import io
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import fsspec
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

FORMATS = ("parquet", "json", "jsonl", "csv")
ONE_MS = timedelta(milliseconds=1)
Row = dict[str, Any]

# ClickHouse's column order for observations_v2 (events), by field group.
EVENT_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", ("id", "trace_id", "start_time", "end_time", "project_id", "parent_observation_id", "type")),
    ("basic", ("name", "level", "status_message", "version", "environment", "bookmarked", "public", "user_id",
               "session_id", "is_root_observation")),
    ("time", ("completion_start_time", "created_at", "updated_at")),
    ("metadata", ("metadata",)),
    ("model", ("provided_model_name", "model_id", "model_parameters")),
    ("usage", ("usage_details", "cost_details", "total_cost", "usage_pricing_tier_id", "usage_pricing_tier_name")),
    ("prompt", ("prompt_id", "prompt_name", "prompt_version")),
    ("trace_context", ("tags", "release", "trace_name")),
    ("io", ("input", "output")),  # after every other group, as the query builder puts them
    ("metrics", ("latency", "time_to_first_token")),  # last when converted to seconds in SQL
)
# The legacy tables (exportSource TRACES_OBSERVATIONS): fixed column order, DateTime64(3), nulls not ''.
LEGACY_OBSERVATION_COLUMNS = (
    "id", "trace_id", "project_id", "environment", "type", "parent_observation_id", "start_time", "end_time", "name",
    "metadata", "level", "status_message", "version", "input", "output", "provided_model_name", "model_parameters",
    "usage_details", "cost_details", "completion_start_time", "prompt_name", "prompt_version", "total_cost",
    "latency", "time_to_first_token", "model_id", "created_at", "updated_at", "prompt_id", "usage_pricing_tier_name")
TRACE_COLUMNS = ("id", "timestamp", "name", "environment", "project_id", "metadata", "user_id", "session_id",
                 "release", "version", "public", "bookmarked", "tags", "input", "output", "created_at", "updated_at")
LAYOUTS = ("events", "legacy")
SCORE_COLUMNS = ("id", "timestamp", "project_id", "environment", "trace_id", "observation_id", "session_id",
                 "dataset_run_id", "name", "value", "source", "comment", "data_type", "string_value",
                 "created_at", "updated_at")
# Langfuse adds these on the JSON/JSONL/CSV path only, when the model group is exported.
PRICE_COLUMNS = ("input_price", "output_price", "total_price")
# Langfuse exports scores of these data types only.
EXPORTED_SCORE_TYPES = ("NUMERIC", "BOOLEAN", "CATEGORICAL", "TEXT")

_DECIMAL_12 = Decimal("0.000000000001")
_ARROW_TYPES: dict[str, pa.DataType] = {
    "start_time": pa.timestamp("us", tz="UTC"), "end_time": pa.timestamp("us", tz="UTC"),
    "completion_start_time": pa.timestamp("us", tz="UTC"), "created_at": pa.timestamp("ms", tz="UTC"),
    "updated_at": pa.timestamp("ms", tz="UTC"), "timestamp": pa.timestamp("ms", tz="UTC"),
    "bookmarked": pa.bool_(), "public": pa.bool_(), "is_root_observation": pa.bool_(),
    "metadata": pa.map_(pa.string(), pa.string()),
    "usage_details": pa.map_(pa.string(), pa.uint64()),
    "cost_details": pa.map_(pa.string(), pa.decimal128(18, 12)),
    "total_cost": pa.decimal128(18, 12), "prompt_version": pa.uint16(), "tags": pa.list_(pa.string()),
    "latency": pa.float64(), "time_to_first_token": pa.float64(), "value": pa.float64(),
}


@dataclass
class WrittenExport:
    """What was written, for tests to check a loader against."""

    root: str  # the project folder: {url}/{prefix}{projectId}
    manifests: list[dict[str, Any]] = field(default_factory=list)
    orphan_keys: list[str] = field(default_factory=list)
    repeated_rows: list[tuple[str, str]] = field(default_factory=list)  # (trace_id, id) in two windows

    @property
    def last_window_end(self) -> datetime:
        return _parse(self.manifests[-1]["window"]["maxTimestamp"])


def write_export(
    truth: dict[str, list[Row]],
    url: str,
    *,
    project_id: str,
    file_format: str = "parquet",
    gzip_files: bool = True,
    windows: int = 4,
    prefix: str = "",
    latency_unit: str = "s",
    layout: str = "events",
    until: datetime | None = None,
    storage_options: dict[str, Any] | None = None,
) -> WrittenExport:
    """Write ``truth``'s observations (the events table) and scores as ``windows`` export runs.

    ``layout`` "legacy" writes the tables of exportSource TRACES_OBSERVATIONS (``traces/``,
    ``observations/``, ``scores/``) instead of observations_v2. ``until`` stops the export there (rows after it are left for the API, as on a live project);
    ``latency_unit`` "ms" writes latency as integer milliseconds, as integrations created before
    2026-04-01 do.
    """
    if file_format not in FORMATS:
        raise ValueError(f"unknown export format {file_format!r}; choose from {', '.join(FORMATS)}")
    if layout not in LAYOUTS:
        raise ValueError(f"unknown export layout {layout!r}; choose from {', '.join(LAYOUTS)}")
    legacy = layout == "legacy"
    fs, base = fsspec.core.url_to_fs(url, **(storage_options or {}))
    project_dir = f"{prefix}{project_id}"
    observations = sorted(truth["observations"], key=lambda row: row["startTime"])
    scores = [row for row in truth["scores"] if row["dataType"] in EXPORTED_SCORE_TYPES]
    if until is not None:
        observations = [row for row in observations if _parse(row["startTime"]) <= until]
        scores = [row for row in scores if _parse(row["timestamp"]) <= until]
    bounds = _window_bounds(observations, scores, windows, until)
    scores = sorted(scores, key=lambda row: row["timestamp"])
    observation_times = [_floor_ms(_parse(row["startTime"])) for row in observations]
    score_times = [_floor_ms(_parse(row["timestamp"])) for row in scores]
    traces = sorted(truth.get("traces") or [], key=lambda row: row["timestamp"]) if legacy else []
    trace_times = [_floor_ms(_parse(row["timestamp"])) for row in traces]
    written = WrittenExport(root=f"{base.rstrip('/')}/{project_dir}")
    writer = _FileWriter(fs, base.rstrip("/"), file_format, gzip_files)
    for index, (low, high) in enumerate(zip(bounds, bounds[1:], strict=False)):
        newer_half = index >= (len(bounds) - 1) // 2
        is_last = index == len(bounds) - 2
        ts = _key_ts(high)
        event_rows = []
        first, last = bisect_left(observation_times, low), bisect_right(observation_times, high)
        for row, start in zip(observations[first:last], observation_times[first:last], strict=True):
            event = _event_row(row, latency_unit, with_prices=file_format != "parquet" and not legacy)
            if legacy:
                event = _legacy_observation(event)
            if start == high and not is_last:  # exported again by the next window, newer by then
                event = _older_state(event)
                written.repeated_rows.append((row["traceId"], row["id"]))
            event_rows.append(event)
        first, last = bisect_left(score_times, low), bisect_right(score_times, high)
        score_rows = [_score_row(row) for row in scores[first:last]]
        files = [writer.write(f"{project_dir}/scores/{ts}", "scores", SCORE_COLUMNS, score_rows)]
        if legacy:
            first, last = bisect_left(trace_times, low), bisect_right(trace_times, high)
            trace_rows = [_trace_row(row) for row in traces[first:last]]
            files.append(writer.write(f"{project_dir}/traces/{ts}", "traces", TRACE_COLUMNS, trace_rows))
            files.append(writer.write(f"{project_dir}/observations/{ts}", "observations",
                                      LEGACY_OBSERVATION_COLUMNS, event_rows))
        else:
            columns = _event_columns(newer_half, latency_last=file_format == "parquet" or newer_half,
                                     with_prices=file_format != "parquet")
            files.append(writer.write(f"{project_dir}/observations_v2/{ts}", "observations_v2", columns, event_rows))
        manifest = _manifest(project_id, low, high, files, legacy)
        _put(fs, f"{base.rstrip('/')}/{project_dir}/manifests/{ts}.json",
             orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")
        written.manifests.append(manifest)
    # A failed attempt: its observations were uploaded, scores failed, so no manifest was written.
    orphan_ts = _key_ts(bounds[-1] + timedelta(seconds=7))
    ghost = _event_row(observations[0], latency_unit, with_prices=False) | {"id": "orphan-row", "trace_id": "orphan"}
    orphan = writer.write(f"{project_dir}/observations_v2/{orphan_ts}", "observations_v2",
                          _event_columns(True, True, False), [ghost])
    written.orphan_keys.append(orphan["key"])
    return written


# --- windows -------------------------------------------------------------------------------------


def _window_bounds(observations: list[Row], scores: list[Row], windows: int, until: datetime | None) -> list[datetime]:
    """``windows + 1`` boundaries; the inner ones are observations' own start times (rows on two windows)."""
    times = [_parse(row["startTime"]) for row in observations] + [_parse(row["timestamp"]) for row in scores]
    first = min(times).replace(microsecond=0)  # a first run starts at a whole second
    last = _floor_ms(until) if until is not None else _floor_ms(max(times))
    starts = sorted({_floor_ms(_parse(row["startTime"])) for row in observations})
    inner = [starts[len(starts) * i // windows] for i in range(1, windows)]
    return [first, *sorted(set(inner) - {first, last}), last]


def _key_ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H-%M-%S")


def _manifest(project_id: str, low: datetime, high: datetime, files: list[dict[str, Any]],
              legacy: bool) -> dict[str, Any]:
    return {
        "version": 1,
        "projectId": project_id,
        "exportSource": "TRACES_OBSERVATIONS" if legacy else "EVENTS",
        "window": {"minTimestamp": _iso(low), "maxTimestamp": _iso(high)},
        "maxTimestamp": _iso(high),
        "createdAt": _iso(high + timedelta(minutes=20)),
        "tables": ["scores", "traces", "observations"] if legacy else ["scores", "observations_v2"],
        "files": files,
    }


# --- rows in ClickHouse's shape --------------------------------------------------------------------


def _event_columns(newer: bool, latency_last: bool, with_prices: bool) -> list[str]:
    columns = [c for _, group in EVENT_GROUPS for c in group]
    if with_prices:
        at = columns.index("model_parameters") + 1
        columns[at:at] = PRICE_COLUMNS
    if not newer:  # an export configured before is_root_observation existed, io before metrics
        columns.remove("is_root_observation")
    if not latency_last:
        for column in ("latency", "time_to_first_token"):
            columns.remove(column)
            columns.insert(columns.index("input"), column)
    return columns


def _event_row(row: Row, latency_unit: str, with_prices: bool) -> Row:
    def latency(seconds: float | None) -> float | int | None:
        if seconds is None or latency_unit == "s":
            return seconds
        return round(seconds * 1000)

    parameters = row.get("modelParameters")
    event = {
        "id": row["id"], "trace_id": row["traceId"], "start_time": row["startTime"], "end_time": row["endTime"],
        "project_id": row["projectId"], "parent_observation_id": row["parentObservationId"] or "",
        "type": row["type"], "name": row["name"], "level": row["level"], "status_message": row["statusMessage"],
        "version": row["version"], "environment": row["environment"], "bookmarked": row["bookmarked"],
        "public": row["public"], "user_id": row["userId"], "session_id": row["sessionId"],
        "is_root_observation": row["isRootObservation"],
        "completion_start_time": row["completionStartTime"], "created_at": row["createdAt"],
        "updated_at": row["updatedAt"],
        "metadata": {k: v if isinstance(v, str) else orjson.dumps(v).decode()
                     for k, v in (row.get("metadata") or {}).items()},
        "provided_model_name": row["model"], "model_id": row["internalModelId"],
        "model_parameters": None if parameters is None else (
            parameters if isinstance(parameters, str) else orjson.dumps(parameters).decode()),
        "usage_details": dict(row.get("usageDetails") or {}),
        "cost_details": {k: _decimal(v) for k, v in (row.get("costDetails") or {}).items()},
        "total_cost": _decimal((row.get("costDetails") or {}).get("total", 0)),
        "usage_pricing_tier_id": None, "usage_pricing_tier_name": row["usagePricingTierName"],
        "prompt_id": row["promptId"], "prompt_name": row["promptName"], "prompt_version": row["promptVersion"],
        "tags": list(row.get("tags") or []), "release": row["release"], "trace_name": row["traceName"] or "",
        "input": row["input"], "output": row["output"],
        "latency": latency(row["latency"]), "time_to_first_token": latency(row["timeToFirstToken"]),
    }
    if with_prices:
        event.update(input_price=row["inputPrice"], output_price=row["outputPrice"], total_price=row["totalPrice"])
    return event


def _legacy_observation(event: Row) -> Row:
    """The legacy observations table: null (not '') for a root's parent, a nullable total cost."""
    row = {column: event.get(column) for column in LEGACY_OBSERVATION_COLUMNS}
    row["parent_observation_id"] = event["parent_observation_id"] or None
    row["total_cost"] = event["cost_details"].get("total")
    return row


def _trace_row(row: Row) -> Row:
    def text(value: Any) -> str | None:
        return value if value is None or isinstance(value, str) else orjson.dumps(value).decode()

    return {
        "id": row["id"], "timestamp": row["timestamp"], "name": row.get("name"),
        "environment": row.get("environment"), "project_id": row["projectId"],
        "metadata": {k: v if isinstance(v, str) else orjson.dumps(v).decode()
                     for k, v in (row.get("metadata") or {}).items()},
        "user_id": row.get("userId"), "session_id": row.get("sessionId"), "release": row.get("release"),
        "version": row.get("version"), "public": row.get("public"), "bookmarked": row.get("bookmarked"),
        "tags": list(row.get("tags") or []), "input": text(row.get("input")), "output": text(row.get("output")),
        "created_at": row["createdAt"], "updated_at": row["updatedAt"],
    }


def _older_state(event: Row) -> Row:
    """The same row as an earlier export saw it: its output had not arrived yet."""
    older = _parse(event["updated_at"]) - timedelta(seconds=1)
    return event | {"output": None, "updated_at": _iso(older)}


def _score_row(row: Row) -> Row:
    subject = row.get("subject") or {}
    kind, subject_id = subject.get("kind"), subject.get("id")
    data_type, value = row["dataType"], row["value"]
    string_value = None
    if data_type == "BOOLEAN":
        truthy = value if isinstance(value, bool) else float(value) == 1.0
        value, string_value = (1.0 if truthy else 0.0), ("True" if truthy else "False")
    elif isinstance(value, str):  # a category label or a text: ClickHouse keeps it beside a 0 value
        value, string_value = 0.0, value
    return {
        "id": row["id"], "timestamp": row["timestamp"], "project_id": row["projectId"],
        "environment": row["environment"],
        "trace_id": subject_id if kind == "trace" else subject.get("traceId"),
        "observation_id": subject_id if kind == "observation" else None,
        "session_id": subject_id if kind == "session" else None,
        "dataset_run_id": subject_id if kind == "experiment" else None,
        "name": row["name"], "value": None if value is None else float(value), "source": row["source"],
        "comment": row["comment"], "data_type": data_type, "string_value": string_value,
        "created_at": row["createdAt"], "updated_at": row["updatedAt"],
    }


# --- files -----------------------------------------------------------------------------------------


class _FileWriter:
    def __init__(self, fs: Any, base: str, file_format: str, gzip_files: bool):
        self.fs, self.base, self.format = fs, base, file_format
        self.gzip = gzip_files and file_format != "parquet"  # ClickHouse compresses inside Parquet

    def write(self, stem: str, table: str, columns: Sequence[str], rows: list[Row]) -> dict[str, Any]:
        ext = self.format + (".gz" if self.gzip else "")
        key = f"{stem}.{ext}"
        if self.format == "parquet":
            body = _parquet(table, columns, rows)
        else:
            body = {"json": _json, "jsonl": _jsonl, "csv": _csv}[self.format](table, columns, rows)
            if self.gzip:
                body = gzip.compress(body, mtime=0)
        _put(self.fs, f"{self.base}/{key}", body)
        content_type = {"parquet": "application/vnd.apache.parquet", "json": "application/json",
                        "jsonl": "application/x-ndjson", "csv": "text/csv"}[self.format]
        return {
            "key": key, "table": table, "fileType": self.format,
            "format": self.format if self.format == "parquet" else f"{self.format}-{'gzip' if self.gzip else 'raw'}",
            "compressed": self.gzip, "contentType": "application/gzip" if self.gzip else content_type,
            "sizeBytes": len(body), "rowCount": None if self.format == "parquet" else len(rows),
        }


def _arrow_type(table: str, column: str) -> pa.DataType:
    arrow_type = _ARROW_TYPES.get(column, pa.string())
    if isinstance(arrow_type, pa.TimestampType) and table != "observations_v2":
        return pa.timestamp("ms", tz="UTC")  # DateTime64(3) outside the events table
    return arrow_type


def _text_value(table: str, column: str, value: Any) -> Any:
    """A value as ClickHouse's JSON output writes it: naive timestamps, Decimals as JS doubles."""
    if value is None:
        return None
    arrow_type = _arrow_type(table, column)
    if isinstance(arrow_type, pa.TimestampType):
        unit = arrow_type.unit
        moment = _parse(value)
        text = moment.strftime("%Y-%m-%d %H:%M:%S.%f")
        return text if unit == "us" else text[:-3]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _text_value(table, "", v) for k, v in value.items()}
    return value


def _text_rows(table: str, columns: Sequence[str], rows: Iterable[Row]) -> Iterable[Row]:
    for row in rows:
        yield {column: _text_value(table, column, row.get(column)) for column in columns}


def _json(table: str, columns: Sequence[str], rows: list[Row]) -> bytes:
    return orjson.dumps(list(_text_rows(table, columns, rows)))


def _jsonl(table: str, columns: Sequence[str], rows: list[Row]) -> bytes:
    return b"".join(orjson.dumps(row) + b"\n" for row in _text_rows(table, columns, rows))


def _csv(table: str, columns: Sequence[str], rows: list[Row]) -> bytes:
    if not rows:
        return b""  # the header comes with the first row
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, doublequote=True, lineterminator="\n")
    writer.writerow(columns)
    for row in _text_rows(table, columns, rows):
        writer.writerow(["" if v is None else v if isinstance(v, str) else orjson.dumps(v).decode()
                         for v in row.values()])
    return out.getvalue().encode()


def _parquet(table: str, columns: Sequence[str], rows: list[Row]) -> bytes:
    arrays = []
    for column in columns:
        arrow_type = _arrow_type(table, column)
        values = [row.get(column) for row in rows]
        if isinstance(arrow_type, pa.TimestampType):
            values = [None if v is None else _parse(v) for v in values]
        elif pa.types.is_map(arrow_type):
            values = [None if v is None else list(v.items()) for v in values]
        if column in ("latency", "time_to_first_token") and any(isinstance(v, int) for v in values):
            arrow_type = pa.int64()
        arrays.append(pa.array(values, arrow_type))
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, names=list(columns)), sink, compression="zstd",
                   use_dictionary=False)
    return sink.getvalue()


def _put(fs: Any, path: str, body: bytes) -> None:
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)  # a local folder needs it; buckets ignore it
    with fs.open(path, "wb") as out:
        out.write(body)


# --- time ------------------------------------------------------------------------------------------


def _parse(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _floor_ms(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _iso(value: str | datetime) -> str:
    moment = _parse(value)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(repr(float(value))).quantize(_DECIMAL_12)

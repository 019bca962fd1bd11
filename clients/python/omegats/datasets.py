"""``om.datasets``: tables in the caller's bucket, with pandas when it is installed (and pyarrow, when it is
installed too, carrying DataFrames as Parquet both ways)."""

import importlib
import io
import json
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from ._http import Http, jsonable, quote, read_all

Records = List[Dict[str, Any]]
ROWS_PER_CSV_CHUNK = 10_000
ROWS_PER_PARQUET_GROUP = 65_536
PARQUET_MEDIA_TYPE = "application/vnd.apache.parquet"
ARROW_MEDIA_TYPE = "application/vnd.apache.arrow.stream"

# pandas dtype kinds → the platform's column types.
_PANDAS_TYPES = {"i": "integer", "u": "integer", "f": "number", "b": "boolean", "M": "datetime"}


def pandas_module(use_pandas: Optional[bool]) -> Any:
    """pandas when it is installed and not turned off, else None."""
    return _optional_module("pandas", use_pandas)


def arrow_module(use_arrow: Optional[bool]) -> Any:
    """pyarrow (with its Parquet reader and writer) when it is installed and not turned off, else None."""
    parquet = _optional_module("pyarrow.parquet", use_arrow)
    return None if parquet is None else importlib.import_module("pyarrow")


def _optional_module(name: str, use: Optional[bool]) -> Any:
    if use is False:
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        if use:
            raise
        return None


class Datasets:
    """Put, get, list, drop tables; ``get`` answers a DataFrame when pandas is in use, records otherwise.

    With pyarrow installed (and ``use_arrow`` not False) DataFrames go up and come back as Parquet (read and
    written by pyarrow; faster here than Arrow IPC, which the API converts batch by batch); without it they
    go up as CSV and come back as JSON, with the same column types either way.
    """

    def __init__(
        self, http: Http, use_pandas: Optional[bool] = None, use_arrow: Optional[bool] = None
    ) -> None:
        self._http = http
        self._use_pandas = use_pandas
        self._use_arrow = use_arrow

    def put(
        self,
        data: Any,
        name: str,
        append: bool = False,
        dtypes: Optional[Mapping[str, str]] = None,
        attributes: Optional[Mapping[str, Any]] = None,
        kind: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Stores a DataFrame (streamed as Parquet with pyarrow, else as CSV), a dict of columns or a list
        of records; answers Metadata."""
        pd = pandas_module(self._use_pandas)
        if pd is not None and isinstance(data, pd.DataFrame):
            if attributes is not None or kind is not None:
                raise TypeError("attributes and kind go with records or columns, not with a DataFrame")
            types = {**_frame_types(data), **(dict(dtypes) if dtypes else {})}
            query = {"append": True if append else None, "dtypes": json.dumps(types)}
            pa = arrow_module(self._use_arrow)
            table = _arrow_table(pa, pd, data) if pa is not None else None
            if table is not None:
                # Parquet carries the column types: dtypes only when the caller asks for others.
                return self._http.json(
                    "PUT",
                    f"/api/v1/dataset/{quote(name)}",
                    query={**query, "dtypes": json.dumps(dtypes) if dtypes else None},
                    body=_parquet_chunks(pa, table),
                    content_type=PARQUET_MEDIA_TYPE,
                )
            return self._http.json(
                "PUT",
                f"/api/v1/dataset/{quote(name)}",
                query=query,
                body=_csv_chunks(data),
                content_type="text/csv",
            )
        if isinstance(data, (list, tuple)):
            payload: Any = [dict(row) for row in data]
        elif isinstance(data, Mapping):
            payload = {str(column): list(values) for column, values in data.items()}
        else:
            raise TypeError(
                f"put takes a DataFrame, a dict of columns or a list of records, not {type(data)}"
            )
        body: Dict[str, Any] = {"data": jsonable(payload)}
        if append:
            body["append"] = True
        for key, value in (("dtypes", dtypes), ("attributes", attributes), ("kind", kind)):
            if value is not None:
                body[key] = value
        return self._http.json("PUT", f"/api/v1/dataset/{quote(name)}", json_body=body)

    def get(
        self,
        name: str,
        columns: Optional[Sequence[str]] = None,
        sort: Union[str, Sequence[str], None] = None,
        skip: Optional[int] = None,
        limit: Optional[int] = None,
        **filters: Any,
    ) -> Any:
        """Rows matching omega-ml filters (``units__gte=5``, ``region='EU'``), computed in the database."""
        return self.query(name, columns=columns, sort=sort, skip=skip, limit=limit, **filters)

    def query(
        self,
        name: str,
        agg: Optional[Mapping[str, Union[str, Sequence[str]]]] = None,
        groupby: Union[str, Sequence[str], None] = None,
        columns: Optional[Sequence[str]] = None,
        sort: Union[str, Sequence[str], None] = None,
        skip: Optional[int] = None,
        limit: Optional[int] = None,
        **filters: Any,
    ) -> Any:
        """Rows as ``get`` reads them or, with ``agg``, aggregates computed in the database.

        ``agg`` maps a column to ``count``, ``sum``, ``mean``, ``min`` or ``max`` (or a list of them); each
        answers a column ``<column>_<fn>``, one row per ``groupby`` group (sorted by the groups) or one row
        for the whole table. Filters apply before aggregating; columns, sort, skip and limit only to rows.
        """
        body: Dict[str, Any] = {"filter": filters or None}
        if agg:
            if any(option is not None for option in (columns, sort, skip, limit)):
                raise TypeError("columns, sort, skip and limit apply to rows, not to aggregates")
            group_columns = [groupby] if isinstance(groupby, str) else list(groupby or [])
            body.update(
                agg={str(column): fns if isinstance(fns, str) else list(fns) for column, fns in agg.items()}
            )
            if group_columns:
                body["groupby"] = group_columns
        else:
            if groupby is not None:
                raise TypeError("groupby needs agg, the aggregates to compute per group")
            body.update(skip=skip, limit=limit)
            if columns is not None:
                body["columns"] = list(columns)
            if sort is not None:
                body["sort"] = sort.split(",") if isinstance(sort, str) else list(sort)
        body = {key: value for key, value in body.items() if value is not None}
        pd = pandas_module(self._use_pandas)
        pa = arrow_module(self._use_arrow) if pd is not None else None
        path = f"/api/v1/dataset/{quote(name)}/query"
        if pa is not None:
            raw, rows = self._post_binary(path, body, PARQUET_MEDIA_TYPE)
            if raw is not None:
                return _parquet_frame(pa, pd, raw)
        else:
            rows = self._http.json("POST", path, json_body=body)
        if pd is None:
            return rows
        types = _column_types(self.metadata(name))
        if agg:
            names, types = _aggregate_columns(body["agg"], body.get("groupby", []), types)
            return _frame(pd, rows, types, names)
        return _frame(pd, rows, types, list(columns) if columns is not None else None)

    def sql(self, query: str, into: Optional[str] = None) -> Any:
        """Read-only SQL (DuckDB) over this bucket's columnar tables, by dataset name.

        Answers the rows (a DataFrame when pandas is in use, records otherwise); with ``into``, stores the
        answer as a new columnar table of that name instead and answers its Metadata. With pandas and
        pyarrow the rows come as an Arrow stream, with the answer's column types (times as UTC
        datetimes, an empty answer with its columns); without pyarrow, as JSON records.
        """
        body: Dict[str, Any] = {"query": query}
        if into is not None:
            body["into"] = into
            return self._http.json("POST", "/api/v1/dataset/sql", json_body=body)
        pd = pandas_module(self._use_pandas)
        pa = arrow_module(self._use_arrow) if pd is not None else None
        if pa is not None:
            raw, rows = self._post_binary("/api/v1/dataset/sql", body, ARROW_MEDIA_TYPE)
            if raw is not None:
                return _arrow_stream_frame(pa, pd, raw)
        else:
            rows = self._http.json("POST", "/api/v1/dataset/sql", json_body=body)
        return rows if pd is None else pd.DataFrame.from_records(rows)

    def _post_binary(
        self, path: str, body: Dict[str, Any], media_type: str
    ) -> Tuple[Optional[bytes], Records]:
        """POSTs ``body`` asking for ``media_type``: its bytes when answered so, else the JSON records."""
        with self._http.open("POST", path, json_body=body, accept=media_type) as response:
            answered = (response.headers.get("Content-Type") or "").split(";")[0].strip()
            raw = read_all(response, self._http.url)
        if answered == media_type:
            return raw, []
        return None, json.loads(raw.decode("utf-8")) if raw else []

    def convert(self, name: str, kind: str = "table.parquet") -> Dict[str, Any]:
        """Rewrites a table as another table kind (``table.parquet`` or ``table.rows``) under its name."""
        return self._http.json("POST", f"/api/v1/dataset/{quote(name)}/convert", json_body={"kind": kind})

    def metadata(self, name: str) -> Dict[str, Any]:
        """The dataset's Metadata: kind, columns and types, rows, attributes."""
        return self._http.json("GET", f"/api/v1/dataset/{quote(name)}/metadata")

    def list(self, pattern: Optional[str] = None, kind: Optional[str] = None) -> List[str]:
        """The names of the datasets in this bucket (all pages), optionally matching a glob pattern."""
        return [entry["name"] for entry in self.list_metadata(pattern, kind)]

    def list_metadata(self, pattern: Optional[str] = None, kind: Optional[str] = None) -> Records:
        """As ``list``, the whole Metadata of each."""
        return _list_all(self._http, "/api/v1/dataset/", {"pattern": pattern, "kind": kind})

    def drop(self, name: str, force: bool = False) -> bool:
        """Drops a dataset; a missing one raises ``NotFound`` unless ``force``."""
        from .errors import NotFound

        try:
            self._http.json("DELETE", f"/api/v1/dataset/{quote(name)}")
        except NotFound:
            if not force:
                raise
            return False
        return True


def _list_all(http: Http, path: str, query: Dict[str, Any]) -> Records:
    found: Records = []
    while True:
        page = http.json("GET", path, query={**query, "offset": len(found), "limit": 100})
        found.extend(page["objects"])
        total = page.get("meta", {}).get("total_count", len(found))
        if not page["objects"] or len(found) >= total:
            return found


def _frame_types(frame: Any) -> Dict[str, str]:
    types = {}
    for column, dtype in frame.dtypes.items():
        types[str(column)] = _PANDAS_TYPES.get(getattr(dtype, "kind", "O"), "string")
    return types


def _csv_chunks(frame: Any) -> Iterator[bytes]:
    """The frame as CSV, ``ROWS_PER_CSV_CHUNK`` rows at a time (never one whole string in memory)."""
    frame = frame.copy(deep=False)
    frame.columns = [str(column) for column in frame.columns]
    for column, dtype in frame.dtypes.items():
        if getattr(dtype, "kind", "") == "M":
            # ISO 8601 with a zone: the platform stores instants.
            values = frame[column]
            values = values.dt.tz_localize("UTC") if getattr(dtype, "tz", None) is None else values
            values = values.dt.tz_convert("UTC")  # the Z below: UTC wall time, whatever zone it came in
            frame[column] = values.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").where(values.notna(), None)
    if len(frame) == 0:
        yield frame.to_csv(index=False).encode("utf-8")
        return
    for start in range(0, len(frame), ROWS_PER_CSV_CHUNK):
        part = frame.iloc[start : start + ROWS_PER_CSV_CHUNK]
        yield part.to_csv(index=False, header=start == 0).encode("utf-8")


def _arrow_table(pa: Any, pd: Any, frame: Any) -> Any:
    """The frame as an Arrow table typed as the CSV path would store it (Python objects as their text), or
    None when pyarrow cannot take a column: such a frame goes as CSV."""
    columns = {}
    for column, dtype in frame.dtypes.items():
        values = frame[column]
        if isinstance(dtype, pd.CategoricalDtype) or getattr(dtype, "kind", "") == "O":
            # Stored as the text of each value, as CSV does.
            values = values.astype(object).map(_text)
        elif getattr(dtype, "kind", "") == "M":
            # The platform stores instants: naive times are UTC, as on the CSV path.
            values = values.dt.tz_localize("UTC") if getattr(dtype, "tz", None) is None else values
            values = values.dt.tz_convert("UTC")
        columns[str(column)] = values
    types = _frame_types(frame)
    try:
        arrays = [
            pa.array(values, type=pa.string() if types[column] == "string" else None, from_pandas=True)
            for column, values in columns.items()
        ]
        return pa.Table.from_arrays(arrays, names=list(columns))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None


def _text(value: Any) -> Optional[str]:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value)


def _parquet_chunks(pa: Any, table: Any) -> Iterator[bytes]:
    """The table as one Parquet file, sent a row group (``ROWS_PER_PARQUET_GROUP`` rows) at a time."""
    sink = io.BytesIO()
    with pa.parquet.ParquetWriter(sink, table.schema) as writer:
        for start in range(0, max(table.num_rows, 1), ROWS_PER_PARQUET_GROUP):
            writer.write_table(table.slice(start, ROWS_PER_PARQUET_GROUP))
            yield _drain(sink)
    yield _drain(sink)


def _drain(sink: io.BytesIO) -> bytes:
    chunk = sink.getvalue()
    sink.seek(0)
    sink.truncate()
    return chunk


def _parquet_frame(pa: Any, pd: Any, raw: bytes) -> Any:
    """A Parquet answer as the DataFrame the JSON path would build."""
    return _table_frame(pa, pd, pa.parquet.read_table(pa.BufferReader(raw)))


def _arrow_stream_frame(pa: Any, pd: Any, raw: bytes) -> Any:
    """An Arrow IPC stream answer as a DataFrame, typed as a Parquet answer is."""
    return _table_frame(pa, pd, pa.ipc.open_stream(pa.BufferReader(raw)).read_all())


def _table_frame(pa: Any, pd: Any, table: Any) -> Any:
    """An Arrow table as the DataFrame the JSON path would build (times as UTC, at its resolution)."""
    frame = table.to_pandas()
    for field in table.schema:
        if pa.types.is_timestamp(field.type):
            # The resolution this pandas gives ISO 8601 text, as on the JSON path.
            as_json = _datetimes(pd, pd.Series(["1970-01-01T00:00:00.000Z"])).dtype
            frame[field.name] = _datetimes(pd, frame[field.name]).astype(as_json)
        elif pa.types.is_null(field.type):
            frame[field.name] = frame[field.name].astype("float64")
        elif pa.types.is_string(field.type) and len(frame) and table[field.name].null_count == len(frame):
            # Only nulls: no text to type the column by, as JSON has none.
            frame[field.name] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame


def _column_types(meta: Dict[str, Any]) -> Dict[str, Optional[str]]:
    """Column name → the platform's type, from a dataset's Metadata."""
    described = (meta.get("kindMeta") or {}).get("columns") or []
    return {column["name"]: column.get("type") for column in described if isinstance(column, dict)}


def _aggregate_columns(
    agg: Dict[str, Union[str, List[str]]], groupby: List[str], types: Dict[str, Optional[str]]
) -> Tuple[List[str], Dict[str, Optional[str]]]:
    """The columns of an aggregation's answer and their types: groups keep theirs, as do min and max."""
    names = list(groupby)
    result_types = {column: types.get(column) for column in groupby}
    for column, fns in agg.items():
        for fn in [fns] if isinstance(fns, str) else fns:
            names.append(f"{column}_{fn}")
            result_types[f"{column}_{fn}"] = (
                "integer" if fn == "count" else types.get(column) if fn in ("min", "max") else "number"
            )
    return names, result_types


def _frame(pd: Any, rows: Records, types: Dict[str, Optional[str]], columns: Optional[Sequence[str]]) -> Any:
    names = list(columns) if columns is not None else [name for name in types] or None
    if rows and names is None:
        names = list(rows[0].keys())
    frame = pd.DataFrame.from_records(rows, columns=names)
    for column in frame.columns:
        kind = types.get(column)
        if kind == "datetime":
            frame[column] = _datetimes(pd, frame[column])
        elif kind in ("number", "integer") and frame[column].dtype == object:
            # A numeric column holding only nulls (None) reads as NaN, as pandas would have it.
            frame[column] = frame[column].astype("float64")
    return frame


def _datetimes(pd: Any, values: Any) -> Any:
    try:
        return pd.to_datetime(values, utc=True, format="ISO8601")
    except (TypeError, ValueError):  # pandas < 2 has no format="ISO8601"
        return pd.to_datetime(values, utc=True)

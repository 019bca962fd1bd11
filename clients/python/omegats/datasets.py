"""``om.datasets``: tables in the caller's bucket, with pandas when it is installed."""

import json
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from ._http import Http, jsonable, quote

Records = List[Dict[str, Any]]
ROWS_PER_CSV_CHUNK = 10_000

# pandas dtype kinds → the platform's column types.
_PANDAS_TYPES = {"i": "integer", "u": "integer", "f": "number", "b": "boolean", "M": "datetime"}


def pandas_module(use_pandas: Optional[bool]) -> Any:
    """pandas when it is installed and not turned off, else None."""
    if use_pandas is False:
        return None
    try:
        import pandas
    except ImportError:
        if use_pandas:
            raise
        return None
    return pandas


class Datasets:
    """Put, get, list, drop tables; ``get`` answers a DataFrame when pandas is in use, records otherwise."""

    def __init__(self, http: Http, use_pandas: Optional[bool] = None) -> None:
        self._http = http
        self._use_pandas = use_pandas

    def put(
        self,
        data: Any,
        name: str,
        append: bool = False,
        dtypes: Optional[Mapping[str, str]] = None,
        attributes: Optional[Mapping[str, Any]] = None,
        kind: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Stores a DataFrame (streamed as CSV), a dict of columns or a list of records; answers Metadata."""
        pd = pandas_module(self._use_pandas)
        if pd is not None and isinstance(data, pd.DataFrame):
            if attributes is not None or kind is not None:
                raise TypeError("attributes and kind go with records or columns, not with a DataFrame")
            types = {**_frame_types(data), **(dict(dtypes) if dtypes else {})}
            return self._http.json(
                "PUT",
                f"/api/v1/dataset/{quote(name)}",
                query={"append": True if append else None, "dtypes": json.dumps(types)},
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
        rows: Records = self._http.json("POST", f"/api/v1/dataset/{quote(name)}/query", json_body=body)
        pd = pandas_module(self._use_pandas)
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
        answer as a new columnar table of that name instead and answers its Metadata.
        """
        body: Dict[str, Any] = {"query": query}
        if into is not None:
            body["into"] = into
            return self._http.json("POST", "/api/v1/dataset/sql", json_body=body)
        rows: Records = self._http.json("POST", "/api/v1/dataset/sql", json_body=body)
        pd = pandas_module(self._use_pandas)
        return rows if pd is None else pd.DataFrame.from_records(rows)

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
            if getattr(dtype, "tz", None) is None:
                values = values.dt.tz_localize("UTC")
            frame[column] = values.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").where(values.notna(), None)
    if len(frame) == 0:
        yield frame.to_csv(index=False).encode("utf-8")
        return
    for start in range(0, len(frame), ROWS_PER_CSV_CHUNK):
        part = frame.iloc[start : start + ROWS_PER_CSV_CHUNK]
        yield part.to_csv(index=False, header=start == 0).encode("utf-8")


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

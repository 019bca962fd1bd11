"""DataFrames as Parquet (pyarrow installed): the same frames, types and answers as the CSV/JSON path."""

import sys
import time
from typing import Any, Dict, List

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import omegats
from omegats import datasets as datasets_module


def every_type() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "i": [3, -1, 0, 2**40, 7],
            "i_null": pd.array([1, None, 3, None, 5], dtype="Int64"),
            "f": [0.5, np.nan, -2.25, 1e300, 3.0],
            "b": [True, False, True, True, False],
            "b_null": [True, None, False, None, True],
            "s": ["EU", "US", None, "APAC", "été ✓"],
            "cat": pd.Categorical(["low", "high", None, "low", "mid"]),
            "when": pd.to_datetime(
                ["2024-06-01T10:00:00.123Z", None, "1999-12-31T23:59:59Z", "2024-03-31T01:30:00Z", None],
                utc=True,
                format="ISO8601",
            ),
            "when_paris": pd.to_datetime(
                ["2024-06-01 12:00", "2024-01-01 00:00", None, "2024-10-27 02:30", "2024-03-31 03:30"]
            ).tz_localize("Europe/Paris", ambiguous=True),
            "naive": pd.to_datetime(
                ["2024-06-01 10:00", None, "2020-02-29 23:59:59", "2024-01-01", "2024-01-02"],
                format="ISO8601",
            ),
            "nothing": [None, None, None, None, None],
        }
    )


class Spy:
    """Counts the Parquet, Arrow and CSV bodies the client builds or reads, so a test knows which path ran."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: List[str] = []
        for function in ("_parquet_chunks", "_parquet_frame", "_arrow_stream_frame", "_csv_chunks"):
            original = getattr(datasets_module, function)
            monkeypatch.setattr(datasets_module, function, self._wrap(function, original))

    def _wrap(self, label: str, original: Any) -> Any:
        def called(*args: Any) -> Any:
            self.calls.append(label)
            return original(*args)

        return called


def test_every_type_round_trips_as_on_the_json_path(
    om: omegats.Omega, om_json: omegats.Omega, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    frame = every_type()
    via_parquet = om.datasets.put(frame, name + "-pq")
    assert spy.calls == ["_parquet_chunks"]
    via_csv = om_json.datasets.put(frame, name + "-csv")
    assert spy.calls == ["_parquet_chunks", "_csv_chunks"]
    assert via_parquet["kindMeta"]["columns"] == via_csv["kindMeta"]["columns"]
    assert via_parquet["kindMeta"]["rows"] == via_csv["kindMeta"]["rows"] == 5
    want = om_json.datasets.get(name + "-csv")
    for stored in (name + "-pq", name + "-csv"):
        spy.calls.clear()
        got = om.datasets.get(stored)
        assert spy.calls == ["_parquet_frame"]
        # Exact: same columns, order, dtypes and values as the JSON answer.
        assert_frame_equal(got, want)
        assert_frame_equal(om_json.datasets.get(stored), want)
    assert want["i"].dtype == np.int64 and want["b"].dtype == bool and want["f"].dtype == np.float64
    assert want["i_null"].tolist()[:2] == [1.0, pytest.approx(np.nan, nan_ok=True)]
    assert want["cat"].tolist()[:2] == ["low", "high"] and pd.isna(want["cat"][2])
    assert str(want["when"].dt.tz) == "UTC" and str(want["when_paris"].dt.tz) == "UTC"
    # An instant stays that instant, whatever zone it was written in; naive times are UTC.
    assert want["when_paris"][0] == pd.Timestamp("2024-06-01T10:00:00Z")
    assert want["when"][0] == pd.Timestamp("2024-06-01T10:00:00.123Z")
    assert want["naive"][2] == pd.Timestamp("2020-02-29T23:59:59Z")
    assert want["nothing"].isna().all()


def test_microseconds_survive_parquet(om: omegats.Omega, om_json: omegats.Omega, name: str) -> None:
    when = pd.to_datetime(["2024-06-01T10:00:00.123456Z"], utc=True, format="ISO8601")
    om.datasets.put(pd.DataFrame({"when": when}), name)
    assert om.datasets.get(name)["when"][0] == pd.Timestamp("2024-06-01T10:00:00.123456Z")
    # JSON answers carry milliseconds.
    assert om_json.datasets.get(name)["when"][0] == pd.Timestamp("2024-06-01T10:00:00.123Z")


@pytest.mark.parametrize(
    "options",
    [
        {"units__gte": 7},
        {"region__in": ["US", "APAC"], "columns": ["units", "region"]},
        {"price__isnull": True},
        {"columns": ["when", "vip"], "sort": ["-when"], "skip": 1, "limit": 2},
    ],
)
def test_filters_columns_sort_and_paging_as_on_the_json_path(
    om: omegats.Omega, om_json: omegats.Omega, name: str, options: Dict[str, Any]
) -> None:
    from test_datasets import sales

    om.datasets.put(sales(), name)
    got = om.datasets.get(name, **options)
    want = om_json.datasets.get(name, **options)
    assert_frame_equal(got, want)
    if "columns" in options:
        assert list(got.columns) == options["columns"]


def test_an_empty_answer_keeps_the_stored_types(om: omegats.Omega, om_json: omegats.Omega, name: str) -> None:
    from test_datasets import sales

    om.datasets.put(sales(), name)
    got = om.datasets.get(name, region="nowhere")
    # JSON has no rows to tell the types by (numbers read as float64, the rest as objects);
    # Parquet keeps the stored ones.
    assert_frame_equal(got, om_json.datasets.get(name, region="nowhere"), check_dtype=False)
    assert len(got) == 0 and list(got.columns) == list(sales().columns)
    assert got["units"].dtype == np.int64 and got["vip"].dtype == bool and str(got["when"].dt.tz) == "UTC"
    assert om.datasets.get(name, columns=["units"], limit=0)["units"].dtype == np.int64


def test_sql_answers_arrow_with_its_column_types(
    om: omegats.Omega,
    om_json: omegats.Omega,
    om_records: omegats.Omega,
    name: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from test_datasets import sales

    om.datasets.put(sales(), name)
    spy = Spy(monkeypatch)
    query = f'SELECT region, units, price, vip, "when" FROM "{name}" ORDER BY units'
    got = om.datasets.sql(query)
    assert spy.calls == ["_arrow_stream_frame"]
    assert list(got.columns) == ["region", "units", "price", "vip", "when"]
    assert got["units"].tolist() == [0, 3, 7, 12, 25, 40]
    assert got["units"].dtype == np.int64 and got["price"].dtype == np.float64 and got["vip"].dtype == bool
    assert str(got["when"].dt.tz) == "UTC" and pd.isna(got["when"][1])
    assert got["when"][0] == pd.Timestamp("2024-06-05T23:59:59.5Z")
    # Without pyarrow: the same rows as JSON (times as the ISO 8601 text it carries); without pandas: records.
    via_json = om_json.datasets.sql(query)
    assert spy.calls == ["_arrow_stream_frame"]
    assert_frame_equal(via_json.drop(columns="when"), got.drop(columns="when"))
    assert (pd.to_datetime(via_json["when"], utc=True, format="ISO8601") == got["when"]).sum() == 5
    records = om_records.datasets.sql(query)
    assert [row["units"] for row in records] == got["units"].tolist() and records[0]["region"] == "US"
    # An empty answer keeps its columns and their types.
    empty = om.datasets.sql(f'SELECT units, "when" FROM "{name}" WHERE units < 0')
    assert list(empty.columns) == ["units", "when"] and len(empty) == 0
    assert empty["units"].dtype == np.int64 and str(empty["when"].dt.tz) == "UTC"


def test_aggregates_and_append_through_parquet(om: omegats.Omega, om_json: omegats.Omega, name: str) -> None:
    om.datasets.put(pd.DataFrame({"k": ["a", "b"], "v": [1, 2]}), name)
    om.datasets.put(pd.DataFrame({"k": ["a"], "v": [5]}), name, append=True)
    assert om.datasets.get(name, sort="v")["v"].tolist() == [1, 2, 5]
    agg = {"v": ["sum", "count", "max"]}
    got = om.datasets.query(name, agg=agg, groupby="k")
    assert_frame_equal(got, om_json.datasets.query(name, agg=agg, groupby="k"))
    assert got["v_sum"].tolist() == [6, 2] and got["v_count"].tolist() == [2, 1]


def test_python_objects_are_stored_as_their_text_as_on_the_csv_path(
    om: omegats.Omega, om_json: omegats.Omega, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    frame = pd.DataFrame({"mixed": [1, "a", 2.5, None, True], "n": [1, 2, 3, 4, 5]})
    om.datasets.put(frame, name + "-pq")
    om_json.datasets.put(frame, name + "-csv")
    assert spy.calls == ["_parquet_chunks", "_csv_chunks"]
    got = om.datasets.get(name + "-pq")
    assert_frame_equal(got, om_json.datasets.get(name + "-csv"))
    assert got["mixed"].tolist()[:3] == ["1", "a", "2.5"] and got["mixed"][4] == "True"


def test_without_pyarrow_dataframes_go_as_csv_and_json(
    om: omegats.Omega, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in ("pyarrow", "pyarrow.parquet"):
        monkeypatch.setitem(sys.modules, module, None)  # `import pyarrow` raises ImportError, as uninstalled
    assert datasets_module.arrow_module(None) is None
    with pytest.raises(ImportError):
        datasets_module.arrow_module(True)
    spy = Spy(monkeypatch)
    frame = every_type()
    om.datasets.put(frame, name)
    got = om.datasets.get(name)
    assert spy.calls == ["_csv_chunks"]
    assert list(got.columns) == list(frame.columns) and len(got) == 5
    assert got["i"].dtype == np.int64 and str(got["when"].dt.tz) == "UTC"


def test_200k_rows_put_and_get_timed(
    om: omegats.Omega, om_json: omegats.Omega, name: str, capsys: pytest.CaptureFixture
) -> None:
    rows = 200_000
    rng = np.random.default_rng(12)
    frame = pd.DataFrame(
        {
            "i": np.arange(rows),
            "x": rng.normal(size=rows),
            "region": rng.choice(["EU", "US", "APAC"], rows),
            "vip": rng.random(rows) > 0.5,
            "when": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(np.arange(rows), unit="s"),
        }
    )
    seconds: Dict[str, float] = {}
    answers = {}
    for label, client in (("parquet", om), ("csv/json", om_json)):
        start = time.perf_counter()
        client.datasets.put(frame, f"{name}-{label[:3]}")
        seconds[f"{label} put"] = time.perf_counter() - start
        start = time.perf_counter()
        answers[label] = client.datasets.get(f"{name}-{label[:3]}", sort="i")
        seconds[f"{label} get"] = time.perf_counter() - start
    assert_frame_equal(answers["parquet"], answers["csv/json"])
    assert_frame_equal(answers["parquet"], frame.assign(when=answers["parquet"]["when"]))
    assert (answers["parquet"]["when"] == frame["when"]).all()
    with capsys.disabled():
        figures = ", ".join(f"{label} {value:.2f} s" for label, value in seconds.items())
        print(f"\n200k rows × 5 columns: {figures}")

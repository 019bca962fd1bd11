"""Datasets round trips, with pandas and with records (pandas turned off, and pandas not installed)."""

import os
import subprocess
import sys
from typing import Any, Dict, List

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import omegats
from omegats import datasets as datasets_module


def test_sql_and_convert(om: omegats.Omega, om_records: omegats.Omega, name: str) -> None:
    frame = sales()
    om.datasets.put(frame, name)
    got = om.datasets.sql(f'SELECT region, sum(units) AS units FROM "{name}" GROUP BY region ORDER BY region')
    want = frame.groupby("region").units.sum().sort_index()
    assert got.region.to_list() == want.index.to_list()
    assert got.units.to_list() == want.to_list()
    assert om_records.datasets.sql(f'SELECT count(*) AS n FROM "{name}" WHERE vip') == [{"n": 3}]
    stored = om.datasets.sql(f'SELECT region, units FROM "{name}" WHERE units > 5', into=name + "-big")
    assert stored["kind"] == "table.parquet" and stored["kindMeta"]["rows"] == 4
    with pytest.raises(omegats.InvalidInput):
        om.datasets.sql(f'DELETE FROM "{name}"')
    assert om.datasets.convert(name + "-big", "table.rows")["kind"] == "table.rows"
    assert om.datasets.convert(name + "-big")["kind"] == "table.parquet"
    assert om_records.datasets.get(name + "-big", sort="units") == [
        {"region": "US", "units": 7},
        {"region": "EU", "units": 12},
        {"region": "EU", "units": 25},
        {"region": "APAC", "units": 40},
    ]


def sales() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": ["EU", "US", "EU", "APAC", "US", "EU"],
            "units": [12, 7, 3, 40, 0, 25],
            "price": [9.5, 11.0, 10.25, np.nan, 8.0, 12.75],
            "vip": [True, False, False, True, False, True],
            "when": pd.to_datetime(
                [
                    "2024-06-01T10:00:00Z",
                    "2024-06-02T11:30:00Z",
                    None,
                    "2024-06-04T00:00:00Z",
                    "2024-06-05T23:59:59.5Z",
                    "2024-06-06T08:00:00Z",
                ],
                utc=True,
                format="ISO8601",
            ),
        }
    )


def test_dataframe_round_trip_keeps_columns_types_and_missing_values(om: omegats.Omega, name: str) -> None:
    frame = sales()
    meta = om.datasets.put(frame, name)
    assert meta["kindMeta"]["rows"] == 6
    assert [(c["name"], c["type"]) for c in meta["kindMeta"]["columns"]] == [
        ("region", "string"),
        ("units", "integer"),
        ("price", "number"),
        ("vip", "boolean"),
        ("when", "datetime"),
    ]
    back = om.datasets.get(name)
    assert_frame_equal(back, frame, check_dtype=False)
    assert back["units"].dtype.kind == "i" and back["vip"].dtype == bool
    assert str(back["when"].dtype).startswith("datetime64") and back["when"].dt.tz is not None


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"units__gte": 7}, lambda f: f[f.units >= 7]),
        ({"region": "EU"}, lambda f: f[f.region == "EU"]),
        ({"region__in": ["US", "APAC"]}, lambda f: f[f.region.isin(["US", "APAC"])]),
        ({"region__ne": "EU", "units__lt": 10}, lambda f: f[(f.region != "EU") & (f.units < 10)]),
        ({"price__isnull": True}, lambda f: f[f.price.isna()]),
        ({"region__startswith": "A"}, lambda f: f[f.region.str.startswith("A")]),
    ],
)
def test_filters_match_pandas(om: omegats.Omega, name: str, filters: Dict[str, Any], expected: Any) -> None:
    frame = sales()
    om.datasets.put(frame, name)
    got = om.datasets.get(name, **filters)
    assert_frame_equal(got.reset_index(drop=True), expected(frame).reset_index(drop=True), check_dtype=False)


def test_columns_sort_skip_limit(om: omegats.Omega, name: str) -> None:
    frame = sales()
    om.datasets.put(frame, name)
    got = om.datasets.get(name, columns=["region", "units"], sort=["-units"], skip=1, limit=3)
    want = frame.sort_values("units", ascending=False)[["region", "units"]].iloc[1:4]
    assert_frame_equal(got, want.reset_index(drop=True), check_dtype=False)
    assert om.datasets.get(name, sort="region,-units", limit=2)["units"].tolist() == [40, 25]


def test_append_adds_rows(om: omegats.Omega, name: str) -> None:
    om.datasets.put(pd.DataFrame({"x": [1, 2]}), name)
    om.datasets.put(pd.DataFrame({"x": [3]}), name, append=True)
    assert om.datasets.get(name, sort="x")["x"].tolist() == [1, 2, 3]
    om.datasets.put(pd.DataFrame({"x": [9]}), name)
    assert om.datasets.get(name)["x"].tolist() == [9]


def test_large_frame_streams_in_chunks(
    om_json: omegats.Omega, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(datasets_module, "ROWS_PER_CSV_CHUNK", 1_000)
    sent: List[int] = []
    chunks = datasets_module._csv_chunks
    monkeypatch.setattr(
        datasets_module, "_csv_chunks", lambda frame: (sent.append(len(c)) or c for c in chunks(frame))
    )
    rng = np.random.default_rng(7)
    rows = 5_500  # six CSV chunks
    frame = pd.DataFrame({"i": np.arange(rows), "v": rng.normal(size=rows).round(6)})
    assert om_json.datasets.put(frame, name)["kindMeta"]["rows"] == rows
    back = om_json.datasets.get(name, sort="i")
    assert len(back) == rows
    np.testing.assert_allclose(back["v"].to_numpy(), frame["v"].to_numpy(), rtol=0, atol=1e-12)
    assert back["i"].tolist() == list(range(rows))
    assert len(sent) == 6 and all(size > 0 for size in sent)


def test_records_path_when_pandas_is_turned_off(om_records: omegats.Omega, name: str) -> None:
    records: List[Dict[str, Any]] = [
        {"region": "EU", "units": 12, "price": 9.5, "note": None},
        {"region": "US", "units": 7, "price": float("nan"), "note": "late"},
        {"region": "EU", "units": 3, "price": 10.25, "note": "ok"},
    ]
    meta = om_records.datasets.put(records, name)
    assert meta["kindMeta"]["rows"] == 3
    back = om_records.datasets.get(name)
    assert isinstance(back, list)
    assert back == [
        {"region": "EU", "units": 12, "price": 9.5, "note": None},
        {"region": "US", "units": 7, "price": None, "note": "late"},
        {"region": "EU", "units": 3, "price": 10.25, "note": "ok"},
    ]
    assert om_records.datasets.get(name, region="EU", units__gt=5, columns=["units"]) == [{"units": 12}]


def test_dict_of_columns_and_append_with_records(om_records: omegats.Omega, name: str) -> None:
    om_records.datasets.put({"a": [1, 2], "b": ["x", "y"]}, name)
    om_records.datasets.put([{"a": 3, "b": "z"}], name, append=True)
    assert om_records.datasets.get(name, sort="-a") == [
        {"a": 3, "b": "z"},
        {"a": 2, "b": "y"},
        {"a": 1, "b": "x"},
    ]
    assert om_records.datasets.metadata(name)["kindMeta"]["rows"] == 3


def test_works_without_pandas_installed(server: Dict[str, str], bucket: str, name: str) -> None:
    # A fresh interpreter where `import pandas` fails, as on a machine without it.
    code = (
        "import sys, json; sys.modules['pandas'] = None\n"
        "import omegats\n"
        "om = omegats.connect().bucket(sys.argv[1])\n"
        "om.datasets.put([{'k': 'a', 'v': 1}, {'k': 'b', 'v': 2}], sys.argv[2])\n"
        "print(json.dumps(om.datasets.get(sys.argv[2], v__gte=2)))\n"
        "print('pandas' in sys.modules and sys.modules['pandas'] is not None)\n"
    )
    env = {**os.environ, **server}
    done = subprocess.run(
        [sys.executable, "-c", code, bucket, name], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ['[{"k": "b", "v": 2}]', "False"]


def test_list_metadata_drop(om: omegats.Omega, name: str) -> None:
    om.datasets.put(pd.DataFrame({"x": [1]}), name)
    om.datasets.put(pd.DataFrame({"x": [1]}), name + "-other")
    assert {name, name + "-other"} <= set(om.datasets.list())
    assert om.datasets.list(pattern=name + "-*") == [name + "-other"]
    assert om.datasets.metadata(name)["kind"] == "table.parquet"
    assert om.datasets.drop(name) is True
    assert name not in om.datasets.list()
    with pytest.raises(omegats.NotFound) as caught:
        om.datasets.get(name)
    assert caught.value.status == 404 and caught.value.code == "NOT_FOUND"
    assert om.datasets.drop(name, force=True) is False


def test_bad_filter_is_invalid_input(om: omegats.Omega, name: str) -> None:
    om.datasets.put(pd.DataFrame({"x": [1]}), name)
    with pytest.raises(omegats.InvalidInput, match="unknown filter operator"):
        om.datasets.get(name, x__between=1)
    with pytest.raises(TypeError):
        om.datasets.put(42, name)


def test_query_aggregates_match_pandas(om: omegats.Omega, name: str) -> None:
    frame = sales()
    om.datasets.put(frame, name)
    got = om.datasets.query(
        name, agg={"units": ["sum", "mean"], "price": "max", "when": "min"}, groupby="region"
    )
    grouped = frame.groupby("region")
    want = pd.DataFrame(
        {
            "region": sorted(frame.region.unique()),
            "units_sum": grouped.units.sum().sort_index().to_list(),
            "units_mean": grouped.units.mean().sort_index().to_list(),
            "price_max": grouped.price.max().sort_index().to_list(),
            "when_min": grouped.when.min().sort_index().to_list(),
        }
    )
    assert_frame_equal(got, want, check_dtype=False)
    filtered = om.datasets.query(name, agg={"units": "count"}, vip=True)
    assert filtered.to_dict("records") == [{"units_count": 3}]
    empty = om.datasets.query(name, agg={"units": "sum"}, groupby=["region"], units__gt=1_000)
    assert list(empty.columns) == ["region", "units_sum"] and len(empty) == 0


def test_query_records_and_refusals(om_records: omegats.Omega, name: str) -> None:
    om_records.datasets.put(
        [{"k": "a", "v": 1}, {"k": "b", "v": 2}, {"k": "a", "v": 4}, {"k": "b", "v": None}], name
    )
    assert om_records.datasets.query(name, agg={"v": ["count", "sum"]}, groupby=["k"]) == [
        {"k": "a", "v_count": 2, "v_sum": 5},
        {"k": "b", "v_count": 1, "v_sum": 2},
    ]
    assert om_records.datasets.query(name, k="a", sort="-v", columns=["v"]) == [{"v": 4}, {"v": 1}]
    with pytest.raises(omegats.InvalidInput, match="unknown aggregate"):
        om_records.datasets.query(name, agg={"v": "median"})
    with pytest.raises(TypeError, match="apply to rows"):
        om_records.datasets.query(name, agg={"v": "sum"}, sort="v")
    with pytest.raises(TypeError, match="groupby needs agg"):
        om_records.datasets.query(name, groupby="k")

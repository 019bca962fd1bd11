"""``om.runtime.experiment(name)``: omega-ml's experiment tracker over REST.

    with om.runtime.experiment('churn') as exp:
        exp.log_param('lr', 0.01)
        for step in range(1000):
            exp.log_metric('loss', loss, step=step)

The ``with`` block is one run: it ends ``completed``, or ``failed`` when the block raises. Metric points
are sent in batches (``METRIC_BATCH_POINTS`` at a time, and at the end of the run).
"""

import time
from typing import Any, Dict, List, Optional

from ._http import Http, jsonable, quote
from .datasets import pandas_module

METRIC_BATCH_POINTS = 10_000


class Experiment:
    """An experiment; ``start()`` (or ``with``) opens a run, made on first use."""

    def __init__(self, http: Http, name: str, use_pandas: Optional[bool] = None) -> None:
        self._http = http
        self.name = name
        self._pandas = pandas_module(use_pandas)
        self.run: Optional[int] = None
        self._series: Dict[str, Dict[str, List[float]]] = {}
        self._pending = 0

    def _path(self, suffix: str = "") -> str:
        return f"/api/v1/experiment/{quote(self.name)}{suffix}"

    def start(self, tags: Optional[Dict[str, str]] = None) -> "Experiment":
        """Opens a new run; later ``log_*`` calls go into it."""
        self._http.json("POST", "/api/v1/experiment", json_body={"name": self.name, "exist_ok": True})
        self.run = self._http.json("POST", self._path("/runs"), json_body={"tags": tags or {}})["run"]
        return self

    def __enter__(self) -> "Experiment":
        return self.start()

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        self.end("failed" if error is not None else "completed")

    def _log(self, body: Dict[str, Any]) -> Dict[str, Any]:
        if self.run is None:
            raise RuntimeError("start a run first: with om.runtime.experiment(name) as exp: ...")
        return self._http.json("POST", self._path(f"/runs/{self.run}/log"), json_body=jsonable(body))

    def log_param(self, key: str, value: Any) -> None:
        self._log({"params": {key: value}})

    def log_params(self, params: Dict[str, Any]) -> None:
        self._log({"params": params})

    def log_tag(self, key: str, value: str) -> None:
        self._log({"tags": {key: value}})

    def log_artifact(self, name: str, ref: Optional[str] = None, kind: str = "json", value: Any = None) -> None:
        """A link to a stored object (``kind`` dataset, file or model, with ``ref``) or an inline JSON value."""
        artifact: Dict[str, Any] = {"name": name, "type": kind}
        if ref is not None:
            artifact["ref"] = ref
        if kind == "json":
            artifact["value"] = value
        self._log({"artifacts": [artifact]})

    def log_metric(self, key: str, value: float, step: Optional[int] = None) -> None:
        """Queues one point (step: the metric's count so far); sent in batches."""
        series = self._series.setdefault(key, {"values": [], "steps": [], "times": []})
        series["steps"].append(step if step is not None else len(series["steps"]))
        series["values"].append(float(value))
        series["times"].append(time.time() * 1000)
        self._pending += 1
        if self._pending >= METRIC_BATCH_POINTS:
            self.flush()

    def flush(self) -> None:
        """Sends the queued metric points in one call."""
        if self._pending == 0:
            return
        series = [{"key": key, **columns} for key, columns in self._series.items()]
        self._series, self._pending = {}, 0
        self._log({"series": series})

    def end(self, status: str = "completed") -> Dict[str, Any]:
        """Flushes and ends the run (completed, failed or killed)."""
        self.flush()
        return self._http.json("POST", self._path(f"/runs/{self.run}/end"), json_body={"status": status})

    def runs(self) -> Any:
        """The runs with their params, tags, artifacts and metric summaries.

        A DataFrame with pandas (one row a run: run, status, user, start, end, then ``params.<key>`` and
        each metric's last value as ``metrics.<key>``), else a list of dicts.
        """
        runs = self._http.json("GET", self._path("/runs"), query={"limit": 1000})["runs"]
        if self._pandas is None:
            return runs
        rows = [
            {
                **{key: run.get(key) for key in ("run", "status", "user", "start", "end")},
                **{f"params.{key}": value for key, value in run["params"].items()},
                **{f"metrics.{key}": summary["last"] for key, summary in run["metrics"].items()},
            }
            for run in runs
        ]
        empty = ["run", "status", "user", "start", "end"]
        frame = self._pandas.DataFrame(rows, columns=None if rows else empty)
        for column in ("start", "end"):
            frame[column] = self._pandas.to_datetime(frame[column], utc=True)
        return frame

    def metrics(self, key: str, runs: Optional[List[int]] = None) -> Any:
        """One metric's points (run, step, value, time) of the given runs (all when absent).

        A DataFrame with pandas, else a list of dicts.
        """
        if runs is None:
            listed = self._http.json("GET", self._path("/runs"), query={"limit": 1000})["runs"]
            runs = [run["run"] for run in listed]
        answer = self._http.json(
            "GET", self._path(f"/metrics/{quote(key)}"), query={"runs": ",".join(map(str, runs))}
        )
        points = [{"run": series["run"], **point} for series in answer["runs"] for point in series["points"]]
        if self._pandas is None:
            return points
        frame = self._pandas.DataFrame(points, columns=["run", "step", "value", "time"])
        frame["time"] = self._pandas.to_datetime(frame["time"], unit="ms", utc=True)
        return frame

    def compare(self, *runs: int) -> Dict[str, Any]:
        """2 to 5 runs side by side."""
        return self._http.json("GET", self._path("/compare"), query={"runs": ",".join(map(str, runs))})

    def data(self, **filters: Any) -> Any:
        """The experiment's data with dataset filters (``event='metric', step__gte=10``).

        A DataFrame with pandas, else a list of records.
        """
        records = self._http.json("GET", self._path("/data"), query=filters)
        return records if self._pandas is None else self._pandas.DataFrame(records)

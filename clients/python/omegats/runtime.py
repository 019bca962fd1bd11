"""``om.runtime``: model actions, scripts and notebook jobs run as tasks on the platform's workers."""

import time
from typing import Any, Dict, List, Optional, Tuple

from ._http import Http, jsonable, quote
from .errors import TaskFailed, TaskTimeout
from .experiments import Experiment

# The platform's own query parameters; an action parameter of the same name would be taken for them.
_RESERVED = {"datax", "datay", "async", "require", "timeout"}
# The same for a script's keyword arguments.
_RUN_RESERVED = {"async", "require", "timeout"}


class Runtime:
    """Runs models on workers; ``require(label)`` sends every call to workers of that label."""

    def __init__(self, http: Http, label: Optional[str] = None, use_pandas: Optional[bool] = None) -> None:
        self._http = http
        self.label = label
        self._use_pandas = use_pandas

    def require(self, label: str) -> "Runtime":
        """This runtime with every call sent to workers of ``label`` (e.g. ``gpu``)."""
        return Runtime(self._http, label, self._use_pandas)

    def model(self, name: str, timeout: Optional[int] = None) -> "ModelRuntime":
        """One model's actions; ``timeout`` is how long (s) the API waits for a synchronous result."""
        return ModelRuntime(self._http, self.label, name, timeout)

    def script(self, name: str, timeout: Optional[int] = None) -> "ScriptRuntime":
        """A stored script, run on a worker; ``timeout``: how long (s) the API waits for a synchronous run."""
        return ScriptRuntime(self._http, self.label, name, timeout)

    def job(self, name: str, timeout: Optional[int] = None) -> "JobRuntime":
        """A notebook job, run on a worker; each run stores its executed notebook under ``results/``."""
        return JobRuntime(self._http, self.label, name, timeout)

    def experiment(self, name: str) -> "Experiment":
        """An experiment to log runs into: ``with om.runtime.experiment('churn') as exp: exp.log_metric(...)``."""
        return Experiment(self._http, name, self._use_pandas)

    def task(self, task_id: str) -> "Task":
        """A task already submitted, by id."""
        return Task(self._http, task_id)

    def ping(self, delay_ms: Optional[int] = None) -> Dict[str, Any]:
        """Runs a no-op task on a worker (of this runtime's label): ``{task_id, label, result}``."""
        return self._http.json(
            "GET", "/api/v1/runtime/ping", query={"require": self.label, "delay_ms": delay_ms}
        )

    def workers(self) -> Dict[str, Any]:
        """The live workers and the labels they consume: ``{workers, labels}``."""
        return self._http.json("GET", "/api/v1/runtime/workers")


class ModelRuntime:
    """predict, predict_proba, fit, partial_fit, score, transform; each waits for the result.

    X and Y are a DataFrame (or Series), a numpy array, a list of rows or records, or a dataset's name.
    Keyword arguments go to the action.
    """

    def __init__(self, http: Http, label: Optional[str], name: str, timeout: Optional[int]) -> None:
        self._http = http
        self._label = label
        self.name = name
        self._timeout = timeout

    def predict(self, X: Any, **params: Any) -> List[Any]:
        """The model's predictions for the rows of X."""
        return self._run("predict", X, None, params)

    def predict_proba(self, X: Any, **params: Any) -> List[List[float]]:
        """Class probabilities, one list per row."""
        return self._run("predict_proba", X, None, params)

    def fit(self, X: Any, Y: Any = None, **params: Any) -> Dict[str, Any]:
        """Fits the model and stores it as a new version: ``{model, version, parent, rows}``."""
        return self._run("fit", X, Y, params)

    def partial_fit(self, X: Any, Y: Any = None, **params: Any) -> Dict[str, Any]:
        """Updates a fitted model with more rows (knn, linear-regression, kmeans)."""
        return self._run("partial_fit", X, Y, params)

    def score(self, X: Any, Y: Any, **params: Any) -> float:
        """Accuracy (classifiers) or R² (regressors) on X and Y."""
        return self._run("score", X, Y, params)

    def transform(self, X: Any, **params: Any) -> List[List[float]]:
        """The transformed rows (PCA, ONNX transformers)."""
        return self._run("transform", X, None, params)

    def async_(self) -> "AsyncModelRuntime":
        """The same actions submitted without waiting: each answers a ``Task``."""
        return AsyncModelRuntime(self)

    def track(self, experiment: str) -> Dict[str, Any]:
        """Logs this model's fit, score and predict calls into ``experiment`` (made when missing)."""
        return self._http.json("PUT", self._path("track"), json_body={"experiment": experiment})

    def untrack(self) -> Dict[str, Any]:
        """Stops logging this model's calls (what was logged stays)."""
        return self._http.json("DELETE", self._path("track"))

    def monitor(self, baseline: str, schedule: Optional[str] = None, **options: Any) -> Dict[str, Any]:
        """Checks the tracked model's logged inputs for drift against ``baseline`` (a dataset), per feature.

        With ``schedule`` (a cron expression) the check is not run now but on that schedule, each firing a
        run of ``<model>.monitor``; ``options`` are ``features``, ``psi_threshold``, ``p_threshold``
        (and ``since`` for a check now, ``timezone`` for a schedule).
        """
        body = {"baseline": baseline, **options}
        if schedule is None:
            return self._http.json("POST", self._path("monitor"), json_body=body)
        return self._http.json("PUT", self._path("monitor"), json_body={**body, "schedule": schedule})

    def unmonitor(self) -> Dict[str, Any]:
        """Removes the model's drift check schedule (the runs it stored stay)."""
        return self._http.json("DELETE", self._path("monitor"))

    def _run(self, action: str, X: Any, Y: Any, params: Dict[str, Any]) -> Any:
        query, body = self._request(X, Y, params, False)
        return self._http.json("PUT", self._path(action), query=query, json_body=body)["result"]

    def _submit(self, action: str, X: Any, Y: Any, params: Dict[str, Any]) -> "Task":
        query, body = self._request(X, Y, params, True)
        answer = self._http.json("PUT", self._path(action), query=query, json_body=body)
        return Task(self._http, answer["task_id"])

    def _path(self, action: str) -> str:
        return f"/api/v1/model/{quote(self.name)}/{action}"

    def _request(
        self, X: Any, Y: Any, params: Dict[str, Any], asynchronous: bool
    ) -> Tuple[Dict[str, Any], Any]:
        reserved = _RESERVED.intersection(params)
        if reserved:
            raise TypeError(f"{', '.join(sorted(reserved))}: the platform's own parameter, not an action's")
        query: Dict[str, Any] = {key: _param(value) for key, value in params.items()}
        body: Dict[str, Any] = {}
        if isinstance(X, str):
            query["datax"] = X
        else:
            body["X"] = features(X)
        if isinstance(Y, str):
            query["datay"] = Y
        elif Y is not None:
            body["Y"] = targets(Y)
        query.update(require=self._label, timeout=self._timeout, **({"async": True} if asynchronous else {}))
        return query, body


class AsyncModelRuntime:
    """A model's actions, each answering a ``Task`` at once."""

    def __init__(self, model: ModelRuntime) -> None:
        self._model = model

    def predict(self, X: Any, **params: Any) -> "Task":
        """Submits predict."""
        return self._model._submit("predict", X, None, params)

    def predict_proba(self, X: Any, **params: Any) -> "Task":
        """Submits predict_proba."""
        return self._model._submit("predict_proba", X, None, params)

    def fit(self, X: Any, Y: Any = None, **params: Any) -> "Task":
        """Submits fit."""
        return self._model._submit("fit", X, Y, params)

    def partial_fit(self, X: Any, Y: Any = None, **params: Any) -> "Task":
        """Submits partial_fit."""
        return self._model._submit("partial_fit", X, Y, params)

    def score(self, X: Any, Y: Any, **params: Any) -> "Task":
        """Submits score."""
        return self._model._submit("score", X, Y, params)

    def transform(self, X: Any, **params: Any) -> "Task":
        """Submits transform."""
        return self._model._submit("transform", X, None, params)


class ScriptRuntime:
    """Runs a script's ``run(om, ...args)``: positional arguments follow ``om``; keyword arguments, when
    there are any, arrive as one object after them (``run(om, a, b, kwargs)``).

    ``run`` waits and answers ``{script, result, runtimes, started, ended, stdout, stderr, task_id}``; a
    script that throws (or runs past its limits) raises ``TaskFailed`` with the platform's code
    (``SCRIPT_FAILED``, ``LIMIT_EXCEEDED``), after the run is recorded.
    """

    def __init__(self, http: Http, label: Optional[str], name: str, timeout: Optional[int]) -> None:
        self._http = http
        self._label = label
        self.name = name
        self._timeout = timeout

    def run(self, *args: Any, **kwargs: Any) -> Dict[str, Any]:
        """Runs the script and waits for it. Keyword values travel as query parameters, so they are numbers,
        strings or booleans (and a string such as ``"3"`` or ``"true"`` arrives as a number or boolean)."""
        return _run(self._http, self._path(), list(args), kwargs, self._label, self._timeout, False)

    def async_(self) -> "AsyncScriptRuntime":
        """The same run submitted without waiting: it answers a ``Task`` whose ``wait()`` gives the run."""
        return AsyncScriptRuntime(self)

    def _path(self) -> str:
        return f"/api/v1/script/{quote(self.name)}/run"


class AsyncScriptRuntime:
    """A script's run, answering a ``Task`` at once."""

    def __init__(self, script: ScriptRuntime) -> None:
        self._script = script

    def run(self, *args: Any, **kwargs: Any) -> "Task":
        """Submits the run."""
        s = self._script
        answer = _run(s._http, s._path(), list(args), kwargs, s._label, s._timeout, True)
        return Task(s._http, answer["task_id"])


class JobRuntime:
    """Runs a notebook job's cells in order on a worker.

    ``run`` waits and answers ``{job, status, result, runtimes, started, ended, task_id}``, ``result`` being
    the executed notebook's name (``om.jobs.notebook(result)`` reads it). A failing cell raises
    ``TaskFailed``; the job's runs then show a FAILURE and the executed notebook the cell's error.
    """

    def __init__(self, http: Http, label: Optional[str], name: str, timeout: Optional[int]) -> None:
        self._http = http
        self._label = label
        self.name = name
        self._timeout = timeout

    def run(self) -> Dict[str, Any]:
        """Runs the notebook and waits for it."""
        return _run(self._http, self._path(), [], {}, self._label, self._timeout, False)

    def async_(self) -> "AsyncJobRuntime":
        """The same run submitted without waiting: it answers a ``Task`` whose ``wait()`` gives the run."""
        return AsyncJobRuntime(self)

    def _path(self) -> str:
        return f"/api/v1/job/{quote(self.name)}/run"


class AsyncJobRuntime:
    """A job's run, answering a ``Task`` at once."""

    def __init__(self, job: JobRuntime) -> None:
        self._job = job

    def run(self) -> "Task":
        """Submits the run."""
        j = self._job
        answer = _run(j._http, j._path(), [], {}, j._label, j._timeout, True)
        return Task(j._http, answer["task_id"])


def _run(
    http: Http,
    path: str,
    args: List[Any],
    kwargs: Dict[str, Any],
    label: Optional[str],
    timeout: Optional[int],
    asynchronous: bool,
) -> Dict[str, Any]:
    reserved = _RUN_RESERVED.intersection(kwargs)
    if reserved:
        raise TypeError(f"{', '.join(sorted(reserved))}: the platform's own parameter, not the run's")
    query: Dict[str, Any] = {key: _param(value) for key, value in kwargs.items()}
    query.update(require=label, timeout=timeout, **({"async": True} if asynchronous else {}))
    return http.json("POST", path, query=query, json_body=jsonable(args))


class Task:
    """A submitted task: poll ``status()``, read ``result()``, or ``wait(timeout)`` for its value."""

    def __init__(self, http: Http, task_id: str) -> None:
        self._http = http
        self.id = task_id

    def __repr__(self) -> str:
        return f"Task({self.id!r})"

    def status(self) -> Dict[str, Any]:
        """The task's record without its result: status (PENDING, STARTED, SUCCESS, FAILURE), timings."""
        return self._http.json("GET", f"/api/v1/task/{quote(self.id)}/status")

    def result(self) -> Dict[str, Any]:
        """The task's record, with ``result`` once it succeeded and ``error`` if it failed."""
        return self._http.json("GET", f"/api/v1/task/{quote(self.id)}/result")

    def wait(self, timeout: float = 60.0, interval: float = 0.05) -> Any:
        """Polls until the task finishes: its result, or ``TaskFailed`` / ``TaskTimeout``."""
        deadline = time.monotonic() + timeout
        while True:
            record = self.result()
            if record["status"] == "SUCCESS":
                return record.get("result")
            if record["status"] == "FAILURE":
                error = record.get("error") or {}
                raise TaskFailed(self.id, error.get("code", "TASK_FAILED"), error.get("message", "failed"))
            left = deadline - time.monotonic()
            if left <= 0:
                raise TaskTimeout(self.id, timeout)
            time.sleep(min(interval, left))
            interval = min(interval * 1.5, 1.0)


def features(X: Any) -> Any:
    """X as omega-ml's ``{columns, data}`` body."""
    if hasattr(X, "columns") and hasattr(X, "to_numpy"):
        return {"columns": [str(c) for c in X.columns], "data": X.to_numpy().tolist()}
    if hasattr(X, "tolist"):
        return {"data": X.tolist()}
    return {"data": list(X)}


def targets(Y: Any) -> Any:
    """Y as a list of values (a Series, an array, a one-column frame or a list)."""
    if hasattr(Y, "columns") and hasattr(Y, "to_numpy"):
        return {"data": Y.to_numpy().tolist()}
    if hasattr(Y, "tolist"):
        return Y.tolist()
    return list(Y)


def _param(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    raise TypeError(f"action parameters are numbers, strings or booleans, not {type(value).__name__}")

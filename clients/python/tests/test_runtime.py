"""Tasks: async submits, status, wait, failures, worker labels, buckets; errors by role."""

import uuid
from typing import Dict

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import omegats
from omegats._http import Http


@pytest.fixture(scope="module")
def iris_model(om: omegats.Omega) -> str:
    data = load_iris()
    model = LogisticRegression(max_iter=1000).fit(data.data.astype("float32"), data.target)
    name = f"iris{uuid.uuid4().hex[:8]}"
    om.models.put(model, name)
    return name


def test_async_predict_polls_to_the_result(om: omegats.Omega, iris_model: str) -> None:
    task = om.runtime.model(iris_model).async_().predict([[6.1, 2.8, 4.7, 1.2], [5.7, 3.8, 1.7, 0.3]])
    assert isinstance(task, omegats.Task) and len(task.id) == 36
    assert task.status()["status"] in ("PENDING", "STARTED", "SUCCESS")
    assert task.wait(timeout=30) == [1, 0]
    record = task.result()
    assert record["status"] == "SUCCESS" and record["result"] == [1, 0]
    assert record["action"] == "model.predict" and record["object"] == iris_model
    assert "result" not in task.status()
    assert om.runtime.task(task.id).wait(5) == [1, 0]


def test_failed_task_raises_task_failed(om: omegats.Omega, iris_model: str) -> None:
    task = om.runtime.model(iris_model).async_().predict([[1.0, 2.0, 3.0]])
    with pytest.raises(omegats.TaskFailed, match="4 features") as caught:
        task.wait(timeout=30)
    assert caught.value.task_id == task.id and caught.value.code == "INVALID_INPUT"
    assert task.result()["status"] == "FAILURE"


def test_wait_times_out_without_stopping_the_task(om: omegats.Omega) -> None:
    # A fit of a 20-tree forest on the platform takes about a second: far longer than the wait.
    name = f"rf{uuid.uuid4().hex[:8]}"
    om.models.put({"algorithm": "random-forest-classifier", "params": {"nEstimators": 20, "seed": 1}}, name)
    data = load_iris()
    task = om.runtime.model(name).async_().fit(data.data.tolist() * 2, data.target.tolist() * 2)
    with pytest.raises(omegats.TaskTimeout) as caught:
        task.wait(timeout=0.001)
    assert caught.value.task_id == task.id
    assert task.wait(timeout=60)["version"] == 2


def test_ping_workers_and_require(om: omegats.Omega, iris_model: str) -> None:
    ping = om.runtime.ping()
    assert ping["label"] == "default" and ping["result"]["message"] == "ping return message"
    workers = om.runtime.workers()
    assert "default" in workers["labels"] and workers["workers"]
    with pytest.raises(omegats.Unavailable, match='label "gpu"') as caught:
        om.runtime.require("gpu").model(iris_model).predict([[6.1, 2.8, 4.7, 1.2]])
    assert caught.value.status == 503 and caught.value.code == "SERVICE_UNAVAILABLE"
    with pytest.raises(omegats.Unavailable):
        om.runtime.require("gpu").ping()
    assert om.runtime.require("default").model(iris_model).predict([[6.1, 2.8, 4.7, 1.2]]) == [1]


def test_reserved_and_bad_parameters(om: omegats.Omega, iris_model: str) -> None:
    with pytest.raises(TypeError, match="datax"):
        om.runtime.model(iris_model).predict([[1, 2, 3, 4]], datax="x")
    with pytest.raises(TypeError, match="numbers, strings or booleans"):
        om.runtime.model(iris_model).predict([[1, 2, 3, 4]], weights=[1, 2])


def test_buckets_are_separate(om: omegats.Omega, iris_model: str) -> None:
    other = om.bucket(f"other{uuid.uuid4().hex[:6]}")
    assert other.bucket_name != om.bucket_name
    assert other.models.list() == []
    with pytest.raises(omegats.NotFound):
        other.runtime.model(iris_model).predict([[6.1, 2.8, 4.7, 1.2]])
    promoted = om.models.promote(iris_model, other.bucket_name)
    assert promoted["attributes"]["promotedFrom"] == f"{om.bucket_name}/{iris_model}"
    assert other.runtime.model(iris_model).predict([[6.1, 2.8, 4.7, 1.2]]) == [1]


def test_forbidden_for_a_readonly_user(om: omegats.Omega, server: Dict[str, str]) -> None:
    admin = Http(server["OMEGA_URL"], server["OMEGA_USERID"], server["OMEGA_APIKEY"])
    userid = f"ro{uuid.uuid4().hex[:8]}"
    admin.json(
        "POST",
        "/api/v1/admin/users",
        json_body={"userid": userid, "password": uuid.uuid4().hex, "tenant": "default", "role": "readonly"},
    )
    key = admin.json("POST", "/api/v1/admin/keys", json_body={"userid": userid, "tenant": "default"})[
        "apikey"
    ]
    reader = omegats.connect(server["OMEGA_URL"], userid, key, bucket=om.bucket_name, use_pandas=False)
    om.datasets.put([{"x": 1}], userid)
    assert reader.datasets.get(userid) == [{"x": 1}]
    with pytest.raises(omegats.Forbidden) as caught:
        reader.datasets.put([{"x": 2}], userid)
    assert caught.value.status == 403 and caught.value.code == "FORBIDDEN"
    assert om.datasets.get(userid)["x"].tolist() == [1]


def test_error_fields_and_text(om: omegats.Omega) -> None:
    with pytest.raises(omegats.OmegaError) as caught:
        om.datasets.metadata("no-such-dataset")
    error = caught.value
    assert isinstance(error, omegats.NotFound)
    assert (error.status, error.code, error.error_id) == (404, "NOT_FOUND", None)
    assert str(error) == "404 NOT_FOUND: data/no-such-dataset not found"

"""Ported from omegaml/tests/core/restapi/test_model_api.py (OmegaRestApiTests)."""

import numpy as np
from numpy.testing import assert_almost_equal
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType, Int64TensorType
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from conftest import ASYNC_HEADERS, check_async, regression_onnx


def test_get_model_metadata(om, client, tmp_path):
    """OmegaRestApiTests.test_get_model_metadata"""
    om.models.put(regression_onnx(tmp_path), "regression")
    resp = client.get("/api/v1/model/regression/")
    assert resp.status_code == 200
    data = resp.get_json()
    assert "model" in data
    assert "result" in data
    assert data["model"] == "regression"
    for key in ("name", "kind", "created", "modified", "bucket"):
        assert key in data["result"]
    # created is in isoformat
    assert __import__("re").match(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", data["result"]["created"])


def test_predict_from_data_inline(om, client, tmp_path):
    """OmegaRestApiTests.test_predict_from_data_inline"""
    om.models.put(regression_onnx(tmp_path), "regression")
    resp = client.put("/api/v1/model/regression/predict", json={"columns": ["v"], "data": dict(v=[5])})
    assert resp.status_code == 200, resp.body
    data = resp.get_json()
    assert data.get("model") == "regression"
    assert_almost_equal(data.get("result"), [10.0], decimal=4)


def test_predict_from_dataset(om, client, tmp_path):
    """OmegaRestApiTests.test_predict_from_dataset: ?datax names a stored list"""
    om.models.put(regression_onnx(tmp_path), "regression")
    assert client.put("/api/v1/dataset/foo", json={"data": [5], "append": False}).status_code == 200
    resp = client.put("/api/v1/model/regression/predict?datax=foo", json={})
    assert resp.status_code == 200, resp.body
    data = resp.get_json()
    assert data.get("model") == "regression"
    assert_almost_equal(data.get("result"), [10.0], decimal=4)


def test_predict_from_dataset_complex_modelpath(om, client, tmp_path):
    """OmegaRestApiTests.test_predict_from_dataset_complex_modelpath: a raw / in the model's name"""
    om.models.put(regression_onnx(tmp_path), "project/test/regression")
    assert client.put("/api/v1/dataset/project%2Ftest%2Ffoo", json={"data": [5], "append": False}).status_code == 200
    resp = client.put("/api/v1/model/project/test/regression/predict?datax=project/test/foo", json={})
    assert resp.status_code == 200, resp.body
    data = resp.get_json()
    assert data.get("model") == "project/test/regression"
    assert_almost_equal(data.get("result"), [10.0], decimal=4)


def test_predict_from_data_inline_with_shape(om, client, tmp_path):
    """omegaml/backends/restapi/model.py GenericModelResource.predict: `data` as columns with `shape`"""
    om.models.put(regression_onnx(tmp_path), "regression")
    resp = client.put(
        "/api/v1/model/regression/predict", json={"columns": ["v"], "data": {"v": [5, 6]}, "shape": [2, 1]}
    )
    assert resp.status_code == 200, resp.body
    assert_almost_equal(resp.get_json()["result"], [10.0, 12.0], decimal=4)


def test_dataset_query(client):
    """OmegaRestApiTests.test_dataset_query"""
    rows = {"x": list(range(100)), "y": list(range(100))}
    assert client.put("/api/v1/dataset/test", json={"data": rows, "append": False}).status_code == 200
    resp = client.get("/api/v1/dataset/test")
    assert resp.status_code == 200
    data = resp.get_json()
    assert "data" in data
    assert "index" in data
    assert "values" in data["index"]
    assert len(data["index"]["values"]) == 100
    assert len(data["data"]["x"]) == 100
    assert len(data["data"]["y"]) == 100


def test_dataset_query_filter(client):
    """OmegaRestApiTests.test_dataset_query_filter"""
    rows = {"x": list(range(100)), "y": list(range(100))}
    assert client.put("/api/v1/dataset/test", json={"data": rows, "append": False}).status_code == 200
    resp = client.get("/api/v1/dataset/test", query_string={"x__gte": 90})
    assert resp.status_code == 200
    data = resp.get_json()
    assert len(data["index"]["values"]) == 10
    assert len(data["data"]["x"]) == 10
    assert len(data["data"]["y"]) == 10


def test_dataset_put(om, client):
    """OmegaRestApiTests.test_dataset_put"""
    data = {
        "data": {"x": list(range(10)), "y": list(range(10)), "s": [str(v) for v in range(10)]},
        "dtypes": {"s": "str"},
        "append": False,
    }
    assert client.put("/api/v1/dataset/foo", json=data).status_code == 200
    df = om.datasets.get("foo")
    assert len(df) == 10
    assert list(df["x"]) == list(range(10))
    assert list(df["y"]) == list(range(10))
    assert list(df["s"]) == [str(v) for v in range(10)]
    data["append"] = True
    assert client.put("/api/v1/dataset/foo", json=data).status_code == 200
    df = om.datasets.get("foo")
    assert len(df) == 20
    assert list(df["x"]) == list(range(10)) * 2
    assert list(df["s"]) == [str(v) for v in list(range(10)) * 2]


def test_dataset_delete(client):
    """OmegaRestApiTests.test_dataset_delete"""
    assert client.delete("/api/v1/dataset/foo").status_code == 404
    rows = {"x": list(range(100)), "y": list(range(100))}
    assert client.put("/api/v1/dataset/foo", json={"data": rows, "append": False}).status_code == 200
    assert client.delete("/api/v1/dataset/foo").status_code == 200
    assert client.get("/api/v1/dataset/foo").status_code == 404


def test_predict_from_data_inline_versions(om, client, tmp_path):
    """OmegaRestApiTests.test_predict_from_data_inline_versions"""
    om.models.put(regression_onnx(tmp_path), "regression", tags=["commit1"])
    om.models.put(regression_onnx(tmp_path, intercept=10), "regression", tags=["commit2"])
    body = {"columns": ["v"], "data": dict(v=[5])}
    resp = client.put("/api/v1/model/regression^/predict", json=body)
    assert resp.status_code == 200, resp.body
    data = resp.get_json()
    assert data.get("model") == "regression^"
    assert_almost_equal(data.get("result"), [10.0], decimal=4)
    resp = client.put("/api/v1/model/regression/predict", json=body)
    assert resp.status_code == 200
    data = resp.get_json()
    assert data.get("model") == "regression"
    assert_almost_equal(data.get("result"), [20.0], decimal=4)
    resp = client.put("/api/v1/model/regression@commit1/predict", json=body)
    assert resp.status_code == 200
    data = resp.get_json()
    assert data.get("model") == "regression@commit1"
    assert_almost_equal(data.get("result"), [10.0], decimal=4)


def test_decision_function(om, client, tmp_path):
    """omegaml/server/restapi/resources.py ModelResource.decision_function (`PUT /api/v1/model/{name}/decision_function`):
    omega-ml answers the model's `decision_function(X)`. Here a LogisticRegression exported to ONNX with its raw
    scores (skl2onnx's `raw_scores`, the output named `scores`) answers scikit-learn's scores, synchronously and
    as a task."""
    x, y = load_iris(return_X_y=True)
    x = x.astype(np.float32)
    clf = LogisticRegression(max_iter=1000).fit(x, y)
    onx = to_onnx(
        clf,
        initial_types=[("input", FloatTensorType([None, 4]))],
        options={id(clf): {"zipmap": False, "raw_scores": True}},
        final_types=[("label", Int64TensorType([None])), ("scores", FloatTensorType([None, 3]))],
        target_opset=17,
    )
    path = tmp_path / "iris-scores.onnx"
    path.write_bytes(onx.SerializeToString())
    om.models.put(str(path), "iris")
    rows = x[[0, 60, 120]]
    body = {"columns": ["a", "b", "c", "d"], "data": rows.tolist()}
    resp = client.put("/api/v1/model/iris/decision_function", json=body)
    assert resp.status_code == 200, resp.body
    data = resp.get_json()
    assert data["model"] == "iris"
    assert_almost_equal(data["result"], clf.decision_function(rows), decimal=4)
    resp = check_async(client, client.put("/api/v1/model/iris/decision_function", json=body, headers=ASYNC_HEADERS))
    assert_almost_equal(resp.get_json()["response"]["result"], clf.decision_function(rows), decimal=4)


def test_unsupported_model_actions_are_a_clear_400(om, client, tmp_path):
    """omegaml/server/restapi/resources.py ModelResource: decision_function, complete and embed are routes
    of omega-ml's model API; an ONNX regression has none of them, which is a 400, never a 404."""
    om.models.put(regression_onnx(tmp_path), "regression")
    for action in ("decision_function", "complete", "embed"):
        resp = client.put(f"/api/v1/model/regression/{action}", json={"columns": ["v"], "data": dict(v=[5])})
        assert resp.status_code == 400, (action, resp.body)
        assert "not supported by this model kind" in resp.get_json()["message"]
    for action in ("decision_function", "complete", "embed"):
        assert client.put(f"/api/v1/model/nosuchmodel/{action}", json={}).status_code == 404

"""Ported from omegaml/tests/core/restapi/test_model_api_async.py (OmegaRestAsyncApiTests)."""

from numpy.testing import assert_almost_equal

from conftest import ASYNC_HEADERS, check_async, regression_onnx


def test_predict_from_data_inline(om, client, tmp_path):
    """OmegaRestAsyncApiTests.test_predict_from_data_inline"""
    om.models.put(regression_onnx(tmp_path), "regression")
    resp = client.put(
        "/api/v1/model/regression/predict", json={"columns": ["v"], "data": dict(v=[5])}, headers=ASYNC_HEADERS
    )
    resp = check_async(client, resp)
    data = resp.get_json()["response"]
    assert data.get("model") == "regression"
    assert_almost_equal(data.get("result"), [10.0], decimal=4)


def test_predict_from_dataset(om, client, tmp_path):
    """OmegaRestAsyncApiTests.test_predict_from_dataset"""
    om.models.put(regression_onnx(tmp_path), "regression")
    assert client.put("/api/v1/dataset/foo", json={"data": [5], "append": False}).status_code == 200
    resp = client.put("/api/v1/model/regression/predict?datax=foo", json={}, headers=ASYNC_HEADERS)
    resp = check_async(client, resp)
    assert resp.status_code == 200
    data = resp.get_json()["response"]
    assert data.get("model") == "regression"
    assert_almost_equal(data.get("result"), [10.0], decimal=4)


def test_predict_from_data_inline_versions(om, client, tmp_path):
    """OmegaRestAsyncApiTests.test_predict_from_data_inline_versions"""
    om.models.put(regression_onnx(tmp_path), "regression", tags=["commit1"])
    om.models.put(regression_onnx(tmp_path, intercept=10), "regression", tags=["commit2"])
    body = {"columns": ["v"], "data": dict(v=[5])}
    resp = client.put("/api/v1/model/regression^/predict", json=body, headers=ASYNC_HEADERS)
    resp = check_async(client, resp)
    data = resp.get_json()["response"]
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


def test_predict_async_by_query_parameter(om, client, tmp_path):
    """omegaml/backends/restapi/asyncrest.py AsyncResponseMixin: ?async=true as well as the header"""
    om.models.put(regression_onnx(tmp_path), "regression")
    resp = client.put("/api/v1/model/regression/predict?async=true", json={"columns": ["v"], "data": dict(v=[5])})
    data = check_async(client, resp).get_json()["response"]
    assert_almost_equal(data.get("result"), [10.0], decimal=4)

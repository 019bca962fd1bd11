"""Ported from omegaml/tests/core/restapi/test_api_buckets.py (OmegaRestApiTestsWithBuckets): the model API
tests again, every request with the `bucket` header, and a model of another bucket not found."""

import uuid

import pytest

import test_model_api
from conftest import RestClient, regression_onnx


@pytest.fixture
def default_bucket() -> str:
    """The bucket without the header: fresh, like omega-ml's default after ``clean()``."""
    return f"d{uuid.uuid4().hex[:10]}"


def test_default_bucket_fails(om, client, server, tmp_path):
    """OmegaRestApiTestsWithBuckets.test_default_bucket_fails

    omega-ml's test asserts 400 for a model that is in another bucket than the one asked for; omega-ts
    answers 404, as for every object that is not there (the README's compatibility table)."""
    other = om.bucket(f"o{uuid.uuid4().hex[:10]}")
    other.models.put(regression_onnx(tmp_path), "regression")
    resp = client.put("/api/v1/model/regression/predict", json={"columns": ["v"], "data": [dict(v=[5])]})
    assert resp.status_code == 404
    assert "regression" in resp.get_json()["message"]
    # the same request in the model's bucket
    there = RestClient(client.url, client.auth, other.bucket_name)
    resp = there.put("/api/v1/model/regression/predict", json={"columns": ["v"], "data": dict(v=[5])})
    assert resp.status_code == 200, resp.body


# The inherited tests: omega-ml reruns every OmegaRestApiTests test with the bucket header; the fixtures
# here always send one (a fresh bucket per test), so they are the same tests in a named bucket.
for _name in dir(test_model_api):
    if _name.startswith("test_"):
        globals()[f"{_name}_in_bucket"] = getattr(test_model_api, _name)

"""omega-ml 0.18's REST API tests (omegaml/tests/core/restapi in its sdist), ported to run over HTTP against
a running omega-ts API named by OMEGA_URL / OMEGA_USERID / OMEGA_APIKEY (test/compat.e2e-spec.ts starts one).

omega-ml's tests store objects with its Python API (``om.models.put(clf, ...)``) and call the REST API through
a Flask test client. Here objects are stored with the omega-ts Python client (clients/python): scikit-learn
models as their ONNX export, scripts and notebook cells in JavaScript. The REST calls and what they assert
are omega-ml's. Every test names the original it comes from in its docstring.
"""

import json
import os
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import numpy as np
import pytest
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType
from sklearn.linear_model import LinearRegression

import omegats


def _server() -> Dict[str, str]:
    missing = [key for key in ("OMEGA_URL", "OMEGA_USERID", "OMEGA_APIKEY") if not os.environ.get(key)]
    if missing:
        raise RuntimeError(f"set {', '.join(missing)} to a running omega-ts API (npm test does)")
    return {key: os.environ[key] for key in ("OMEGA_URL", "OMEGA_USERID", "OMEGA_APIKEY")}


@dataclass
class Response:
    """What omega-ml's tests read from a response: ``status_code``, ``headers``, ``get_json()``."""

    status_code: int
    headers: Mapping[str, str]
    body: bytes

    def get_json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None

    @property
    def json(self) -> Any:
        return self.get_json()


@dataclass
class RestClient:
    """A requests-like client, as omega-ml's ``RequestsLikeTestClient``: JSON in and out, credentials and
    the bucket header on every request."""

    url: str
    auth: str
    bucket: Optional[str] = None
    calls: int = field(default=0)

    def request(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        headers: Optional[Mapping[str, str]] = None,
        query_string: Optional[Mapping[str, Any]] = None,
    ) -> Response:
        target = self.url + path
        if query_string:
            target += ("&" if "?" in target else "?") + urlencode(query_string)
        sent = {"Authorization": self.auth, "Accept": "application/json"}
        if self.bucket:
            sent["Bucket"] = self.bucket
        sent.update(headers or {})
        data = None
        if method != "GET" or json_body is not None:
            sent["Content-Type"] = "application/json"
            data = json.dumps(json_body if json_body is not None else {}).encode("utf-8")
        request = Request(target, data=data, method=method, headers=sent)
        self.calls += 1
        try:
            with urlopen(request, timeout=120) as answer:
                return Response(answer.status, dict(answer.headers), answer.read())
        except HTTPError as error:
            return Response(error.code, dict(error.headers), error.read())

    def get(self, path: str, json: Any = None, **kwargs: Any) -> Response:
        return self.request("GET", path, json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> Response:
        return self.request("PUT", path, json, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Response:
        return self.request("POST", path, json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, None, **kwargs)


ASYNC_HEADERS = {"async": "true"}


def check_async(client: RestClient, resp: Response) -> Response:
    """omega-ml's ``OmegaTestMixin._check_async``: a 202 whose Location gives the task's output."""
    assert resp.status_code == 202, resp.body
    data = resp.get_json()
    location = resp.headers["Location"]
    assert re.match(r".*/api/v1/task/.*/result", location), location
    for _ in range(600):
        result = client.get(location.replace(client.url, ""), json={"resource_uri": data.get("resource_uri")})
        assert result.status_code == 200, result.body
        if result.get_json()["status"] in ("SUCCESS", "FAILURE"):
            break
        time.sleep(0.1)
    body = result.get_json()
    assert body["status"] == "SUCCESS", body
    assert body["task_id"] in location
    return result


@pytest.fixture
def bucket() -> str:
    """Each test works in a fresh bucket: omega-ml's tests start from ``self.clean()``."""
    return f"c{uuid.uuid4().hex[:10]}"


@pytest.fixture
def server() -> Dict[str, str]:
    return _server()


@pytest.fixture
def om(server: Dict[str, str], bucket: str) -> "omegats.Omega":
    return omegats.connect(server["OMEGA_URL"], server["OMEGA_USERID"], server["OMEGA_APIKEY"]).bucket(bucket)


@pytest.fixture
def client(server: Dict[str, str], bucket: str) -> RestClient:
    return RestClient(server["OMEGA_URL"], f"ApiKey {server['OMEGA_USERID']}:{server['OMEGA_APIKEY']}", bucket)


def regression_onnx(tmp_path: Any, intercept: float = 0.0, name: str = "regression") -> str:
    """omega-ml's ``LinearRegression`` fitted on ``y = 2x`` (optionally shifted), exported to ONNX."""
    X = np.arange(10).reshape(-1, 1).astype(np.float32)
    clf = LinearRegression().fit(X, X * 2)
    clf.intercept_ = clf.intercept_ + intercept
    onx = to_onnx(clf, initial_types=[("X", FloatTensorType([None, 1]))], target_opset=17)
    path = tmp_path / f"{name}-{intercept}.onnx"
    path.write_bytes(onx.SerializeToString())
    return str(path)


def hello_notebook() -> Dict[str, Any]:
    """omega-ml's ``v4.new_notebook(cells=[new_code_cell("print('hello')")])`` with a JavaScript cell."""
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "tslab", "display_name": "TypeScript", "language": "typescript"}},
        "cells": [{"cell_type": "code", "source": "console.log('hello')", "metadata": {}, "outputs": [], "execution_count": None}],
    }


# omega-ml's demo package `omegaml/example/demo/helloworld`: run(om, *args, **kwargs) answers
# ['hello from helloworld', kwargs]. Keyword arguments reach a JavaScript script as its last argument.
HELLOWORLD = """export function run(om, ...args) {
  const last = args[args.length - 1];
  return ['hello from helloworld', typeof last === 'object' && last !== null ? last : {}];
}
"""

# A `@virtualobj` script `myscript(data=None, method=None, ...)` answering {data, method}: the JSON body
# is the run's one positional argument here.
MYSCRIPT = """export function run(om, data) {
  return { data: data ?? null, method: 'run' };
}
"""

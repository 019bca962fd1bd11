"""link_datatype: a service's input and output schemas, as omega-ml links them, checked by the service API."""

import json
from typing import Any, Dict, Optional, Tuple
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import Request, urlopen

import pytest

import omegats

# A service summing a list of numbers, its input and result as JSON Schemas.
TOTAL = """export function run(om, data) {
  return { total: data.values.reduce((sum, v) => sum + v, 0), count: data.values.length };
}
"""
MY_INPUT = {
    "type": "object",
    "properties": {"values": {"type": "array", "items": {"type": "number"}}},
    "required": ["values"],
    "additionalProperties": False,
}
MY_RESULT = {"type": "object", "properties": {"total": {"type": "number"}, "count": {"type": "integer"}}}


def call_service(server: Dict[str, str], bucket: str, path: str, body: Any) -> Tuple[int, Any]:
    """A plain REST call of omega-ml's service API, as its users make it."""
    request = Request(
        server["OMEGA_URL"] + path,
        data=json.dumps(body).encode("utf-8"),
        method="POST",
        headers={
            "Authorization": f"ApiKey {server['OMEGA_USERID']}:{server['OMEGA_APIKEY']}",
            "Bucket": bucket,
            "Content-Type": "application/json",
        },
    )
    try:
        with urlopen(request, timeout=120) as answer:
            return answer.status, json.loads(answer.read())
    except HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_script_service_is_checked_against_its_linked_schemas(
    om: omegats.Omega, server: Dict[str, str], bucket: str, name: str
) -> None:
    om.scripts.put(TOTAL, name)
    assert om.scripts.signature(name) == {}
    linked = om.scripts.link_datatype(name, X=MY_INPUT, result=MY_RESULT)
    assert linked == {"service": name, "kind": "script", "signature": {"X": MY_INPUT, "result": MY_RESULT}}
    assert om.scripts.signature(name) == {"X": MY_INPUT, "result": MY_RESULT}
    status, answer = call_service(server, bucket, f"/api/service/{name}", {"values": [1, 2, 3.5]})
    assert (status, answer) == (200, {"total": 6.5, "count": 3})
    status, answer = call_service(server, bucket, f"/api/service/{name}", {"numbers": [1]})
    assert status == 400
    assert "ValidationError" in answer["message"] and "numbers" in answer["message"]
    # Linking again replaces the signature: without one, any body runs.
    om.scripts.link_datatype(name, result=MY_RESULT)
    assert om.scripts.signature(name) == {"result": MY_RESULT}
    status, _ = call_service(server, bucket, f"/api/service/{name}", {"values": [1], "note": "extra"})
    assert status == 200


def test_a_model_takes_many_objects_and_omega_mls_action_pairs(
    om: omegats.Omega, server: Dict[str, str], bucket: str, name: str
) -> None:
    om.models.put({"algorithm": "linear-regression"}, name)
    om.runtime.model(name).fit([{"v": 1}, {"v": 2}, {"v": 3}], [2, 4, 6])
    row = {"type": "object", "properties": {"v": {"type": "number"}}, "required": ["v"]}
    linked = om.models.link_datatype(
        name, X=[row], Y=[{"type": "number"}], actions=[("predict", ["post"]), "predict_proba"]
    )
    assert linked["signature"] == {
        "X": {"type": "array", "items": row},
        "Y": {"type": "array", "items": {"type": "number"}},
        "actions": ["predict", "predict_proba"],
    }
    status, answer = call_service(server, bucket, f"/api/service/{quote(name)}", [{"v": 4}, {"v": 5}])
    assert status == 200, answer
    assert answer == pytest.approx([8, 10])
    status, answer = call_service(server, bucket, f"/api/service/{quote(name)}", [{"w": 4}])
    assert status == 400 and "ValidationError" in answer["message"], answer


def test_a_name_with_a_slash_and_a_job(om: omegats.Omega, name: str) -> None:
    notebook: Dict[str, Any] = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "tslab", "display_name": "TypeScript", "language": "typescript"}},
        "cells": [
            {"cell_type": "code", "source": "1 + 1", "metadata": {}, "outputs": [], "execution_count": None}
        ],
    }
    om.jobs.put(notebook, f"reports/{name}")
    assert om.jobs.link_datatype(f"reports/{name}", X=MY_INPUT)["kind"] == "job"
    assert om.jobs.signature(f"reports/{name}") == {"X": MY_INPUT}


def test_wrong_kinds_and_schemas_are_refused(om: omegats.Omega, name: str) -> None:
    om.scripts.put(TOTAL, name)
    # The name is a script: the models' link_datatype neither links it nor finds a model.
    with pytest.raises(omegats.NotFound, match="is a script, not a model"):
        om.models.link_datatype(name, X=MY_INPUT)
    assert om.scripts.signature(name) == {}
    with pytest.raises(omegats.NotFound):
        om.scripts.link_datatype(name + "-missing", X=MY_INPUT)
    no_schema: Optional[Any] = "values: list of float"
    with pytest.raises(TypeError, match="X must be a JSON Schema"):
        om.scripts.link_datatype(name, X=no_schema)
    # omega-ml's marshmallow-only options are named, not dropped silently.
    with pytest.raises(TypeError, match="errors not supported"):
        om.scripts.link_datatype(name, X=MY_INPUT, errors={"ValueError": 400})
    with pytest.raises(omegats.InvalidInput):
        om.scripts.link_datatype(name, X={"type": "no-such-type"})
    assert om.scripts.signature(name) == {}

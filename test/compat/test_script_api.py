"""Ported from omegaml/tests/core/restapi/test_script_api.py (ScriptResourceTests). omega-ml's demo package
``helloworld`` and the ``@virtualobj`` script are JavaScript scripts here (conftest.HELLOWORLD, MYSCRIPT)."""

from conftest import ASYNC_HEADERS, HELLOWORLD, MYSCRIPT, check_async


def url(pk=None, action=None, query=None):
    url = "/api/v1/script/"
    if pk is not None:
        url += pk
    if action is not None:
        url += f"/{action}"
    if query is not None:
        url += f"?{query}"
    return url


def test_script_run(om, client):
    """ScriptResourceTests.test_script_run"""
    om.scripts.put(HELLOWORLD, "helloworld")
    resp = client.post(url("helloworld", action="run", query="text=foo"), json={"foo": "bar"})
    assert resp.status_code == 200, resp.body
    data = resp.get_json()
    assert "runtimes" in data
    assert "result" in data
    # note the json payload is not part of the response
    expected = ["hello from helloworld", {"text": "foo", "pure_python": False}]
    assert data["result"] == expected


def test_script_run_virtualobj(om, client):
    """ScriptResourceTests.test_script_run_virtualobj"""
    om.scripts.put(MYSCRIPT, "myscript")
    resp = client.post(url("myscript", action="run", query="text=foo"), json={"foo": "bar"})
    assert resp.status_code == 200, resp.body
    data = resp.get_json()
    assert "runtimes" in data
    assert "result" in data
    assert data["result"] == {"data": {"foo": "bar"}, "method": "run"}


def test_script_run_async(om, client):
    """ScriptResourceTests.test_script_run_async"""
    om.scripts.put(HELLOWORLD, "helloworld")
    resp = client.post(url("helloworld", action="run", query="text=foo"), headers=ASYNC_HEADERS, json={})
    resp = check_async(client, resp)
    assert resp.status_code == 200
    data = resp.get_json()["response"]
    assert "runtimes" in data
    assert "result" in data
    expected = ["hello from helloworld", {"text": "foo", "pure_python": False}]
    assert data["result"] == expected


def test_script_run_path_name(om, client):
    """omegaml/server/restapi/resources.py ScriptResource (`/api/v1/script/<path:script_id>/run`): a name
    with a raw / runs"""
    om.scripts.put(HELLOWORLD, "project/helloworld")
    resp = client.post(url("project/helloworld", action="run", query="text=foo"), json={})
    assert resp.status_code == 200, resp.body
    assert resp.get_json()["result"] == ["hello from helloworld", {"text": "foo", "pure_python": False}]
    assert client.post(url("project/helloworld", action="start"), json={}).status_code == 404

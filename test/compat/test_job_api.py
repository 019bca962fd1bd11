"""Ported from omegaml/tests/core/restapi/test_job_api.py (JobResourceTests)."""

from urllib.parse import quote

from conftest import ASYNC_HEADERS, check_async, hello_notebook


def url(pk=None, action=None, query=None):
    url = "/api/v1/job/"
    if pk is not None:
        url += "{pk}/".format(pk=quote(pk, safe=""))  # encode / in name
    if action is not None:
        url += action
    if query is not None:
        url += f"?{query}"
    return url


def test_get_job_info(om, client):
    """JobResourceTests.test_get_job_info"""
    om.jobs.put(hello_notebook(), "testjob")
    resp = client.get(url("testjob"))
    assert resp.status_code == 200
    data = resp.get_json()
    assert "created" in data
    assert "job_results" in data
    assert "job_runs" in data
    assert "job" in data
    assert data["job"] == "testjob.ipynb"
    # run the job (omega-ml runs it locally; here on the platform's runtime) and see the results
    om.runtime.job("testjob").run()
    resp = client.get(url("testjob"))
    assert resp.status_code == 200
    data = resp.get_json()
    assert "created" in data
    assert len(data["job_results"]) == 1
    assert len(data["job_runs"]) == 1
    resultsjob = data["job_results"][0]
    resp = client.get(url(resultsjob))
    assert resp.status_code == 200
    data = resp.get_json()
    assert "source_job" in data
    assert data["source_job"] == "testjob.ipynb"


def test_job_run(om, client):
    """JobResourceTests.test_job_run"""
    om.jobs.put(hello_notebook(), "testjob")
    resp = client.post(url("testjob", action="run"), json={})
    assert resp.status_code == 200, resp.body
    data = resp.get_json()
    assert "created" in data
    assert len(data["job_results"]) == 1
    assert len(data["job_runs"]) == 1
    resultsjob = data["job_results"][0]
    resp = client.get(url(resultsjob))
    assert resp.status_code == 200
    assert "source_job" in resp.get_json()


def test_job_run_async(om, client):
    """JobResourceTests.test_job_run_async"""
    om.jobs.put(hello_notebook(), "testjob")
    resp = client.post(url("testjob", action="run"), headers=ASYNC_HEADERS, json={})
    resp = check_async(client, resp)
    assert resp.status_code == 200
    data = resp.get_json()["response"]
    assert "created" in data
    assert len(data["job_results"]) == 1
    assert len(data["job_runs"]) == 1
    resultsjob = data["job_results"][0]
    resp = client.get(url(resultsjob))
    assert resp.status_code == 200
    assert "source_job" in resp.get_json()


def test_job_run_path_name(om, client):
    """omegaml/server/restapi/resources.py JobResource (`/api/v1/job/<path:job_id>/run`): a name with a raw
    / runs, and its detail is found by the quoted name"""
    om.jobs.put(hello_notebook(), "project/testjob")
    resp = client.post("/api/v1/job/project/testjob/run", json={})
    assert resp.status_code == 200, resp.body
    data = resp.get_json()
    assert len(data["job_results"]) == 1
    resp = client.get(url("project/testjob"))
    assert resp.status_code == 200
    assert resp.get_json()["job"] == "project/testjob.ipynb"


def test_get_job_info_path_name(om, client):
    """omegaml/server/restapi/resources.py JobResource (`/api/v1/job/<path:job_id>`): a name with a raw / is
    routed, answering omega-ml's job detail"""
    om.jobs.put(hello_notebook(), "reports/monthly")
    resp = client.get("/api/v1/job/reports/monthly")
    assert resp.status_code == 200, resp.body
    data = resp.get_json()
    assert data["job"] == "reports/monthly.ipynb"
    for key in ("created", "job_results", "job_runs"):
        assert key in data
    assert client.get("/api/v1/job/reports/monthly.ipynb").get_json()["job"] == "reports/monthly.ipynb"
    assert client.get("/api/v1/job/reports/nosuchjob").status_code == 404

"""Notebook jobs: put, runs on the worker (sync and async), a failing cell, schedules and their times.

The suite's worker has no route back to the API, so the notebooks here compute without ``om``.
"""

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List
from zoneinfo import ZoneInfo

import pytest

import omegats


def notebook(*sources: str) -> Dict[str, Any]:
    """An nbformat 4 notebook of TypeScript code cells for the tslab kernel."""
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "tslab", "display_name": "TypeScript", "language": "typescript"},
            "language_info": {"name": "typescript"},
        },
        "cells": [
            {"cell_type": "code", "source": source, "metadata": {}, "outputs": [], "execution_count": None}
            for source in sources
        ],
    }


WEEKLY = notebook(
    "const units: number[] = [12, 7, 3];\nconsole.log('rows', units.length);",
    "units.reduce((sum, u) => sum + u, 0) * 2",
)
BROKEN = notebook(
    "console.log('before the failure');", "throw new Error('cell broke');", "console.log('never');"
)


def outputs(executed: Dict[str, Any]) -> List[List[Dict[str, Any]]]:
    return [cell.get("outputs", []) for cell in executed["cells"]]


def test_put_run_and_read_the_executed_notebook(om: omegats.Omega, name: str) -> None:
    meta = om.jobs.put(WEEKLY, name, attributes={"team": "reports"})
    assert meta["kind"] == "notebook.ipynb" and meta["attributes"] == {"team": "reports"}
    assert meta["kindMeta"]["language"] == "typescript" and meta["kindMeta"]["runs"] == []
    assert om.jobs.notebook(name)["cells"][1]["source"] == WEEKLY["cells"][1]["source"]
    run = om.runtime.job(name).run()
    assert run["job"] == name and run["status"] == "SUCCESS"
    assert run["result"].startswith(f"results/{name}_") and run["result"].endswith(".ipynb")
    executed = om.jobs.notebook(run["result"])
    assert outputs(executed)[0] == [{"output_type": "stream", "name": "stdout", "text": ["rows 3\n"]}]
    assert outputs(executed)[1][0]["data"] == {"text/plain": "44"}
    runs = om.jobs.get(name)["kindMeta"]["runs"]
    assert [(r["status"], r["result"]) for r in runs] == [("SUCCESS", run["result"])]
    assert om.runtime.task(run["task_id"]).result()["action"] == "job.run"


def test_put_from_a_file_async_run_list_and_drop(om: omegats.Omega, name: str, tmp_path: Path) -> None:
    path = tmp_path / "weekly.ipynb"
    path.write_text(json.dumps(WEEKLY))
    assert om.jobs.put(str(path), name)["kindMeta"]["cells"] == 2
    task = om.runtime.job(name).async_().run()
    assert isinstance(task, omegats.Task)
    run = task.wait(timeout=60)
    assert run["status"] == "SUCCESS"
    assert {name, run["result"]} <= set(om.jobs.list())
    assert om.jobs.list(pattern=f"results/{name}_*") == [run["result"]]
    assert om.jobs.drop(name) is True
    with pytest.raises(omegats.NotFound):
        om.runtime.job(name).run()
    assert om.jobs.drop(name, force=True) is False
    assert run["result"] in om.jobs.list()


def test_failing_cell_is_a_failure_with_the_error_in_the_notebook(om: omegats.Omega, name: str) -> None:
    om.jobs.put(BROKEN, name)
    with pytest.raises(omegats.TaskFailed, match="cell 1: cell broke") as caught:
        om.runtime.job(name).run()
    assert (caught.value.status, caught.value.code) == (422, "SCRIPT_FAILED")
    [run] = om.jobs.get(name)["kindMeta"]["runs"]
    assert run["status"] == "FAILURE" and "cell broke" in run["error"]
    cells = outputs(om.jobs.notebook(run["result"]))
    assert cells[0] == [{"output_type": "stream", "name": "stdout", "text": ["before the failure\n"]}]
    assert cells[1][0]["output_type"] == "error" and cells[1][0]["evalue"] == "cell broke"
    assert cells[2] == []
    with pytest.raises(omegats.TaskFailed, match="cell broke"):
        om.runtime.job(name).async_().run().wait(timeout=60)
    assert [r["status"] for r in om.jobs.get(name)["kindMeta"]["runs"]] == ["FAILURE", "FAILURE"]


def test_schedule_in_plain_english_and_its_next_times(om: omegats.Omega, name: str) -> None:
    om.jobs.put(WEEKLY, name)
    schedule = om.jobs.schedule(name, "every 5 minutes")
    assert (schedule["cron"], schedule["text"], schedule["timezone"]) == (
        "*/5 * * * *",
        "every 5 minutes",
        "UTC",
    )
    assert len(schedule["next_times"]) == 5
    times = om.jobs.next_times(name, 3)
    assert len(times) == 3 and all(isinstance(t, datetime) and t.tzinfo is not None for t in times)
    now = datetime.now(timezone.utc)
    assert now - timedelta(minutes=1) < times[0] <= now + timedelta(minutes=5)
    assert all(t.minute % 5 == 0 and t.second == 0 for t in times)
    assert [b - a for a, b in zip(times, times[1:])] == [timedelta(minutes=5)] * 2
    assert om.jobs.get_schedule(name, n=7)["next_times"][:3] == schedule["next_times"][:3]
    assert om.jobs.triggers(name) == []
    assert om.jobs.drop_schedule(name) is True
    with pytest.raises(omegats.NotFound):
        om.jobs.get_schedule(name)
    assert om.jobs.drop_schedule(name, force=True) is False
    assert om.jobs.get(name)["name"] == name


def test_schedule_as_cron_in_a_time_zone_and_bad_text(om: omegats.Omega, name: str) -> None:
    om.jobs.put(WEEKLY, name)
    schedule = om.jobs.schedule(name, "30 6 * * 1-5", timezone="Europe/Zurich")
    assert (schedule["cron"], schedule["timezone"]) == ("30 6 * * 1-5", "Europe/Zurich")
    assert "text" not in schedule
    zurich = ZoneInfo("Europe/Zurich")
    local = [when.astimezone(zurich) for when in om.jobs.next_times(name, 5)]
    assert all((t.hour, t.minute, t.weekday() < 5) == (6, 30, True) for t in local)
    assert om.jobs.schedule(name, "weekdays at 06:30", timezone="Europe/Zurich")["cron"] == "30 6 * * 1-5"
    with pytest.raises(omegats.InvalidInput, match="Unknown schedule text") as caught:
        om.jobs.schedule(name, "twice a fortnight")
    assert "every N minutes" in caught.value.message
    with pytest.raises(omegats.NotFound):
        om.jobs.schedule(name + "-missing", "every hour")

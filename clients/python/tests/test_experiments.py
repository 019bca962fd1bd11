"""Experiments from Python: ``with om.runtime.experiment(name) as exp``."""

import uuid

import pytest

from omegats.errors import InvalidInput


def test_a_with_block_is_one_run_that_logs_params_metrics_and_an_artifact(om):
    name = f"py-{uuid.uuid4().hex[:8]}"
    with om.runtime.experiment(name) as exp:
        exp.log_params({"lr": 0.01, "optimizer": "adam"})
        for step in range(12_000):
            exp.log_metric("loss", 1 / (step + 1), step=step)
        exp.log_artifact("train", ref="sales/2024", kind="dataset")
    [run] = om.runtime.experiment(name).runs()
    assert run["status"] == "completed"
    assert run["params"] == {"lr": 0.01, "optimizer": "adam"}
    assert run["metrics"]["loss"]["count"] == 12_000
    assert run["metrics"]["loss"]["last"] == pytest.approx(1 / 12_000)
    assert run["artifacts"] == {"train": {"type": "dataset", "ref": "sales/2024"}}
    tail = om.runtime.experiment(name).data(event="metric", step__gte=11_998)
    assert [row["step"] for row in tail] == [11_998, 11_999]


def test_an_exception_ends_the_run_as_failed_and_two_runs_compare(om):
    name = f"py-{uuid.uuid4().hex[:8]}"
    with om.runtime.experiment(name) as exp:
        exp.log_param("depth", 4)
        exp.log_metric("auc", 0.7)
    with pytest.raises(ValueError):
        with om.runtime.experiment(name) as exp:
            exp.log_param("depth", 8)
            exp.log_metric("auc", 0.9)
            raise ValueError("diverged")
    runs = om.runtime.experiment(name).runs()
    assert [r["status"] for r in runs] == ["completed", "failed"]
    compared = om.runtime.experiment(name).compare(1, 2)
    assert compared["params"] == [{"key": "depth", "values": [4, 8], "differs": True}]
    assert compared["metrics"] == [{"key": "auc", "last": [0.7, 0.9]}]


def test_a_bad_metric_name_is_refused(om):
    exp = om.runtime.experiment(f"py-{uuid.uuid4().hex[:8]}").start()
    with pytest.raises(InvalidInput) as refused:
        exp.log_param("bad name", 1)
    assert refused.value.status == 400

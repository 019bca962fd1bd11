"""Experiments from Python: ``with om.runtime.experiment(name) as exp``."""

import uuid

import pandas as pd
import pytest

from omegats.errors import InvalidInput, NotFound


def test_a_with_block_is_one_run_that_logs_params_metrics_and_an_artifact(om_records):
    om = om_records
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


def test_an_exception_ends_the_run_as_failed_and_two_runs_compare(om_records):
    om = om_records
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


def test_runs_and_metrics_read_as_data_frames_with_pandas(om):
    name = f"py-{uuid.uuid4().hex[:8]}"
    for lr in (0.1, 0.01):
        with om.runtime.experiment(name) as exp:
            exp.log_param("lr", lr)
            for step in range(1, 101):
                exp.log_metric("acc", 1 - lr / step, step=step)
    runs = om.runtime.experiment(name).runs()
    assert isinstance(runs, pd.DataFrame)
    assert runs[["run", "status", "params.lr"]].to_dict("records") == [
        {"run": 1, "status": "completed", "params.lr": 0.1},
        {"run": 2, "status": "completed", "params.lr": 0.01},
    ]
    assert runs["metrics.acc"].tolist() == pytest.approx([0.999, 0.9999])
    assert str(runs["start"].dtype).startswith("datetime64")
    acc = om.runtime.experiment(name).metrics("acc")
    assert list(acc.columns) == ["run", "step", "value", "time"]
    assert len(acc) == 200
    assert acc.groupby("run")["value"].max().tolist() == pytest.approx([0.999, 0.9999])
    assert om.runtime.experiment(name).metrics("acc", runs=[2])["step"].tolist() == list(range(1, 101))
    params = om.runtime.experiment(name).data(event="param")
    assert isinstance(params, pd.DataFrame)
    assert params["value"].tolist() == [0.1, 0.01]


def test_a_model_is_tracked_and_its_drift_check_scheduled_and_removed(om, name):
    X = pd.DataFrame({"x": [float(i) for i in range(40)]})
    om.datasets.put(X.assign(y=[i % 2 for i in range(40)]), f"{name}-train")
    om.models.put({"algorithm": "knn", "params": {"k": 3}}, name)
    om.runtime.model(name).fit(X, [i % 2 for i in range(40)])
    link = om.runtime.model(name).track(f"{name}-prod")
    assert link["experiment"] == f"{name}-prod"
    om.runtime.model(name).predict(X.head(10))
    schedule = om.runtime.model(name).monitor(f"{name}-train", schedule="*/5 * * * *", features=["x"])
    assert schedule["cron"] == "*/5 * * * *"
    assert schedule["check"] == {"baseline": f"{name}-train", "features": ["x"]}
    assert len(schedule["next"]) == 5
    assert om.runtime.model(name).unmonitor() == {"unscheduled": name}
    with pytest.raises(NotFound):
        om.runtime.model(name).unmonitor()
    assert om.runtime.model(name).untrack() == {"untracked": name}

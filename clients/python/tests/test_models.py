"""Real scikit-learn models exported to ONNX, uploaded and served: predictions match scikit-learn's."""

import json
from pathlib import Path
from typing import Tuple

import numpy as np
import pandas as pd
import pytest
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType
from sklearn.datasets import load_diabetes, load_iris
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import omegats

SEED = 42


def iris_split() -> Tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    data = load_iris(as_frame=True)
    # onnxruntime computes in float32: so must scikit-learn for a 1e-5 comparison.
    x = data.data.astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(x, data.target, test_size=30, random_state=SEED)
    return x_train, x_test, y_train.to_numpy(), y_test.to_numpy()


@pytest.fixture(scope="module")
def iris_model(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Pipeline, Path]:
    x_train, _, y_train, _ = iris_split()
    model = Pipeline(
        [("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=1000, random_state=SEED))]
    ).fit(x_train, y_train)
    onx = to_onnx(
        model,
        initial_types=[("input", FloatTensorType([None, 4]))],
        options={id(model.steps[-1][1]): {"zipmap": False}},
        target_opset=17,
    )
    path = tmp_path_factory.mktemp("onnx") / "iris.onnx"
    path.write_bytes(onx.SerializeToString())
    return model, path


def test_onnx_classifier_predicts_as_scikit_learn(
    om: omegats.Omega, name: str, iris_model: Tuple[Pipeline, Path]
) -> None:
    model, path = iris_model
    _, x_test, _, y_test = iris_split()
    meta = om.models.put(str(path), name, attributes={"team": "growth"})
    assert meta["kind"] == "onnx.model" and meta["attributes"] == {"team": "growth"}
    description = meta["kindMeta"]["description"]
    assert description["featureCount"] == 4 and description["classes"] == [0, 1, 2]

    runtime = om.runtime.model(name)
    assert runtime.predict(x_test) == model.predict(x_test).tolist()
    assert runtime.predict(x_test.to_numpy().tolist()) == model.predict(x_test).tolist()
    assert runtime.predict(x_test.to_numpy()) == model.predict(x_test).tolist()
    proba = np.array(runtime.predict_proba(x_test))
    np.testing.assert_allclose(proba, model.predict_proba(x_test), rtol=0, atol=1e-5)
    assert runtime.score(x_test, pd.Series(y_test)) == pytest.approx(model.score(x_test, y_test), abs=1e-12)


def test_dataset_names_as_inputs(om: omegats.Omega, name: str, iris_model: Tuple[Pipeline, Path]) -> None:
    model, path = iris_model
    _, x_test, _, y_test = iris_split()
    om.models.put(str(path), name)
    om.datasets.put(x_test, name + "_X")
    om.datasets.put(pd.DataFrame({"species": y_test}), name + "_Y")
    assert om.runtime.model(name).predict(name + "_X") == model.predict(x_test).tolist()
    assert om.runtime.model(name).score(name + "_X", name + "_Y") == pytest.approx(
        model.score(x_test, y_test)
    )


def test_onnx_regressor_within_1e_5(om: omegats.Omega, name: str, tmp_path: Path) -> None:
    data = load_diabetes()
    x = data.data.astype(np.float32)
    x_train, x_test, y_train, _ = train_test_split(x, data.target, test_size=20, random_state=SEED)
    forest = RandomForestRegressor(n_estimators=10, max_depth=6, random_state=SEED).fit(x_train, y_train)
    onx = to_onnx(forest, initial_types=[("input", FloatTensorType([None, 10]))], target_opset=17)
    (tmp_path / "rf.onnx").write_bytes(onx.SerializeToString())
    om.models.put(str(tmp_path / "rf.onnx"), name)
    got = np.array(om.runtime.model(name).predict(x_test), dtype=float).ravel()
    want = forest.predict(x_test)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())


def test_estimator_put_directly_and_versions(om: omegats.Omega, name: str) -> None:
    x_train, x_test, y_train, _ = iris_split()
    first = LogisticRegression(max_iter=1000, C=0.01, random_state=SEED).fit(x_train, y_train)
    second = LogisticRegression(max_iter=1000, C=10.0, random_state=SEED).fit(x_train, y_train)
    assert om.models.put(first, name, tags=["baseline"])["kindMeta"]["latest"] == 1
    assert om.models.put(second, name)["kindMeta"]["latest"] == 2
    versions = om.models.versions(name)
    assert versions["tags"] == {"latest": 2, "baseline": 1}
    assert [v["version"] for v in versions["versions"]] == [2, 1]
    np.testing.assert_allclose(
        om.runtime.model(name).predict_proba(x_test), second.predict_proba(x_test), atol=1e-5, rtol=0
    )
    np.testing.assert_allclose(
        om.runtime.model(name + "@baseline").predict_proba(x_test),
        first.predict_proba(x_test),
        atol=1e-5,
        rtol=0,
    )
    assert om.models.metadata(name + "@1")["kindMeta"]["description"]["featureCount"] == 4
    assert name in om.models.list()


def test_platform_fitted_models(om: omegats.Omega, name: str) -> None:
    iris = load_iris(as_frame=True)
    x, y = iris.data, iris.target
    om.models.put({"algorithm": "random-forest-classifier", "params": {"nEstimators": 25, "seed": 42}}, name)
    fitted = om.runtime.model(name).fit(x, y)
    assert fitted == {"model": name, "version": 2, "parent": 1, "rows": 150}
    assert om.runtime.model(name).score(x, y) > 0.9
    assert set(om.runtime.model(name).predict(x.iloc[:10])) <= {0, 1, 2}

    om.models.put({"algorithm": "pca", "params": {}}, name + "-pca")
    om.runtime.model(name + "-pca").fit(x)
    projected = np.array(om.runtime.model(name + "-pca").transform(x.iloc[:5]))
    assert projected.shape[0] == 5 and projected.shape[1] >= 2


def test_drop_and_not_found(om: omegats.Omega, name: str, iris_model: Tuple[Pipeline, Path]) -> None:
    om.models.put(str(iris_model[1]), name)
    assert om.models.drop(name) is True
    with pytest.raises(omegats.NotFound):
        om.models.metadata(name)
    with pytest.raises(omegats.NotFound):
        om.runtime.model(name).predict([[1, 2, 3, 4]])
    assert om.models.drop(name, force=True) is False


def test_bad_model_file_is_invalid_input(om: omegats.Omega, name: str, tmp_path: Path) -> None:
    (tmp_path / "junk.onnx").write_bytes(b"not an onnx graph")
    with pytest.raises(omegats.InvalidInput):
        om.models.put(str(tmp_path / "junk.onnx"), name)
    with pytest.raises(omegats.InvalidInput, match="4 features"):
        om.models.put(LogisticRegression().fit([[0, 0, 0, 0], [1, 1, 1, 1]], [0, 1]), name)
        om.runtime.model(name).predict([[1.0, 2.0]])
    assert json.dumps(om.models.versions(name)["tags"]) == '{"latest": 1}'

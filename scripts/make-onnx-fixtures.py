"""Writes the ONNX fixtures the `onnx.model` engine is tested against.

Run from the repository root:

    python3 scripts/make-onnx-fixtures.py [NAME ...]

With names, only those fixtures are written (the others stay as they are).
Needs scikit-learn and skl2onnx (`pip install scikit-learn skl2onnx`). The output is deterministic
(fixed seeds), so re-running it only changes the files when a library version changes how it exports.

For each model it writes `test/fixtures/onnx/<name>.onnx` and `<name>.expected.json`: held-out rows,
their true targets, and scikit-learn's own predictions and score on them, which the TypeScript tests
(libs/onnx) compare onnxruntime against.
"""

import json
import os
import sys

import numpy as np
from skl2onnx import to_onnx
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType, Int64TensorType
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "onnx")
SEED = 42
TEST_ROWS = 20
# An opset onnxruntime-node 1.30 runs; pinned so a newer skl2onnx does not silently raise it.
TARGET_OPSET = 17


def split(dataset, columns=None, dtype=np.float32):
    # Cast before fitting and predicting: onnxruntime sees float32, so scikit-learn must too for the
    # expected values to match to 1e-5.
    x = dataset.data.astype(dtype)
    if columns is not None:
        x = x[:, [dataset.feature_names.index(c) for c in columns]]
    return train_test_split(x, dataset.target, test_size=TEST_ROWS, random_state=SEED)


def wanted(name):
    # Names on the command line pick the fixtures to write; none writes them all.
    return len(sys.argv) < 2 or name in sys.argv[1:]


def export(name, model, initial_types, is_classifier=False, raw_scores=False, final_types=None):
    # Without zipmap a classifier answers `label` and `probabilities` tensors rather than a list of
    # maps; options go to the final estimator, which for a pipeline is its last step. With raw_scores
    # the second output holds decision_function's scores instead of probabilities.
    if not wanted(name):
        return
    final = model.steps[-1][1] if isinstance(model, Pipeline) else model
    options = {id(final): {"zipmap": False, "raw_scores": raw_scores}} if is_classifier else None
    onx = to_onnx(
        model, initial_types=initial_types, options=options, target_opset=TARGET_OPSET, final_types=final_types
    )
    dedupe_opsets(onx)
    with open(os.path.join(OUT_DIR, f"{name}.onnx"), "wb") as f:
        f.write(onx.SerializeToString())


def one_input(n_features):
    return [("input", FloatTensorType([None, n_features]))]


def write_expected(name, model, columns, x_test, y_test=None):
    if not wanted(name):
        return
    expected = {"columns": [str(c) for c in columns], "X": x_test.tolist()}
    if hasattr(model, "predict"):
        expected["predict"] = model.predict(x_test).tolist()
        # True targets and scikit-learn's score on them (accuracy or R²), to check the engine's score.
        expected["y"] = y_test.tolist()
        expected["score"] = model.score(x_test, y_test)
    if hasattr(model, "predict_proba"):
        expected["predict_proba"] = model.predict_proba(x_test).tolist()
        expected["classes"] = model.classes_.tolist()
    if hasattr(model, "transform"):
        expected["transform"] = model.transform(x_test).tolist()
    if hasattr(model, "decision_function"):
        expected["decision_function"] = model.decision_function(x_test).tolist()
    with open(os.path.join(OUT_DIR, f"{name}.expected.json"), "w") as f:
        f.write(to_json(expected))


def dedupe_opsets(onx):
    # skl2onnx can list the default domain twice; keep one entry per domain so tools reading the
    # opset (the engine's describe) see it once.
    seen = {}
    for opset in onx.opset_import:
        seen[opset.domain] = max(seen.get(opset.domain, 0), opset.version)
    del onx.opset_import[:]
    for domain, version in sorted(seen.items()):
        onx.opset_import.add(domain=domain, version=version)


def to_json(expected):
    # One row per line: the file stays small and a diff shows which row changed.
    def value(v):
        if isinstance(v, list) and v and isinstance(v[0], list):
            return "[\n" + ",\n".join("    " + json.dumps(row) for row in v) + "\n  ]"
        return json.dumps(v)

    return "{\n" + ",\n".join(f"  {json.dumps(k)}: {value(v)}" for k, v in expected.items()) + "\n}\n"


def main():
    os.makedirs(OUT_DIR, exist_ok=True)

    iris = load_iris()
    x_train, x_test, y_train, y_test = split(iris)
    logreg = LogisticRegression(max_iter=1000, random_state=SEED).fit(x_train, y_train)
    export("iris-logreg", logreg, one_input(4), is_classifier=True)
    write_expected("iris-logreg", logreg, iris.feature_names, x_test, y_test)

    # The same classifier exported with its raw scores as an output named `scores` (decision_function)
    # in place of its probabilities.
    export(
        "iris-logreg-scores",
        logreg,
        one_input(4),
        is_classifier=True,
        raw_scores=True,
        final_types=[("label", Int64TensorType([None])), ("scores", FloatTensorType([None, 3]))],
    )
    write_expected("iris-logreg-scores", logreg, iris.feature_names, x_test, y_test)

    # A binary classifier with its raw scores: skl2onnx answers two columns (negative, positive class)
    # where scikit-learn's decision_function answers one score per row, the positive class's margin.
    cancer = load_breast_cancer()
    x_train, x_test, y_train, y_test = split(cancer)
    binary = Pipeline(
        [("scaler", StandardScaler()), ("clf", LogisticRegression(max_iter=1000, random_state=SEED))]
    ).fit(x_train, y_train)
    export(
        "cancer-logreg-scores",
        binary,
        one_input(30),
        is_classifier=True,
        raw_scores=True,
        final_types=[("label", Int64TensorType([None])), ("scores", FloatTensorType([None, 2]))],
    )
    write_expected("cancer-logreg-scores", binary, cancer.feature_names, x_test, y_test)

    diabetes = load_diabetes()
    x_train, x_test, y_train, y_test = split(diabetes)
    forest = RandomForestRegressor(n_estimators=10, max_depth=6, random_state=SEED).fit(x_train, y_train)
    export("rf-regressor", forest, one_input(10))
    write_expected("rf-regressor", forest, diabetes.feature_names, x_test, y_test)

    wine = load_wine()
    x_train, x_test, y_train, y_test = split(wine)
    scaled = Pipeline(
        [("scaler", StandardScaler()), ("clf", LogisticRegression(max_iter=1000, random_state=SEED))]
    ).fit(x_train, y_train)
    export("scaler-classifier", scaled, one_input(13), is_classifier=True)
    write_expected("scaler-classifier", scaled, wine.feature_names, x_test, y_test)

    # One float64 input per column, as skl2onnx exports a ColumnTransformer pipeline fed from a
    # data frame: the engine must feed inputs by name (or position), not as one matrix.
    columns = ["age", "bmi", "bp"]
    x_train, x_test, y_train, y_test = split(diabetes, columns, np.float64)
    by_column = Pipeline(
        [
            ("columns", ColumnTransformer([("scale", StandardScaler(), [0, 1, 2])])),
            ("reg", LinearRegression()),
        ]
    ).fit(x_train, y_train)
    export("columns-regressor", by_column, [(c, DoubleTensorType([None, 1])) for c in columns])
    write_expected("columns-regressor", by_column, columns, x_test, y_test)

    # A transformer: no label, one float matrix out.
    x_train, x_test, _, _ = split(iris)
    pca = PCA(n_components=2, random_state=SEED).fit(x_train)
    export("iris-pca", pca, one_input(4))
    write_expected("iris-pca", pca, iris.feature_names, x_test)

    for name in sorted(os.listdir(OUT_DIR)):
        print(f"{name}: {os.path.getsize(os.path.join(OUT_DIR, name))} bytes")


if __name__ == "__main__":
    main()

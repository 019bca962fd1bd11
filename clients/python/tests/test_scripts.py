"""Scripts: put from source and from files, metadata, runs on the worker (sync and async), failures."""

from pathlib import Path

import pytest

import omegats

ADD = """export function run(om, a, b, kwargs) {
  console.log('adding', a, b);
  console.error('a warning');
  return { sum: a + b, kwargs };
}
"""
BOOM = "export function run(om) { throw new Error('no data for ' + new Date(0).getUTCFullYear()); }\n"


def test_put_get_list_drop(om: omegats.Omega, name: str, tmp_path: Path) -> None:
    meta = om.scripts.put(ADD, name, attributes={"team": "reports"})
    assert meta["name"] == name and meta["kind"] == "script.js"
    assert meta["attributes"] == {"team": "reports"}
    assert meta["kindMeta"]["language"] == "javascript"
    assert meta["kindMeta"]["source"] == {"filename": "index.js", "size": len(ADD)}
    source = tmp_path / "report.ts"
    source.write_text("export function run(om: unknown, n: number): number {\n  return n * 2;\n}\n")
    typed = om.scripts.put(str(source), name + "-ts")
    assert typed["kindMeta"]["language"] == "typescript"
    assert typed["kindMeta"]["source"]["filename"] == "report.ts"
    assert om.scripts.get(name)["kindMeta"]["owner"] == om.userid
    assert {name, name + "-ts"} <= set(om.scripts.list())
    assert om.scripts.list(pattern=name + "-*") == [name + "-ts"]
    assert om.runtime.script(name + "-ts").run(21)["result"] == 42
    assert om.scripts.drop(name + "-ts") is True
    with pytest.raises(omegats.NotFound):
        om.scripts.get(name + "-ts")
    assert om.scripts.drop(name + "-ts", force=True) is False


def test_a_script_reads_and_writes_datasets_through_its_om(om: omegats.Omega, name: str) -> None:
    om.datasets.put([{"region": "EU", "units": 12}, {"region": "US", "units": 7}], name + "-in")
    script = (
        "export async function run(om: any, source: string, target: string) {\n"
        "  const rows = await om.datasets.get(source, { filter: { units__gte: 10 } });\n"
        "  await om.datasets.put(rows.map((row: any) => ({ ...row, doubled: row.units * 2 })), target);\n"
        "  return { tenant: om.tenant, rows: rows.length };\n"
        "}\n"
    )
    om.scripts.put(script, name, filename="copy.ts")
    run = om.runtime.script(name).run(name + "-in", name + "-out")
    assert run["result"] == {"tenant": om.tenant, "rows": 1}
    out = om.datasets.get(name + "-out")
    records = out.to_dict("records") if hasattr(out, "to_dict") else out
    assert records == [{"region": "EU", "units": 12, "doubled": 24}]


def test_run_passes_args_and_kwargs_and_captures_output(om: omegats.Omega, name: str) -> None:
    om.scripts.put(ADD, name)
    run = om.runtime.script(name).run(2, 3, label="weekly", n=5, full=True)
    assert run["script"] == name
    # omega-ml's runtime adds pure_python: false to keyword arguments; so does omega-ts.
    assert run["result"] == {"sum": 5, "kwargs": {"label": "weekly", "n": 5, "full": True, "pure_python": False}}
    assert (run["stdout"], run["stderr"]) == ("adding 2 3\n", "a warning\n")
    assert run["runtimes"] > 0 and run["ended"] >= run["started"]
    record = om.runtime.task(run["task_id"]).result()
    assert record["status"] == "SUCCESS" and record["action"] == "script.run" and record["object"] == name


def test_async_run_answers_a_task(om: omegats.Omega, name: str) -> None:
    om.scripts.put(ADD, name)
    task = om.runtime.script(name).async_().run(40, 2)
    assert isinstance(task, omegats.Task)
    run = task.wait(timeout=60)
    # Without keyword arguments the script gets no kwargs object.
    assert run["script"] == name and run["result"] == {"sum": 42}
    assert run["stdout"] == "adding 40 2\n"


def test_npm_dependencies_are_bundled_at_put(om: omegats.Omega, name: str) -> None:
    source = "import ms from 'ms';\nexport function run(om: unknown, text: string) {\n  return ms(text);\n}\n"
    meta = om.scripts.put(source, name, dependencies={"ms": "^2.1.3"}, filename="ms.ts")
    assert meta["kindMeta"]["dependencies"]["ms"].startswith("2.1.")
    assert om.runtime.script(name).run("2 days")["result"] == 172_800_000


def test_failing_script_raises_task_failed(om: omegats.Omega, name: str) -> None:
    om.scripts.put(BOOM, name)
    with pytest.raises(omegats.TaskFailed, match="no data for 1970") as caught:
        om.runtime.script(name).run()
    error = caught.value
    assert isinstance(error, omegats.OmegaError)
    assert (error.status, error.code) == (422, "SCRIPT_FAILED")
    assert om.runtime.task(error.task_id).result()["status"] == "FAILURE"
    task = om.runtime.script(name).async_().run()
    with pytest.raises(omegats.TaskFailed, match="no data for 1970") as waited:
        task.wait(timeout=60)
    assert (waited.value.status, waited.value.code, waited.value.task_id) == (0, "SCRIPT_FAILED", task.id)


def test_bad_calls_are_refused_clearly(om: omegats.Omega, name: str) -> None:
    with pytest.raises(FileNotFoundError, match="no-such-file.js"):
        om.scripts.put("no-such-file.js", name)
    with pytest.raises(omegats.NotFound):
        om.runtime.script(name).run()
    om.scripts.put(ADD, name)
    with pytest.raises(TypeError, match="timeout"):
        om.runtime.script(name).run(1, 2, timeout=3)
    with pytest.raises(TypeError, match="numbers, strings or booleans"):
        om.runtime.script(name).run(1, 2, weights=[1, 2])
    with pytest.raises(omegats.InvalidInput, match="dependencies"):
        om.scripts.put(ADD, name, dependencies="{not json")

"""The Grafana dashboards of omega-ts, as code (Grafana's foundation SDK).

    .omega/tools-python/bin/python deploy/grafana/dashboards.py && npx prettier --write deploy/grafana/dashboards
    .omega/tools-python/bin/python deploy/grafana/dashboards.py --check   # exit 1 when a file differs

Edit this file, never the JSON: the tests regenerate the dashboards and fail when a file holds anything
else (compared as JSON, so the files may be laid out by prettier). The queries read the recording rules
of deploy/prometheus/rules/ where one exists, so a panel and its alert agree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from grafana_foundation_sdk.builders import dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef

OUT = Path(__file__).resolve().parent / "dashboards"
# Panels ask the data source picked in the dashboard's `datasource` variable.
DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")


def query(expr: str, legend: str = "") -> prometheus.Dataquery:
    target = prometheus.Dataquery().expr(expr).range()
    return target.legend_format(legend) if legend else target


def graph(title: str, unit: str, *targets: prometheus.Dataquery, description: str = "") -> timeseries.Panel:
    panel = timeseries.Panel().title(title).unit(unit).datasource(DATASOURCE).height(8).span(12).fill_opacity(10)
    if description:
        panel = panel.description(description)
    for index, target in enumerate(targets):
        panel = panel.with_target(target.ref_id(chr(ord("A") + index)))
    return panel


def big_number(title: str, unit: str, expr: str, description: str = "") -> stat.Panel:
    panel = (
        stat.Panel()
        .title(title)
        .unit(unit)
        .datasource(DATASOURCE)
        .height(4)
        .span(6)
        .with_target(prometheus.Dataquery().expr(expr).instant().ref_id("A"))
    )
    return panel.description(description) if description else panel


def base(uid: str, title: str, description: str) -> dashboard.Dashboard:
    return (
        dashboard.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["omega-ts"])
        .refresh("30s")
        .time("now-6h", "now")
        .timezone("browser")
        .with_variable(dashboard.DatasourceVariable("datasource").label("Data source").type("prometheus"))
    )


def overview() -> dashboard.Dashboard:
    return (
        base("omega-overview", "omega-ts: platform overview", "API traffic, errors and latency, workers and the part cache")
        .with_row(dashboard.Row("Now"))
        .with_panel(big_number("Requests / s", "reqps", "sum(job:omega_http_requests:rate5m)"))
        .with_panel(big_number("5xx share", "percentunit", "max(job:omega_http_errors:ratio_rate5m)"))
        .with_panel(big_number("p99 latency", "s", "max(job:omega_http_request_duration_seconds:p99_5m)"))
        .with_panel(
            big_number(
                "Live workers",
                "none",
                "count(omega_runtime_worker_heartbeat_age_seconds < 6)",
                "Workers whose last heartbeat is under 6 s old",
            )
        )
        .with_row(dashboard.Row("API"))
        .with_panel(graph("Requests / s", "reqps", query("job:omega_http_requests:rate5m", "{{job}}")))
        .with_panel(
            graph(
                "5xx share",
                "percentunit",
                query("job:omega_http_errors:ratio_rate5m", "{{job}}"),
                description="Alert OmegaApiErrorRate above 5%",
            )
        )
        .with_panel(
            graph(
                "p99 latency by route",
                "s",
                query("topk(10, route:omega_http_request_duration_seconds:p99_5m)", "{{route}}"),
                description="Alert OmegaApiLatencyP99High above 2 s for the whole API",
            )
        )
        .with_panel(
            graph(
                "Dataset reads and writes / s",
                "reqps",
                query("operation:omega_dataset_requests:rate5m", "{{operation}} {{outcome}}"),
            )
        )
        .with_row(dashboard.Row("Part cache"))
        .with_panel(
            graph(
                "Part cache size",
                "bytes",
                query("omega_part_cache_bytes", "{{instance}} used"),
                query("omega_part_cache_max_bytes", "{{instance}} cap"),
            )
        )
        .with_panel(
            graph(
                "Free disk of the part cache",
                "percentunit",
                query("instance:omega_part_cache_disk:free_ratio", "{{instance}}"),
                description="Alert OmegaPartCacheDiskLow under 10%",
            )
        )
    )


def runtime() -> dashboard.Dashboard:
    return (
        base("omega-runtime", "omega-ts: runtime", "Tasks, queues and workers per worker label")
        .with_row(dashboard.Row("Tasks"))
        .with_panel(graph("Tasks submitted / s", "ops", query("label:omega_runtime_tasks_submitted:rate5m", "{{label}}")))
        .with_panel(
            graph(
                "Task failure share",
                "percentunit",
                query("label:omega_runtime_tasks_failed:ratio_rate10m", "{{label}}"),
                description="Alert OmegaTaskFailureRate above 10%",
            )
        )
        .with_panel(
            graph("Task duration p95", "s", query("label:omega_runtime_task_duration_seconds:p95_5m", "{{label}}"))
        )
        .with_panel(
            graph(
                "Tasks by action / s",
                "ops",
                query("sum by (action) (rate(omega_runtime_tasks_submitted_total[5m]))", "{{action}}"),
            )
        )
        .with_panel(
            graph(
                "Sandbox runs and limits hit / s",
                "ops",
                query("action:omega_sandbox_runs:rate5m", "{{action}} runs"),
                query("action:omega_sandbox_limits_hit:rate5m", "{{action}} stopped at a limit"),
                description="Script and job runs; a limit is the wall clock, memory or CPU time of OMEGA_SCRIPT_*",
            )
        )
        .with_row(dashboard.Row("Queues and workers"))
        .with_panel(
            graph(
                "Queued tasks",
                "none",
                query("label:omega_runtime_queue_messages:max", "{{label}}"),
                description="Alert OmegaQueueGrowing when over 10 and growing for 10 minutes",
            )
        )
        .with_panel(
            graph(
                "Consumers per label",
                "none",
                query("label:omega_runtime_queue_consumers:max", "{{label}}"),
                description="Alert OmegaNoLiveWorker when a served label has none",
            )
        )
        .with_panel(
            graph(
                "Worker heartbeat age",
                "s",
                query("omega_runtime_worker_heartbeat_age_seconds", "{{worker}}"),
                description="Alert OmegaWorkerHeartbeatStale over 30 s",
            )
        )
    )


def tenants() -> dashboard.Dashboard:
    return (
        base(
            "omega-tenants",
            "omega-ts: tenants",
            "Per-tenant load. Tenants appear as t-<first 12 hex digits of sha256(name)>, never by name; "
            "the series are bounded (the rest sum as other)",
        )
        .with_panel(graph("Requests / s by tenant", "reqps", query("topk(10, tenant:omega_tenant_requests:rate5m)", "{{tenant}}")))
        .with_panel(
            graph(
                "Tasks with the workers by tenant",
                "none",
                query("topk(10, max by (tenant) (omega_runtime_tenant_running_tasks))", "{{tenant}}"),
            )
        )
        .with_panel(
            graph(
                "Tasks waiting for a slot by tenant",
                "none",
                query("topk(10, max by (tenant) (omega_runtime_tenant_waiting_tasks))", "{{tenant}}"),
                description="Waiting for OMEGA_TENANT_MAX_RUNNING",
            )
        )
    )


DASHBOARDS = {"overview": overview, "runtime": runtime, "tenants": tenants}


def render(build) -> str:
    board = build().build()
    # Grafana tells panels apart by id: number them in order, so regenerating gives the same file.
    for number, panel in enumerate(board.panels or [], start=1):
        panel.id_val = number
    return json.dumps(board, cls=JSONEncoder, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    OUT.mkdir(parents=True, exist_ok=True)
    stale = []
    for name, build in DASHBOARDS.items():
        path = OUT / f"{name}.json"
        text = render(build)
        if check:
            if not path.exists() or json.loads(path.read_text()) != json.loads(text):
                stale.append(str(path))
        else:
            path.write_text(text)
    if stale:
        print("not generated from deploy/grafana/dashboards.py (run it): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

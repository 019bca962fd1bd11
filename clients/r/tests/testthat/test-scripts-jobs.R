add_script <- "export function run(om, a, b, kwargs) {
  console.log('adding', a, b);
  return { sum: a + b, kwargs };
}
"

test_that("a script runs on a worker with arguments, synchronously and as a task", {
  om <- connect_for_tests()
  name <- fresh_name()
  meta <- om_scripts_put(om, add_script, name, attributes = list(team = "reports"))
  expect_equal(meta$kind, "script.js")
  expect_equal(om_scripts_get(om, name)$kindMeta$language, "javascript")
  expect_true(name %in% om_scripts_list(om))

  run <- om_script_run(om, name, list(2, 3), kwargs = list(label = "weekly", n = 5))
  expect_equal(run$script, name)
  expect_equal(run$result$sum, 5)
  expect_equal(run$result$kwargs$label, "weekly")
  expect_equal(run$result$kwargs$n, 5)
  expect_match(run$stdout, "adding 2 3")

  task <- om_script_run(om, name, list(40, 2), async = TRUE)
  expect_equal(om_task_wait(task)$result$sum, 42)
  expect_true(om_scripts_drop(om, name))
  expect_error(om_scripts_get(om, name), class = "omegats_not_found")
})

test_that("a script reads the caller's datasets through its own om", {
  om <- connect_for_tests()
  name <- fresh_name()
  om_datasets_put(om, data.frame(region = c("EU", "US"), units = c(12L, 7L)), paste0(name, "-in"),
                  arrow = FALSE)
  source <- paste0(
    "export async function run(om: any, source: string) {\n",
    "  const rows = await om.datasets.get(source, { filter: { units__gte: 10 } });\n",
    "  return { tenant: om.tenant, rows: rows.length };\n",
    "}\n"
  )
  om_scripts_put(om, source, name, filename = "count.ts")
  run <- om_script_run(om, name, list(paste0(name, "-in")))
  expect_equal(run$result, list(tenant = om$tenant, rows = 1L))
})

test_that("a failing script raises task_failed with its task id", {
  om <- connect_for_tests()
  name <- fresh_name()
  om_scripts_put(om, "export function run(om) { throw new Error('no data'); }\n", name)
  failure <- tryCatch(om_script_run(om, name), omegats_task_failed = function(condition) condition)
  expect_s3_class(failure, "omegats_task_failed")
  expect_match(conditionMessage(failure), "no data")
  expect_equal(om_task_status(om_task(om, failure$task_id))$status, "FAILURE")
  expect_error(om_task_wait(om_script_run(om, name, async = TRUE)), "no data", class = "omegats_task_failed")
})

notebook <- function(...) {
  list(
    nbformat = 4, nbformat_minor = 5,
    metadata = list(kernelspec = list(name = "tslab", display_name = "TypeScript", language = "typescript")),
    cells = lapply(c(...), function(source) {
      list(cell_type = "code", source = source, metadata = setNames(list(), character()), outputs = list(),
           execution_count = NULL)
    })
  )
}

test_that("a notebook job runs on a worker and its executed notebook is stored", {
  om <- connect_for_tests()
  name <- fresh_name()
  meta <- om_jobs_put(om, notebook("const units: number[] = [12, 7, 3];\nconsole.log('rows', units.length);",
                                   "units.reduce((sum, u) => sum + u, 0) * 2"), name)
  expect_equal(meta$kind, "notebook.ipynb")
  expect_true(name %in% om_jobs_list(om))
  run <- om_job_run(om, name)
  expect_equal(run$status, "SUCCESS")
  expect_match(run$result, paste0("^results/", name, "_"))
  executed <- om_jobs_notebook(om, run$result)
  text <- paste(unlist(executed$cells[[1]]$outputs), collapse = " ")
  expect_match(text, "rows 3")
  expect_match(paste(unlist(executed$cells[[2]]$outputs), collapse = " "), "44")

  again <- om_task_wait(om_job_run(om, name, async = TRUE), timeout = 120)
  expect_equal(again$status, "SUCCESS")
  expect_length(om_jobs_get(om, name)$kindMeta$runs, 2)
  expect_true(om_jobs_drop(om, name))
  expect_error(om_jobs_get(om, name), class = "omegats_not_found")
})

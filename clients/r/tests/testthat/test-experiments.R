test_that("an experiment logs params, 10,000 metric points in batches and an artifact, read as data frames", {
  om <- connect_for_tests()
  name <- fresh_name("exp")
  exp <- om_experiment(om, name)
  expect_s3_class(exp, "omegats_experiment")
  exp$start(tags = list(stage = "dev"))
  expect_equal(exp$run, 1)
  exp$log_param("alpha", 0.5)
  exp$log_params(list(solver = "lbfgs", layers = 3))
  exp$log_metric("loss", 1 / (1:10000), step = 1:10000)
  exp$log_metric("acc", 0.9)
  exp$log_metric("acc", 0.95)
  exp$log_artifact("model", ref = "churn", type = "model")
  exp$log_artifact("summary", value = list(rows = 120))
  exp$end()

  runs <- exp$runs()
  expect_s3_class(runs, "data.frame")
  expect_equal(nrow(runs), 1)
  expect_equal(runs$status, "completed")
  expect_equal(runs$param.alpha, 0.5)
  expect_equal(runs$param.solver, "lbfgs")
  expect_equal(runs$metric.loss, 1 / 10000)
  expect_equal(runs$metric.acc, 0.95)

  loss <- exp$metrics("loss")
  expect_s3_class(loss, "data.frame")
  expect_equal(nrow(loss), 10000)
  expect_equal(loss$step[1:3], 1:3)
  expect_equal(loss$value[10000], 1 / 10000)
  expect_equal(exp$metrics("acc")$step, c(0, 1))

  params <- exp$data(event = "param")
  expect_s3_class(params, "data.frame")
  expect_setequal(params$key, c("alpha", "solver", "layers"))
})

test_that("with_experiment is one run: completed, or failed when the code signals an error", {
  om <- connect_for_tests()
  name <- fresh_name("exp")
  answer <- with_experiment(om, name, function(exp) {
    exp$log_param("lr", 0.1)
    exp$log_metric("acc", c(0.5, 0.7, 0.8))
    "done"
  })
  expect_equal(answer, "done")
  expect_error(
    with_experiment(om, name, function(exp) {
      exp$log_param("lr", 0.2)
      stop("diverged")
    }),
    "diverged"
  )
  runs <- om_experiment(om, name)$runs()
  expect_equal(runs$status[order(runs$run)], c("completed", "failed"))
  expect_equal(runs$param.lr[order(runs$run)], c(0.1, 0.2))
  acc <- om_experiment(om, name)$metrics("acc", runs = 1)
  expect_equal(acc$value, c(0.5, 0.7, 0.8))
  expect_equal(acc$step, c(0, 1, 2))
})

test_that("logging before start and a bad status are refused clearly", {
  om <- connect_for_tests()
  exp <- om_experiment(om, fresh_name("exp"))
  expect_error(exp$log_param("a", 1), "start a run first", class = "omegats_error")
  exp$start()
  expect_error(exp$end("maybe"), class = "omegats_error")
  exp$end("killed")
  expect_equal(exp$runs()$status, "killed")
})

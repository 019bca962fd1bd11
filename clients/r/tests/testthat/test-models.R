iris_expected <- function() {
  jsonlite::fromJSON(fixture("iris-logreg.expected.json"))
}

test_that("an ONNX model predicts on the worker as scikit-learn did", {
  om <- connect_for_tests()
  name <- fresh_name()
  expected <- iris_expected()
  meta <- om_models_put(om, fixture("iris-logreg.onnx"), name, attributes = list(team = "growth"))
  expect_equal(meta$kind, "onnx.model")
  expect_equal(meta$attributes, list(team = "growth"))
  expect_true(name %in% om_models_list(om))
  expect_equal(om_models_metadata(om, name)$name, name)

  X <- as.data.frame(expected$X)
  expect_equal(om_predict(om, name, X), expected$predict)
  expect_equal(om_predict(om, name, expected$X), expected$predict)
  proba <- om_model_action(om, name, "predict_proba", X)
  expect_equal(dim(proba), dim(expected$predict_proba))
  expect_equal(proba, expected$predict_proba, tolerance = 1e-5)
  expect_equal(om_model_action(om, name, "score", X, expected$y), expected$score, tolerance = 1e-12)
})

test_that("a stored dataset's name is an input", {
  om <- connect_for_tests()
  name <- fresh_name()
  expected <- iris_expected()
  om_models_put(om, fixture("iris-logreg.onnx"), name)
  X <- as.data.frame(expected$X)
  names(X) <- paste0("f", seq_along(X))
  om_datasets_put(om, X, paste0(name, "_X"), arrow = FALSE)
  expect_equal(om_predict(om, name, paste0(name, "_X")), expected$predict)
})

test_that("async predictions answer a task handle to wait for", {
  om <- connect_for_tests()
  name <- fresh_name()
  expected <- iris_expected()
  om_models_put(om, fixture("iris-logreg.onnx"), name)
  task <- om_predict(om, name, expected$X, async = TRUE)
  expect_s3_class(task, "omegats_task")
  expect_match(capture.output(print(task)), task$id, fixed = TRUE)
  expect_equal(om_task_wait(task, timeout = 60), expected$predict)
  expect_equal(om_task_status(task)$status, "SUCCESS")
  expect_equal(om_task_result(om_task(om, task$id))$result, expected$predict)
})

test_that("a model the platform fits from R's iris predicts its classes", {
  om <- connect_for_tests()
  name <- fresh_name()
  om_models_put(om, list(algorithm = "random-forest-classifier", params = list(nEstimators = 20, seed = 1)),
                name)
  X <- iris[, 1:4]
  fitted <- om_model_action(om, name, "fit", X, as.integer(iris$Species) - 1L)
  expect_equal(fitted$rows, 150)
  predicted <- om_predict(om, name, X)
  expect_length(predicted, 150)
  expect_gt(mean(predicted == as.integer(iris$Species) - 1L), 0.9)
  task <- om_model_action(om, name, "score", X, as.integer(iris$Species) - 1L, async = TRUE)
  expect_gt(om_task_wait(task), 0.9)
})

test_that("bad calls are refused with the platform's answer", {
  om <- connect_for_tests()
  expect_error(om_predict(om, fresh_name(), list(c(1, 2))), class = "omegats_not_found")
  expect_error(om_predict(om, "any", list(c(1, 2)), params = list(datax = "x")), "the platform's own parameter",
               class = "omegats_invalid_input")
  expect_error(om_models_put(om, "no-such-file.onnx", "x"), class = "omegats_invalid_input")
  name <- fresh_name()
  om_models_put(om, fixture("iris-logreg.onnx"), name)
  expect_true(om_models_drop(om, name))
  expect_false(om_models_drop(om, name, force = TRUE))
})

# Model actions, script and job runs on the platform's workers, synchronously or as tasks.

# The platform's own query parameters; an action parameter of the same name would be taken for them.
reserved_params <- c("datax", "datay", "async", "require", "timeout")

# X as omega-ml's {columns, data} body: rows of values.
features <- function(X) {
  if (is.data.frame(X)) {
    columns <- names(X)
    numeric <- all(vapply(X, is.numeric, logical(1)))
    rows <- if (numeric) unname(as.matrix(X)) else lapply(seq_len(nrow(X)), function(i) unname(as.list(X[i, ])))
    return(list(columns = as.list(columns), data = rows))
  }
  if (is.matrix(X)) return(c(if (!is.null(colnames(X))) list(columns = as.list(colnames(X))),
                             list(data = unname(X))))
  list(data = lapply(X, function(row) row))
}

targets <- function(Y) {
  if (is.data.frame(Y)) Y <- Y[[1]]
  if (is.factor(Y)) Y <- as.character(Y)
  as.list(Y)
}

params_query <- function(params) {
  if (length(params) == 0) return(list())
  if (is.null(names(params)) || any(!nzchar(names(params)))) {
    stop(omegats_condition("parameters are named", "omegats_invalid_input"))
  }
  clash <- intersect(names(params), reserved_params)
  if (length(clash) > 0) {
    stop(omegats_condition(paste0(paste(clash, collapse = ", "), ": the platform's own parameter"),
                           "omegats_invalid_input"))
  }
  for (value in params) {
    if (length(value) != 1 || !(is.numeric(value) || is.character(value) || is.logical(value))) {
      stop(omegats_condition("parameters are single numbers, strings or logicals", "omegats_invalid_input"))
    }
  }
  params
}

#' Runs a model action on a worker
#'
#' `X` and `Y` are data frames, matrices, vectors, or the name of a stored dataset.
#'
#' @param om A connection from [om_connect()].
#' @param name The model's name (`name@3` for a version).
#' @param action `"predict"`, `"predict_proba"`, `"fit"`, `"partial_fit"`, `"score"` or `"transform"`.
#' @param X The input rows, or a dataset's name.
#' @param Y The targets (fit, score), or a dataset's name.
#' @param params A named list of the action's parameters (numbers, strings, logicals). A list rather
#'   than `...`: R would match a parameter `n` to the argument `name`.
#' @param async Submit and answer a task handle ([om_task_wait()]) instead of waiting.
#' @param require The worker label to run on (e.g. `"gpu"`).
#' @param timeout Seconds the platform waits for a synchronous result.
#' @return The action's result (predictions as a vector, probabilities as a matrix), or an
#'   `omegats_task`.
#' @export
om_model_action <- function(om, name, action, X = NULL, Y = NULL, params = list(), async = FALSE,
                            require = NULL, timeout = NULL) {
  query <- params_query(params)
  body <- list()
  if (is.character(X) && length(X) == 1) query$datax <- X else if (!is.null(X)) body$X <- features(X)
  if (is.character(Y) && length(Y) == 1) query$datay <- Y else if (!is.null(Y)) body$Y <- targets(Y)
  query <- c(query, list(require = require, timeout = timeout, async = if (async) TRUE))
  # An empty named list is the JSON object {}, not the array [].
  if (length(body) == 0) body <- stats::setNames(list(), character())
  path <- paste0("/api/v1/model/", path_segment(name), "/", action)
  answer <- om_json(om, "PUT", path, query = query, json = body, simplify = TRUE)
  if (async) return(om_task(om, answer$task_id))
  answer$result
}

#' @describeIn om_model_action Predictions for the rows of `X`.
#' @export
om_predict <- function(om, name, X, params = list(), async = FALSE, require = NULL, timeout = NULL) {
  om_model_action(om, name, "predict", X, NULL, params, async = async, require = require, timeout = timeout)
}

#' Runs a stored script on a worker
#'
#' The script's `run(om, ...args)` gets `args` as its positional arguments; `kwargs` travel as query
#' parameters and arrive as one object after them.
#'
#' @param om A connection from [om_connect()].
#' @param name The script's name.
#' @param args A list of positional arguments (JSON values).
#' @param kwargs A named list of keyword arguments (single numbers, strings, logicals).
#' @param async Submit and answer a task handle instead of waiting.
#' @param require The worker label to run on.
#' @param timeout Seconds the platform waits for a synchronous run.
#' @return The run: `script`, `result`, `runtimes`, `started`, `ended`, `stdout`, `stderr`, `task_id`;
#'   or an `omegats_task`. A script that fails raises an `omegats_task_failed` condition.
#' @export
om_script_run <- function(om, name, args = list(), kwargs = list(), async = FALSE, require = NULL,
                          timeout = NULL) {
  query <- c(params_query(kwargs), list(require = require, timeout = timeout, async = if (async) TRUE))
  path <- paste0("/api/v1/script/", path_segment(name), "/run")
  answer <- om_json(om, "POST", path, query = query, json = I(as.list(args)))
  if (async) om_task(om, answer$task_id) else answer
}

#' Runs a notebook job on a worker
#'
#' Each run stores its executed notebook as `results/<name>_<time>.ipynb` ([om_jobs_notebook()]).
#'
#' @param om A connection from [om_connect()].
#' @param name The job's name.
#' @param async Submit and answer a task handle instead of waiting.
#' @param require The worker label to run on.
#' @param timeout Seconds the platform waits for a synchronous run.
#' @return The run: `job`, `status`, `result` (the executed notebook's name), `runtimes`, `task_id`; or
#'   an `omegats_task`. A failing cell raises an `omegats_task_failed` condition.
#' @export
om_job_run <- function(om, name, async = FALSE, require = NULL, timeout = NULL) {
  query <- list(require = require, timeout = timeout, async = if (async) TRUE)
  answer <- om_json(om, "POST", paste0("/api/v1/job/", path_segment(name), "/run"), query = query)
  if (async) om_task(om, answer$task_id) else answer
}

#' A task submitted to the platform
#'
#' `om_task_status()` reads its record (PENDING, STARTED, SUCCESS, FAILURE), `om_task_result()` the record
#' with its result, and `om_task_wait()` polls until it finishes: its result, or an
#' `omegats_task_failed` / `omegats_task_timeout` condition.
#'
#' @param om A connection from [om_connect()].
#' @param id The task id.
#' @param task A task from [om_task()] or an `async = TRUE` call.
#' @param timeout Seconds to wait at most.
#' @param interval Seconds between the first polls (it grows to one second).
#' @return `om_task()`: a task handle (class `omegats_task`).
#' @export
om_task <- function(om, id) {
  if (!is.character(id) || length(id) != 1) {
    stop(omegats_condition("the platform answered no task id", "omegats_error"))
  }
  structure(list(om = om, id = id), class = "omegats_task")
}

#' @rdname om_task
#' @export
om_task_status <- function(task) {
  om_json(task$om, "GET", paste0("/api/v1/task/", path_segment(task$id), "/status"))
}

#' @rdname om_task
#' @export
om_task_result <- function(task) {
  om_json(task$om, "GET", paste0("/api/v1/task/", path_segment(task$id), "/result"), simplify = TRUE)
}

#' @rdname om_task
#' @export
om_task_wait <- function(task, timeout = 60, interval = 0.05) {
  deadline <- Sys.time() + timeout
  repeat {
    record <- om_task_result(task)
    if (identical(record$status, "SUCCESS")) return(record$result)
    if (identical(record$status, "FAILURE")) {
      stop(task_failed(task$id, record$error$code %||% "TASK_FAILED", record$error$message %||% "failed"))
    }
    left <- as.numeric(difftime(deadline, Sys.time(), units = "secs"))
    if (left <= 0) {
      stop(omegats_condition(sprintf("task %s did not finish within %s s", task$id, timeout),
                             "omegats_task_timeout", task_id = task$id))
    }
    Sys.sleep(min(interval, left))
    interval <- min(interval * 1.5, 1)
  }
}

#' @export
print.omegats_task <- function(x, ...) {
  cat(sprintf("<omegats task %s>\n", x$id))
  invisible(x)
}

# Experiments: runs with params, metrics, tags and artifacts, as omega-ml's experiment tracker.

# Metric points sent in one call at most; more are sent in several.
metric_batch_points <- 10000

#' An experiment to log runs into
#'
#' The experiment is made at the first `start()`. Its methods are called with `$`:
#' `start(tags)` opens a run; `log_param(key, value)`, `log_params(list)`, `log_tag(key, value)`,
#' `log_metric(key, value, step)` (`value` may be a whole vector, `step` then one per value; points are
#' sent in batches of up to 10,000, and at `end()`), `log_artifact(name, ref, type, value)` (a link to a
#' stored `dataset`, `file` or `model` by `ref`, or an inline `json` value); `end(status)` sends what is
#' left and ends the run (`completed`, `failed` or `killed`); `runs()` and `metrics(key, runs)` answer
#' data frames, `data(...)` the experiment's table with dataset filters (`event = "metric"`).
#'
#' @param om A connection from [om_connect()].
#' @param name The experiment's name.
#' @return An `omegats_experiment` (an environment; `$run` is the open run's number).
#' @examples
#' \dontrun{
#' exp <- om_experiment(om, "churn")
#' exp$start()
#' exp$log_param("alpha", 0.5)
#' exp$log_metric("loss", c(0.9, 0.5, 0.3), step = 1:3)
#' exp$end()
#' exp$runs()
#' }
#' @export
om_experiment <- function(om, name) {
  exp <- new.env(parent = emptyenv())
  exp$name <- name
  exp$run <- NULL
  pending <- list()
  count <- 0
  path <- function(suffix = "") paste0("/api/v1/experiment/", path_segment(name), suffix)
  log <- function(body) {
    if (is.null(exp$run)) stop(omegats_condition("start a run first: exp$start()", "omegats_error"))
    om_json(om, "POST", path(paste0("/runs/", exp$run, "/log")), json = body)
  }
  exp$start <- function(tags = NULL) {
    om_json(om, "POST", "/api/v1/experiment", json = list(name = name, exist_ok = TRUE))
    body <- list(tags = if (is.null(tags)) structure(list(), names = character()) else as.list(tags))
    exp$run <- om_json(om, "POST", path("/runs"), json = body)$run
    invisible(exp)
  }
  exp$log_param <- function(key, value) invisible(log(list(params = stats::setNames(list(value), key))))
  exp$log_params <- function(params) invisible(log(list(params = as.list(params))))
  exp$log_tag <- function(key, value) {
    invisible(log(list(tags = stats::setNames(list(as.character(value)), key))))
  }
  exp$log_artifact <- function(name, ref = NULL, type = "json", value = NULL) {
    artifact <- compact(list(name = name, type = type, ref = ref))
    if (type == "json") artifact$value <- value
    invisible(log(list(artifacts = list(artifact))))
  }
  exp$log_metric <- function(key, value, step = NULL) {
    value <- as.numeric(value)
    known <- pending[[key]]
    if (is.null(step)) step <- length(known$steps) + seq_along(value) - 1
    if (length(step) != length(value)) stop("give one step per value")
    pending[[key]] <<- list(
      values = c(known$values, value),
      steps = c(known$steps, as.numeric(step)),
      times = c(known$times, rep(as.numeric(Sys.time()) * 1000, length(value)))
    )
    count <<- count + length(value)
    if (count >= metric_batch_points) exp$flush()
    invisible(exp)
  }
  exp$flush <- function() {
    if (count == 0) return(invisible(exp))
    series <- lapply(names(pending), function(key) {
      c(list(key = key), lapply(pending[[key]], I))
    })
    pending <<- list()
    count <<- 0
    # Sent in slices of at most `metric_batch_points` points per call.
    batch <- list()
    size <- 0
    for (one in series) {
      batch[[length(batch) + 1]] <- one
      size <- size + length(one$values)
      if (size >= metric_batch_points) {
        log(list(series = batch))
        batch <- list()
        size <- 0
      }
    }
    if (length(batch) > 0) log(list(series = batch))
    invisible(exp)
  }
  exp$end <- function(status = "completed") {
    exp$flush()
    answer <- om_json(om, "POST", path(paste0("/runs/", exp$run, "/end")), json = list(status = status))
    invisible(answer)
  }
  exp$runs <- function() runs_frame(om_json(om, "GET", path("/runs"), query = list(limit = 1000))$runs)
  exp$metrics <- function(key, runs = NULL) {
    if (is.null(runs)) runs <- vapply(om_json(om, "GET", path("/runs"), query = list(limit = 1000))$runs,
                                      function(r) r$run, numeric(1))
    answer <- om_json(om, "GET", path(paste0("/metrics/", path_segment(key))),
                      query = list(runs = paste(runs, collapse = ",")), simplify = TRUE)
    frames <- lapply(seq_len(NROW(answer$runs)), function(i) {
      points <- answer$runs$points[[i]]
      if (NROW(points) == 0) return(NULL)
      data.frame(run = answer$runs$run[[i]], step = points$step, value = points$value,
                 time = as_time(points$time))
    })
    frame <- do.call(rbind, frames)
    if (is.null(frame)) data.frame(run = numeric(), step = numeric(), value = numeric()) else frame
  }
  exp$data <- function(...) {
    frame <- om_json(om, "GET", path("/data"), query = list(...), simplify = TRUE)
    if (length(frame) == 0) data.frame() else as.data.frame(frame)
  }
  class(exp) <- "omegats_experiment"
  exp
}

# One row a run: run, status, user, start and end, each param as `param.<key>`, each metric's last value
# as `metric.<key>`.
runs_frame <- function(runs) {
  rows <- lapply(runs, function(r) {
    params <- lapply(r$params, function(v) if (is.null(v) || is.list(v)) NA else v)
    metrics <- lapply(r$metrics, function(m) m$last %||% NA)
    row <- c(
      list(run = r$run, status = r$status, user = r$user %||% NA, start = r$start %||% NA, end = r$end %||% NA),
      prefixed(params, "param."),
      prefixed(metrics, "metric.")
    )
    as.data.frame(row, stringsAsFactors = FALSE, check.names = FALSE)
  })
  if (length(rows) == 0) return(data.frame(run = numeric(), status = character()))
  columns <- unique(unlist(lapply(rows, names)))
  rows <- lapply(rows, function(row) {
    row[setdiff(columns, names(row))] <- NA
    row[columns]
  })
  do.call(rbind, rows)
}

prefixed <- function(values, prefix) {
  if (length(values) == 0) return(list())
  stats::setNames(values, paste0(prefix, names(values)))
}

# Times as the platform writes them: milliseconds since 1970 or ISO 8601 text.
as_time <- function(values) {
  if (is.numeric(values)) return(as.POSIXct(values / 1000, origin = "1970-01-01", tz = "UTC"))
  as.POSIXct(values, format = "%Y-%m-%dT%H:%M:%OSZ", tz = "UTC")
}

#' Runs code as one run of an experiment
#'
#' Starts a run, calls `code(exp)`, and ends the run `completed`, or `failed` when `code` signals an
#' error (which is then signalled again).
#'
#' @param om A connection from [om_connect()].
#' @param name The experiment's name.
#' @param code A function of the experiment (see [om_experiment()]).
#' @param tags A named list of tags for the run.
#' @return What `code` returns.
#' @examples
#' \dontrun{
#' with_experiment(om, "churn", function(exp) {
#'   exp$log_param("alpha", 0.5)
#'   exp$log_metric("acc", 0.9, step = 1)
#' })
#' }
#' @export
with_experiment <- function(om, name, code, tags = NULL) {
  exp <- om_experiment(om, name)
  exp$start(tags)
  result <- tryCatch(code(exp), error = function(error) {
    try(exp$end("failed"), silent = TRUE)
    stop(error)
  })
  exp$end("completed")
  result
}

#' @export
print.omegats_experiment <- function(x, ...) {
  cat("<omegats experiment ", x$name, if (!is.null(x$run)) paste0(", run ", x$run), ">\n", sep = "")
  invisible(x)
}

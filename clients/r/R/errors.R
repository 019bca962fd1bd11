# Conditions raised by the client. Each carries the HTTP status, the platform's stable code and its error
# id, so callers can branch with tryCatch(omegats_not_found = ...) instead of parsing messages.

error_classes <- c(
  "400" = "omegats_invalid_input", "401" = "omegats_unauthorized", "403" = "omegats_forbidden",
  "404" = "omegats_not_found", "413" = "omegats_invalid_input", "415" = "omegats_invalid_input",
  "422" = "omegats_invalid_input", "502" = "omegats_unavailable", "503" = "omegats_unavailable",
  "504" = "omegats_unavailable"
)

omegats_condition <- function(message, class, ..., call = NULL) {
  structure(
    class = c(class, "omegats_error", "error", "condition"),
    list(message = message, call = call, ...)
  )
}

#' The condition for an error answer of the platform
#'
#' `{statusCode, code, message, errorId}` becomes a condition of class `omegats_not_found`,
#' `omegats_invalid_input`, `omegats_unauthorized`, `omegats_forbidden`, `omegats_unavailable` or
#' `omegats_error`, with fields `status`, `code` and `error_id`. A script or job run that failed answers
#' 422 with its task id: that is an `omegats_task_failed` condition, as a wait for the task gives.
#'
#' @param status The HTTP status.
#' @param body The parsed answer (a list), or its text.
#' @return A condition object (not signalled).
#' @keywords internal
error_from_answer <- function(status, body) {
  record <- if (is.list(body)) body else list()
  message <- record$message
  if (is.list(message) || length(message) > 1) message <- paste(unlist(message), collapse = "; ")
  if (is.null(message) || !nzchar(message)) {
    message <- if (is.character(body) && nzchar(body)) substr(body, 1, 500) else paste("HTTP", status)
  }
  code <- record$code %||% record$error %||% paste0("HTTP_", status)
  if (status == 422 && is.character(record$task_id)) {
    return(task_failed(record$task_id, code, message, status))
  }
  class <- error_classes[[as.character(status)]] %||% character()
  omegats_condition(
    sprintf("%s %s: %s%s", status, code, message,
            if (is.null(record$errorId)) "" else sprintf(" (error id %s)", record$errorId)),
    class,
    status = status, code = code, error_id = record$errorId
  )
}

task_failed <- function(task_id, code, message, status = 0) {
  omegats_condition(
    sprintf("task %s failed: %s: %s", task_id, code, message),
    "omegats_task_failed",
    status = status, code = code, task_id = task_id
  )
}

`%||%` <- function(a, b) if (is.null(a)) b else a

#' Stores a notebook job
#'
#' @param om A connection from [om_connect()].
#' @param notebook A path to an `.ipynb` file, or the notebook as a list (nbformat 4, JavaScript cells).
#' @param name The job's name.
#' @param attributes A named list of attributes.
#' @return The job's Metadata.
#' @export
om_jobs_put <- function(om, notebook, name, attributes = NULL) {
  path <- if (is.character(notebook) && length(notebook) == 1 && file.exists(notebook)) {
    notebook
  } else {
    staged_file(paste0(basename(name), ".ipynb"), as.character(to_json(notebook)))
  }
  upload_form(om, "/api/v1/job/", name, path, compact(list(
    attributes = if (!is.null(attributes)) as.character(to_json(attributes))
  )))
}

#' A job's Metadata and its runs
#'
#' @param om A connection from [om_connect()].
#' @param name The job's name.
#' @return A list; `kindMeta$runs` holds the runs (status, times, executed notebook, error).
#' @export
om_jobs_get <- function(om, name) {
  om_json(om, "GET", paste0("/api/v1/job/", path_segment(name)))
}

#' A notebook: a job's own, or an executed one (`results/...`) with its outputs
#'
#' @param om A connection from [om_connect()].
#' @param name The job's or the executed notebook's name.
#' @return The notebook as a list.
#' @export
om_jobs_notebook <- function(om, name) {
  om_json(om, "GET", paste0("/api/v1/job/", path_segment(name), "/notebook"))
}

#' The names of the jobs in this bucket
#'
#' @param om A connection from [om_connect()].
#' @param pattern A glob pattern.
#' @return A character vector.
#' @export
om_jobs_list <- function(om, pattern = NULL) {
  names_of(list_all(om, "/api/v1/job/", list(pattern = pattern)))
}

#' Drops a job and its schedule (its executed notebooks stay)
#'
#' @param om A connection from [om_connect()].
#' @param name The job's name.
#' @param force A missing job is `FALSE` instead of an error.
#' @return `TRUE` when dropped.
#' @export
om_jobs_drop <- function(om, name, force = FALSE) {
  drop_object(om, paste0("/api/v1/job/", path_segment(name)), force)
}

#' Stores a model
#'
#' Either a model file (`.onnx`, exported for instance with skl2onnx) or a spec
#' `list(algorithm = "random-forest-classifier", params = list(...))` the platform fits itself
#' (see [om_model_action()] with `"fit"`). Each put is a new version of `name`.
#'
#' @param om A connection from [om_connect()].
#' @param model A path to a model file, or a spec list.
#' @param name The model's name.
#' @param attributes A named list of attributes.
#' @param tags Version tags (`"production"`).
#' @param kind The model kind, when the file's name does not tell it.
#' @return The model's Metadata (signature, versions, tags).
#' @export
om_models_put <- function(om, model, name, attributes = NULL, tags = NULL, kind = NULL) {
  if (is.list(model)) {
    body <- compact(c(list(name = name), model, list(attributes = attributes,
                                                     tags = if (!is.null(tags)) as.list(tags))))
    return(om_json(om, "POST", "/api/v1/model/", json = body))
  }
  if (!is.character(model) || length(model) != 1 || !file.exists(model)) {
    stop(omegats_condition("model is a path to a model file or a spec list(algorithm, params)",
                           "omegats_invalid_input"))
  }
  form <- compact(list(
    name = name, kind = kind,
    attributes = if (!is.null(attributes)) as.character(to_json(attributes)),
    tags = if (!is.null(tags)) paste(tags, collapse = ","),
    file = httr::upload_file(model, type = "application/octet-stream")
  ))
  om_json(om, "POST", "/api/v1/model/", body = form, encode = "multipart")
}

#' A model's Metadata
#'
#' @param om A connection from [om_connect()].
#' @param name The model's name; `name@3`, `name@tag` and `name^` name a version.
#' @return A list.
#' @export
om_models_metadata <- function(om, name) {
  om_json(om, "GET", paste0("/api/v1/model/", path_segment(name)))
}

#' The names of the models in this bucket
#'
#' @param om A connection from [om_connect()].
#' @param pattern A glob pattern.
#' @return A character vector.
#' @export
om_models_list <- function(om, pattern = NULL) {
  names_of(list_all(om, "/api/v1/model/", list(pattern = pattern)))
}

#' Drops a model and all its versions
#'
#' @param om A connection from [om_connect()].
#' @param name The model's name.
#' @param force A missing model is `FALSE` instead of an error.
#' @return `TRUE` when dropped.
#' @export
om_models_drop <- function(om, name, force = FALSE) {
  drop_object(om, paste0("/api/v1/model/", path_segment(name)), force)
}

# Where source text or a notebook list is written before its upload: the platform reads a script's
# language and a notebook's kind from the file name, so the name matters, not only the bytes.
staged_file <- function(filename, content) {
  dir <- tempfile("omegats-")
  dir.create(dir)
  path <- file.path(dir, filename)
  if (is.raw(content)) writeBin(content, path) else writeLines(content, path, useBytes = TRUE)
  path
}

upload_form <- function(om, route, name, path, fields = list()) {
  form <- compact(c(list(name = name), fields,
                    list(file = httr::upload_file(path, type = "application/octet-stream"))))
  om_json(om, "POST", route, body = form, encode = "multipart")
}

#' Stores a script
#'
#' A script is a JavaScript or TypeScript file exporting `run(om, ...args)`, or a `.tgz` of a package
#' folder; the platform bundles it with its npm `dependencies` when it is stored.
#'
#' @param om A connection from [om_connect()].
#' @param script A path to the file, or its source text.
#' @param name The script's name.
#' @param dependencies npm dependencies: `c(ms = "^2.1.3")`, or `"ms@^2.1.3,lodash.sum"`.
#' @param attributes A named list of attributes.
#' @param filename The file name source text is sent under (`index.js`; `report.ts` for TypeScript).
#' @return The script's Metadata.
#' @export
om_scripts_put <- function(om, script, name, dependencies = NULL, attributes = NULL,
                           filename = "index.js") {
  path <- if (length(script) == 1 && file.exists(script)) script else staged_file(filename, script)
  deps <- if (is.null(dependencies) || (is.character(dependencies) && is.null(names(dependencies)))) {
    dependencies
  } else {
    as.character(to_json(as.list(dependencies)))
  }
  upload_form(om, "/api/v1/script/", name, path, compact(list(
    dependencies = deps,
    attributes = if (!is.null(attributes)) as.character(to_json(attributes))
  )))
}

#' A script's Metadata: language, entry, dependencies, owner
#'
#' @param om A connection from [om_connect()].
#' @param name The script's name.
#' @return A list.
#' @export
om_scripts_get <- function(om, name) {
  om_json(om, "GET", paste0("/api/v1/script/", path_segment(name)))
}

#' The names of the scripts in this bucket
#'
#' @param om A connection from [om_connect()].
#' @param pattern A glob pattern.
#' @return A character vector.
#' @export
om_scripts_list <- function(om, pattern = NULL) {
  names_of(list_all(om, "/api/v1/script/", list(pattern = pattern)))
}

#' Drops a script
#'
#' @param om A connection from [om_connect()].
#' @param name The script's name.
#' @param force A missing script is `FALSE` instead of an error.
#' @return `TRUE` when dropped.
#' @export
om_scripts_drop <- function(om, name, force = FALSE) {
  drop_object(om, paste0("/api/v1/script/", path_segment(name)), force)
}

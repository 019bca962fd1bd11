#' Stores a file
#'
#' The file is streamed from disk, never read whole into memory.
#'
#' @param om A connection from [om_connect()].
#' @param file A local path, or a raw vector of the content.
#' @param name The name to store it under.
#' @param content_type Its media type.
#' @return The file's Metadata (size, sha256, content type).
#' @export
om_files_put <- function(om, file, name, content_type = "application/octet-stream") {
  path <- paste0("/api/v1/file/", path_segment(name))
  body <- if (is.raw(file)) file else httr::upload_file(file, type = content_type)
  om_json(om, "PUT", path, body = body, content_type = content_type)
}

#' Reads a file
#'
#' @param om A connection from [om_connect()].
#' @param name The file's name.
#' @param path A local path to write it to (streamed); `NULL` answers its content as a raw vector.
#' @return The raw content, or `path`.
#' @export
om_files_get <- function(om, name, path = NULL) {
  route <- paste0("/api/v1/file/", path_segment(name))
  if (is.null(path)) return(httr::content(om_request(om, "GET", route, accept = "*/*"), as = "raw"))
  om_request(om, "GET", route, accept = "*/*", write = httr::write_disk(path, overwrite = TRUE))
  path
}

#' A file's Metadata
#'
#' @param om A connection from [om_connect()].
#' @param name The file's name.
#' @return A list: size, content type, sha256, attributes.
#' @export
om_files_metadata <- function(om, name) {
  om_json(om, "GET", paste0("/api/v1/file/", path_segment(name), "/metadata"))
}

#' The names of the files in this bucket
#'
#' @param om A connection from [om_connect()].
#' @param pattern A glob pattern.
#' @return A character vector.
#' @export
om_files_list <- function(om, pattern = NULL) {
  names_of(list_all(om, "/api/v1/file/", list(pattern = pattern)))
}

#' Drops a file
#'
#' @param om A connection from [om_connect()].
#' @param name The file's name.
#' @param force A missing file is `FALSE` instead of an error.
#' @return `TRUE` when dropped.
#' @export
om_files_drop <- function(om, name, force = FALSE) {
  drop_object(om, paste0("/api/v1/file/", path_segment(name)), force)
}

# Datasets as data frames. JSON carries them by default; with the arrow package installed they travel as
# Parquet both ways (column types kept exactly, no text round trip).

parquet_media_type <- "application/vnd.apache.parquet"

# R column classes -> the platform's column types.
column_type <- function(values) {
  if (inherits(values, "POSIXt")) return("datetime")
  if (is.logical(values)) return("boolean")
  if (is.integer(values) && !is.factor(values)) return("integer")
  if (is.numeric(values)) return("number")
  "string"
}

use_arrow <- function(arrow) {
  available <- requireNamespace("arrow", quietly = TRUE)
  if (isTRUE(arrow) && !available) {
    stop(omegats_condition("arrow = TRUE needs the arrow package, which is not installed",
                           "omegats_invalid_input"))
  }
  if (is.null(arrow)) available else isTRUE(arrow)
}

# Instants as ISO 8601 in UTC with milliseconds: the platform stores instants, not local times.
json_columns <- function(frame) {
  columns <- lapply(frame, function(values) {
    if (inherits(values, "POSIXt")) {
      text <- format(as.POSIXct(values), "%Y-%m-%dT%H:%M:%OS3Z", tz = "UTC")
      text[is.na(values)] <- NA_character_
      return(text)
    }
    if (is.factor(values) || inherits(values, "Date")) return(as.character(values))
    values
  })
  names(columns) <- names(frame)
  columns
}

#' Stores a data frame as a dataset
#'
#' @param om A connection from [om_connect()].
#' @param data A data frame (or a list of equally long columns).
#' @param name The dataset's name.
#' @param append Add the rows to the dataset instead of replacing it.
#' @param attributes A named list of attributes to store with it.
#' @param kind `"table.rows"` or `"table.parquet"` (the platform's default when `NULL`).
#' @param arrow Send the frame as Parquet (needs the arrow package); `NULL`: when arrow is installed.
#' @return The dataset's Metadata (a list).
#' @export
om_datasets_put <- function(om, data, name, append = FALSE, attributes = NULL, kind = NULL,
                            arrow = NULL) {
  if (!is.data.frame(data)) {
    if (!is.list(data) || is.null(names(data))) {
      stop(omegats_condition("put takes a data frame or a named list of columns", "omegats_invalid_input"))
    }
    data <- as.data.frame(data, stringsAsFactors = FALSE, check.names = FALSE)
  }
  dtypes <- lapply(data, column_type)
  path <- paste0("/api/v1/dataset/", path_segment(name))
  if (use_arrow(arrow)) {
    if (!is.null(attributes)) {
      stop(omegats_condition("attributes go with a JSON put (arrow = FALSE)", "omegats_invalid_input"))
    }
    sink <- arrow::BufferOutputStream$create()
    arrow::write_parquet(data, sink)
    return(om_json(om, "PUT", path, body = as.raw(sink$finish()), content_type = parquet_media_type,
                   query = list(append = if (append) TRUE, kind = kind,
                                dtypes = as.character(to_json(dtypes)))))
  }
  body <- compact(list(
    data = json_columns(data), dtypes = dtypes, attributes = attributes, kind = kind,
    append = if (append) TRUE
  ))
  om_json(om, "PUT", path, json = body)
}

#' Reads a dataset as a data frame, filtered in the database
#'
#' Filters are omega-ml's, in a named list: `list(region = "EU", units__gte = 5, x__in = c(1, 2))`. A list
#' rather than `...`, so a column called `name` or `n` is never taken for an argument.
#'
#' @param om A connection from [om_connect()].
#' @param name The dataset's name.
#' @param filter A named list of filters, `column = value` or `column__op = value`.
#' @param columns The columns to read (all when `NULL`).
#' @param sort Column names to sort by; a leading `-` sorts descending.
#' @param skip,limit Rows to skip, and at most how many to answer.
#' @param arrow Read Parquet (needs the arrow package); `NULL`: when arrow is installed.
#' @return A data frame; datetime columns are `POSIXct` in UTC.
#' @export
om_datasets_get <- function(om, name, filter = list(), columns = NULL, sort = NULL, skip = NULL,
                            limit = NULL, arrow = NULL) {
  filters <- as.list(filter)
  if (length(filters) > 0 && (is.null(names(filters)) || any(!nzchar(names(filters))))) {
    stop(omegats_condition("filters are named: column = value or column__op = value",
                           "omegats_invalid_input"))
  }
  body <- compact(list(
    filter = if (length(filters) > 0) filter_values(filters),
    columns = if (!is.null(columns)) as.list(columns),
    sort = if (!is.null(sort)) as.list(sort),
    skip = skip, limit = limit
  ))
  path <- paste0("/api/v1/dataset/", path_segment(name), "/query")
  if (use_arrow(arrow)) {
    answer <- om_request(om, "POST", path, json = body, accept = parquet_media_type)
    return(as.data.frame(arrow::read_parquet(httr::content(answer, as = "raw"))))
  }
  rows <- om_json(om, "POST", path, json = body, simplify = TRUE)
  types <- column_types(om_datasets_metadata(om, name))
  as_frame(rows, types, columns)
}

# `__in` takes a list even of one value; other filters take one value.
filter_values <- function(filters) {
  values <- lapply(names(filters), function(key) {
    value <- filters[[key]]
    if (inherits(value, "POSIXt")) value <- json_columns(list(value))[[1]]
    if (grepl("__in$", key) || length(value) > 1) as.list(value) else value
  })
  stats::setNames(values, names(filters))
}

column_types <- function(meta) {
  described <- meta$kindMeta$columns
  if (is.null(described)) return(list())
  if (is.data.frame(described)) return(stats::setNames(as.list(described$type), described$name))
  stats::setNames(lapply(described, function(c) c$type), vapply(described, function(c) c$name, ""))
}

empty_column <- function(type) {
  switch(type %||% "string",
    integer = integer(), number = numeric(), boolean = logical(),
    datetime = as.POSIXct(character(), tz = "UTC"), character()
  )
}

as_frame <- function(rows, types, columns) {
  names <- if (!is.null(columns)) columns else names(types)
  if (length(rows) == 0 || (is.data.frame(rows) && nrow(rows) == 0)) {
    frame <- lapply(names, function(n) empty_column(types[[n]]))
    names(frame) <- names
    return(as.data.frame(frame, stringsAsFactors = FALSE, check.names = FALSE))
  }
  frame <- as.data.frame(rows, stringsAsFactors = FALSE, check.names = FALSE)
  for (column in names(frame)) {
    type <- types[[column]]
    if (identical(type, "datetime")) {
      frame[[column]] <- as.POSIXct(sub("Z$", "", frame[[column]]), format = "%Y-%m-%dT%H:%M:%OS",
                                    tz = "UTC")
    } else if (identical(type, "number") && !is.double(frame[[column]])) {
      frame[[column]] <- as.numeric(frame[[column]])
    } else if (identical(type, "integer") && is.logical(frame[[column]])) {
      # A column of nulls only reads as logical NA.
      frame[[column]] <- as.integer(frame[[column]])
    }
  }
  present <- intersect(names, names(frame))
  if (length(present) > 0) frame <- frame[, c(present, setdiff(names(frame), present)), drop = FALSE]
  frame
}

#' A dataset's Metadata: kind, columns and their types, rows, attributes
#'
#' @param om A connection from [om_connect()].
#' @param name The dataset's name.
#' @return A list.
#' @export
om_datasets_metadata <- function(om, name) {
  om_json(om, "GET", paste0("/api/v1/dataset/", path_segment(name), "/metadata"))
}

#' The names of the datasets in this bucket
#'
#' @param om A connection from [om_connect()].
#' @param pattern A glob pattern (`sales*`).
#' @param kind Only datasets of this kind.
#' @return A character vector.
#' @export
om_datasets_list <- function(om, pattern = NULL, kind = NULL) {
  names_of(list_all(om, "/api/v1/dataset/", list(pattern = pattern, kind = kind)))
}

names_of <- function(objects) {
  vapply(objects, function(entry) entry$name, character(1))
}

#' Drops a dataset
#'
#' @param om A connection from [om_connect()].
#' @param name The dataset's name.
#' @param force A missing dataset is `FALSE` instead of an `omegats_not_found` error.
#' @return `TRUE` when dropped.
#' @export
om_datasets_drop <- function(om, name, force = FALSE) {
  drop_object(om, paste0("/api/v1/dataset/", path_segment(name)), force)
}

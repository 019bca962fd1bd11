# The HTTP layer: the ApiKey header, the Bucket and Qualifier scope, JSON in and out, error answers.

user_agent_text <- function() {
  paste0("omegats-r/", utils::packageVersion("omegats"))
}

# NULL values are left out: an absent query parameter means the platform's default.
compact <- function(values) {
  values[!vapply(values, is.null, logical(1))]
}

query_text <- function(values) {
  lapply(compact(values), function(value) {
    if (is.logical(value)) tolower(as.character(value)) else as.character(value)
  })
}

# A name as one path segment: `a/b` becomes `a%2Fb`, as the platform's routes expect.
path_segment <- function(name) {
  utils::URLencode(name, reserved = TRUE)
}

to_json <- function(value) {
  jsonlite::toJSON(value, auto_unbox = TRUE, null = "null", na = "null", digits = NA, POSIXt = "ISO8601")
}

request_headers <- function(om, accept = "application/json", extra = character()) {
  headers <- c(
    Authorization = paste0("ApiKey ", om$userid, ":", om_key(om)),
    Accept = accept,
    `User-Agent` = user_agent_text()
  )
  if (!is.null(om$bucket)) headers[["Bucket"]] <- om$bucket
  if (!is.null(om$qualifier)) headers[["Qualifier"]] <- om$qualifier
  c(headers, extra)
}

#' Sends one request to the platform
#'
#' @param om A connection from [om_connect()].
#' @param method HTTP method.
#' @param path The path below the platform's URL, e.g. `/api/v1/dataset/`.
#' @param query Named list of query parameters (`NULL` entries are left out).
#' @param json A value sent as the JSON body.
#' @param body A raw body, an [httr::upload_file()] or a multipart list.
#' @param content_type The content type of `body`.
#' @param accept The Accept header.
#' @param encode How httr encodes a list `body` (`"multipart"`).
#' @param write An [httr::write_disk()] to stream the answer into.
#' @return The [httr::response()]; an error answer is signalled as an `omegats_error` condition.
#' @keywords internal
om_request <- function(om, method, path, query = NULL, json = NULL, body = NULL, content_type = NULL,
                       accept = "application/json", encode = NULL, write = NULL) {
  url <- paste0(om$url, path)
  extra <- character()
  if (!is.null(json)) {
    body <- charToRaw(enc2utf8(as.character(to_json(json))))
    content_type <- "application/json"
  }
  if (!is.null(content_type)) extra[["Content-Type"]] <- content_type
  config <- list(httr::add_headers(.headers = request_headers(om, accept, extra)), httr::timeout(om$timeout))
  if (!is.null(write)) config <- c(config, list(write))
  args <- c(
    list(verb = method, url = url, query = query_text(query), body = body, encode = encode %||% "raw"),
    config
  )
  answer <- tryCatch(do.call(httr::VERB, args), error = function(error) {
    stop(omegats_condition(
      sprintf("cannot reach the omega platform at %s: %s", om$url, conditionMessage(error)),
      "omegats_connection_error"
    ))
  })
  status <- httr::status_code(answer)
  if (status >= 400) {
    text <- tryCatch(httr::content(answer, as = "text", encoding = "UTF-8"), error = function(e) "")
    parsed <- tryCatch(jsonlite::fromJSON(text, simplifyVector = FALSE), error = function(e) text)
    stop(error_from_answer(status, parsed))
  }
  answer
}

# The JSON answer of a request. `simplify` turns lists of records into data frames, as jsonlite does.
om_json <- function(om, method, path, ..., simplify = FALSE) {
  answer <- om_request(om, method, path, ...)
  text <- httr::content(answer, as = "text", encoding = "UTF-8")
  if (!nzchar(text)) return(NULL)
  jsonlite::fromJSON(text, simplifyVector = simplify)
}

# Every page of an object list (`{objects, meta: {total_count}}`).
list_all <- function(om, path, query = list()) {
  found <- list()
  repeat {
    page <- om_json(om, "GET", path, query = c(query, list(offset = length(found), limit = 100)))
    found <- c(found, page$objects)
    total <- page$meta$total_count %||% length(found)
    if (length(page$objects) == 0 || length(found) >= total) return(found)
  }
}

# Drops an object; a missing one is an error unless `force`.
drop_object <- function(om, path, force) {
  tryCatch(
    {
      om_request(om, "DELETE", path)
      TRUE
    },
    omegats_not_found = function(condition) {
      if (!force) stop(condition)
      FALSE
    }
  )
}

# Where the client finds the platform's URL and the user's API key: the same order as the Python client
# (clients/python) and the TypeScript SDK (libs/client), so one credentials file serves all three.

credentials_file_name <- "credentials.json"
default_url <- "http://127.0.0.1:5000"

#' Finds the platform's URL and an API key
#'
#' Explicit arguments win over the environment (`OMEGA_URL`, `OMEGA_USERID`, `OMEGA_APIKEY`), which wins
#' over the `credentials.json` the platform writes at its first start, looked for as `credentials_file`,
#' in `$OMEGA_DATA_DIR`, then in `./.omega`. The userid and key are taken as a pair from one source, so a
#' key is never sent with another source's userid.
#'
#' @param url The platform's base URL.
#' @param userid,apikey The user and their API key.
#' @param credentials_file A credentials.json to read instead of looking for one.
#' @param env Named character vector of environment variables (default: this process's).
#' @return A list with `url`, `userid`, `apikey`, `tenant` and `source` (where the pair came from).
#' @export
#' @examples
#' creds <- om_credentials(url = "http://127.0.0.1:5000", userid = "admin", apikey = "secret")
#' creds$source
om_credentials <- function(url = NULL, userid = NULL, apikey = NULL, credentials_file = NULL,
                           env = Sys.getenv()) {
  env_value <- function(key) {
    value <- env[key]
    if (is.na(value) || !nzchar(value)) NULL else unname(value)
  }
  found <- read_credentials_file(credentials_file, env_value("OMEGA_DATA_DIR"))
  record <- found$record %||% list()
  pair <- NULL
  if (!is.null(userid) || !is.null(apikey)) {
    pair <- require_pair(userid, apikey, "arguments")
  } else if (!is.null(env_value("OMEGA_USERID")) || !is.null(env_value("OMEGA_APIKEY"))) {
    pair <- require_pair(env_value("OMEGA_USERID"), env_value("OMEGA_APIKEY"), "env")
  } else if (!is.null(found$path)) {
    pair <- require_pair(record$userid, record$apikey, found$path)
  }
  if (is.null(pair)) {
    stop(omegats_condition(
      paste0(
        "No omega credentials: pass userid and apikey, set OMEGA_USERID and OMEGA_APIKEY, or start the ",
        "API once so it writes ", credentials_file_name, " into ./.omega (or $OMEGA_DATA_DIR)"
      ),
      "omegats_credentials_error"
    ))
  }
  base <- url %||% env_value("OMEGA_URL") %||% record$url %||% default_url
  tenant <- if (identical(pair$source, found$path)) record$tenant else NULL
  list(url = sub("/+$", "", base), userid = pair$userid, apikey = pair$apikey, tenant = tenant,
       source = pair$source)
}

require_pair <- function(userid, apikey, source) {
  where <- switch(source, arguments = "the arguments", env = "the environment", source)
  fail <- function(text) stop(omegats_condition(paste(where, text), "omegats_credentials_error"))
  if (is.null(userid) || !nzchar(userid)) fail("give an API key but no userid")
  if (is.null(apikey) || !nzchar(apikey)) fail("give a userid but no API key")
  list(userid = userid, apikey = apikey, source = source)
}

read_credentials_file <- function(explicit, data_dir) {
  candidates <- if (!is.null(explicit)) {
    explicit
  } else {
    c(if (!is.null(data_dir)) file.path(data_dir, credentials_file_name),
      file.path(".omega", credentials_file_name))
  }
  for (path in candidates) {
    if (!file.exists(path)) {
      if (!is.null(explicit)) {
        stop(omegats_condition(paste(path, "does not exist"), "omegats_credentials_error"))
      }
      next
    }
    parsed <- tryCatch(jsonlite::fromJSON(path, simplifyVector = FALSE), error = function(error) {
      stop(omegats_condition(paste(path, "is not valid JSON:", conditionMessage(error)),
                             "omegats_credentials_error"))
    })
    if (!is.list(parsed) || is.null(names(parsed))) {
      stop(omegats_condition(paste(path, "must hold a JSON object {url, userid, apikey, tenant}"),
                             "omegats_credentials_error"))
    }
    return(list(path = path, record = parsed[vapply(parsed, is.character, logical(1))]))
  }
  list(path = NULL, record = NULL)
}

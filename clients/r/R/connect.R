#' Connects to an omega-ts platform
#'
#' Credentials are resolved by [om_credentials()]: arguments, then `OMEGA_URL` / `OMEGA_USERID` /
#' `OMEGA_APIKEY`, then the `credentials.json` the platform writes at its first start. With `verify`
#' (the default) the platform is asked for this client's settings, so bad credentials fail here.
#'
#' @inheritParams om_credentials
#' @param bucket The bucket to work in (the `Bucket` header); `NULL` is the platform's `default`.
#' @param qualifier The tenant's environment (the `Qualifier` header).
#' @param verify Ask the platform who we are now.
#' @param timeout Seconds to wait for an answer.
#' @return A connection (class `omegats_connection`); it prints without its key.
#' @export
#' @examples
#' \dontrun{
#' om <- om_connect()
#' om_datasets_list(om)
#' }
om_connect <- function(url = NULL, userid = NULL, apikey = NULL, bucket = NULL, qualifier = NULL,
                       credentials_file = NULL, verify = TRUE, timeout = 300) {
  found <- om_credentials(url, userid, apikey, credentials_file)
  om <- new_connection(found$url, found$userid, found$apikey, bucket, qualifier, found$tenant, timeout)
  if (verify) om$tenant <- om_config(om)$tenant
  om
}

# The key lives in a closure: printing or str() of a connection never shows it.
new_connection <- function(url, userid, apikey, bucket, qualifier, tenant, timeout) {
  structure(
    list(url = url, userid = userid, bucket = bucket, qualifier = qualifier, tenant = tenant,
         timeout = timeout, key = local(function() apikey)),
    class = "omegats_connection"
  )
}

om_key <- function(om) om$key()

#' The same connection in another bucket or qualifier
#'
#' @param om A connection from [om_connect()].
#' @param name The bucket (or qualifier) to work in.
#' @return A connection.
#' @export
om_bucket <- function(om, name) {
  new_connection(om$url, om$userid, om_key(om), name, om$qualifier, om$tenant, om$timeout)
}

#' @rdname om_bucket
#' @export
om_qualifier <- function(om, name) {
  new_connection(om$url, om$userid, om_key(om), om$bucket, name, om$tenant, om$timeout)
}

#' The platform's settings for this client
#'
#' @param om A connection from [om_connect()].
#' @return A list: `url`, `tenant`, `userid`, `role`, `bucket`, `worker_labels`, `runtime`, `version`.
#' @export
om_config <- function(om) {
  om_json(om, "GET", "/api/v1/config")
}

#' @export
print.omegats_connection <- function(x, ...) {
  cat(sprintf("<omegats connection %s as %s, tenant %s, bucket %s>\n", x$url, x$userid,
              x$tenant %||% "?", x$bucket %||% "default"))
  invisible(x)
}

#' @export
format.omegats_connection <- function(x, ...) {
  sprintf("<omegats connection %s as %s>", x$url, x$userid)
}

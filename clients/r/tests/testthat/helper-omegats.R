# The suite runs against a live platform named by OMEGA_URL / OMEGA_USERID / OMEGA_APIKEY (the e2e spec
# test/r-client.e2e-spec.ts starts one with a worker). It never skips: without them every test fails.
server_env <- function() {
  keys <- c("OMEGA_URL", "OMEGA_USERID", "OMEGA_APIKEY")
  values <- Sys.getenv(keys)
  if (any(!nzchar(values))) {
    stop("set ", paste(keys[!nzchar(values)], collapse = ", "), " to a running omega-ts API (npm test does)")
  }
  as.list(stats::setNames(values, keys))
}

# Each run works in a bucket of its own, so runs against a long-lived platform do not meet.
test_bucket <- local({
  bucket <- NULL
  function() {
    if (is.null(bucket)) bucket <<- paste0("r", paste(sample(c(letters, 0:9), 10, TRUE), collapse = ""))
    bucket
  }
})

connect_for_tests <- function() {
  env <- server_env()
  om_bucket(om_connect(env$OMEGA_URL, env$OMEGA_USERID, env$OMEGA_APIKEY), test_bucket())
}

fresh_name <- function(prefix = "t") {
  paste0(prefix, paste(sample(c(letters, 0:9), 12, TRUE), collapse = ""))
}

# The repository's ONNX fixtures (scikit-learn models with their expected answers).
fixture <- function(file) {
  dir <- Sys.getenv("OMEGA_TEST_FIXTURES")
  if (!nzchar(dir)) stop("set OMEGA_TEST_FIXTURES to the repository's test/fixtures/onnx")
  file.path(dir, file)
}

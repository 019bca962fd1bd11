test_that("arguments win over the environment, which wins over the credentials file", {
  dir <- tempfile()
  dir.create(dir)
  file <- file.path(dir, "credentials.json")
  writeLines('{"url": "http://file:1", "userid": "fromfile", "apikey": "k1", "tenant": "acme"}', file)
  env <- c(OMEGA_DATA_DIR = dir)
  from_file <- om_credentials(env = env)
  expect_equal(from_file[c("url", "userid", "apikey", "tenant", "source")],
               list(url = "http://file:1", userid = "fromfile", apikey = "k1", tenant = "acme", source = file))

  env <- c(env, OMEGA_USERID = "fromenv", OMEGA_APIKEY = "k2", OMEGA_URL = "http://env:2/")
  from_env <- om_credentials(env = env)
  expect_equal(from_env[c("url", "userid", "apikey", "source")],
               list(url = "http://env:2", userid = "fromenv", apikey = "k2", source = "env"))
  expect_null(from_env$tenant)

  from_args <- om_credentials(userid = "me", apikey = "k3", env = env)
  expect_equal(from_args[c("url", "userid", "apikey", "source")],
               list(url = "http://env:2", userid = "me", apikey = "k3", source = "arguments"))
  expect_equal(om_credentials(credentials_file = file, env = c(HOME = dir))$userid, "fromfile")
})

test_that("a key is never taken without its own userid, and missing credentials say where to look", {
  expect_error(om_credentials(apikey = "k", env = c(OMEGA_USERID = "other")),
               "the arguments give an API key but no userid", class = "omegats_credentials_error")
  expect_error(om_credentials(env = c(OMEGA_USERID = "u")), "the environment give a userid but no API key",
               class = "omegats_credentials_error")
  withr_dir <- tempfile()
  dir.create(withr_dir)
  old <- setwd(withr_dir)
  on.exit(setwd(old))
  expect_error(om_credentials(env = c(HOME = withr_dir)), "No omega credentials",
               class = "omegats_credentials_error")
  expect_error(om_credentials(credentials_file = "nope.json", env = c(HOME = withr_dir)),
               "nope.json does not exist", class = "omegats_credentials_error")
  writeLines("not json", "bad.json")
  expect_error(om_credentials(credentials_file = "bad.json", env = c(HOME = withr_dir)), "is not valid JSON")
})

test_that("a connection verifies its key and never prints it", {
  env <- server_env()
  om <- om_connect(env$OMEGA_URL, env$OMEGA_USERID, env$OMEGA_APIKEY)
  expect_equal(om$tenant, om_config(om)$tenant)
  shown <- c(capture.output(print(om)), capture.output(str(unclass(om))), format(om))
  expect_false(any(grepl(env$OMEGA_APIKEY, shown, fixed = TRUE)))
  expect_true(any(grepl(env$OMEGA_USERID, shown, fixed = TRUE)))
  expect_error(om_connect(env$OMEGA_URL, env$OMEGA_USERID, "wrong-key"), class = "omegats_unauthorized")
  expect_error(om_connect("http://127.0.0.1:9", "u", "k"), "cannot reach the omega platform",
               class = "omegats_connection_error")
})

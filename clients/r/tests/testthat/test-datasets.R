sales <- function() {
  data.frame(
    region = c("EU", "US", "EU", "APAC"),
    units = c(12L, 7L, NA, 30L),
    price = c(9.5, 12.25, 3, NA),
    paid = c(TRUE, FALSE, TRUE, NA),
    at = as.POSIXct(c("2026-01-02 03:04:05.250", "2026-02-01 00:00:00", NA, "2026-03-31 23:59:59"),
                    tz = "UTC"),
    stringsAsFactors = FALSE
  )
}

test_that("a data frame goes in and comes back with its column types", {
  om <- connect_for_tests()
  name <- fresh_name()
  meta <- om_datasets_put(om, sales(), name, attributes = list(team = "growth"), arrow = FALSE)
  expect_equal(meta$name, name)
  expect_equal(meta$attributes, list(team = "growth"))
  back <- om_datasets_get(om, name, arrow = FALSE)
  expect_equal(back, sales())
  expect_equal(vapply(back, function(x) class(x)[1], ""),
               c(region = "character", units = "integer", price = "numeric", paid = "logical", at = "POSIXct"))
  columns <- om_datasets_metadata(om, name)$kindMeta$columns
  expect_equal(vapply(columns, function(column) column$type, ""), c("string", "integer", "number", "boolean", "datetime"))
})

test_that("filters, columns, sort and paging are computed by the platform", {
  om <- connect_for_tests()
  name <- fresh_name()
  om_datasets_put(om, sales(), name, arrow = FALSE)
  eu <- om_datasets_get(om, name, list(region = "EU"), arrow = FALSE)
  expect_equal(eu$units, c(12L, NA))
  expect_equal(om_datasets_get(om, name, list(units__gte = 10), columns = c("region", "units"), arrow = FALSE),
               data.frame(region = c("EU", "APAC"), units = c(12L, 30L)))
  expect_equal(om_datasets_get(om, name, list(region__in = c("US", "APAC")), sort = "-units", arrow = FALSE)$region,
               c("APAC", "US"))
  expect_equal(om_datasets_get(om, name, list(region__in = "US"), arrow = FALSE)$units, 7L)
  expect_equal(om_datasets_get(om, name, sort = "region", skip = 1, limit = 2, arrow = FALSE)$region,
               c("EU", "EU"))
  none <- om_datasets_get(om, name, list(region = "nowhere"), arrow = FALSE)
  expect_equal(nrow(none), 0)
  expect_equal(names(none), names(sales()))
  expect_s3_class(none$at, "POSIXct")
  # Columns called like the function's own arguments are filters like any other.
  people <- fresh_name()
  om_datasets_put(om, data.frame(name = c("ann", "bo"), n = 1:2), people, arrow = FALSE)
  expect_equal(om_datasets_get(om, people, list(name = "bo", n__lt = 3), arrow = FALSE)$n, 2L)
})

test_that("append adds rows; bad input is refused and changes nothing", {
  om <- connect_for_tests()
  name <- fresh_name()
  om_datasets_put(om, sales(), name, arrow = FALSE)
  om_datasets_put(om, sales()[1:2, ], name, append = TRUE, arrow = FALSE)
  expect_equal(nrow(om_datasets_get(om, name, arrow = FALSE)), 6)
  expect_error(om_datasets_get(om, name, list(units__nope = 1), arrow = FALSE), class = "omegats_invalid_input")
  expect_error(om_datasets_get(om, name, list(5), arrow = FALSE), "filters are named", class = "omegats_invalid_input")
  expect_error(om_datasets_put(om, data.frame(units = "many"), name, append = TRUE, arrow = FALSE),
               class = "omegats_invalid_input")
  expect_equal(nrow(om_datasets_get(om, name, arrow = FALSE)), 6)
})

test_that("list and drop; a missing dataset is not found unless forced", {
  om <- connect_for_tests()
  name <- fresh_name("list")
  om_datasets_put(om, data.frame(x = 1:3), name, arrow = FALSE)
  om_datasets_put(om, list(y = c("a", "b")), paste0(name, "-b"), arrow = FALSE)
  expect_true(all(c(name, paste0(name, "-b")) %in% om_datasets_list(om)))
  expect_equal(om_datasets_list(om, pattern = paste0(name, "-*")), paste0(name, "-b"))
  expect_true(om_datasets_drop(om, name))
  expect_error(om_datasets_get(om, name, arrow = FALSE), class = "omegats_not_found")
  expect_error(om_datasets_drop(om, name), class = "omegats_not_found")
  expect_false(om_datasets_drop(om, name, force = TRUE))
  # Another bucket of the same tenant does not see this one's datasets.
  expect_false(paste0(name, "-b") %in% om_datasets_list(om_bucket(om, fresh_name("other"))))
})

test_that("without the arrow package, asking for Parquet says what is missing", {
  skip_if(requireNamespace("arrow", quietly = TRUE), "arrow is installed here: the Parquet test covers it")
  om <- connect_for_tests()
  expect_error(om_datasets_get(om, "any", arrow = TRUE), "needs the arrow package",
               class = "omegats_invalid_input")
})

test_that("the platform answers a query as Parquet, which the arrow path reads", {
  # The wire half of the arrow path, tested where arrow is missing too: the body is a Parquet file.
  om <- connect_for_tests()
  name <- fresh_name()
  om_datasets_put(om, sales(), name, arrow = FALSE)
  answer <- omegats:::om_request(om, "POST", paste0("/api/v1/dataset/", name, "/query"),
                                 json = list(filter = list(region = "EU")), accept = "application/vnd.apache.parquet")
  expect_match(httr::headers(answer)[["content-type"]], "application/vnd.apache.parquet", fixed = TRUE)
  body <- httr::content(answer, as = "raw")
  expect_identical(rawToChar(body[1:4]), "PAR1")
  expect_identical(rawToChar(body[(length(body) - 3):length(body)]), "PAR1")
})

test_that("with the arrow package, frames travel as Parquet both ways", {
  skip_if_not(requireNamespace("arrow", quietly = TRUE), "the arrow package is not installed")
  om <- connect_for_tests()
  name <- fresh_name()
  om_datasets_put(om, sales(), name, arrow = TRUE)
  expect_equal(om_datasets_get(om, name, arrow = TRUE)$units, sales()$units)
  expect_equal(om_datasets_get(om, name, arrow = FALSE)$region, sales()$region)
})

library(testthat)
library(omegats)

test_check("omegats")

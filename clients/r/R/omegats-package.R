#' omegats: R client for the omega-ts platform
#'
#' Connect with [om_connect()]; then datasets ([om_datasets_put()], [om_datasets_get()]), files
#' ([om_files_put()]), models ([om_models_put()], [om_predict()]), scripts ([om_script_run()]), jobs
#' ([om_job_run()]) and tasks ([om_task_wait()]).
#'
#' @keywords internal
"_PACKAGE"

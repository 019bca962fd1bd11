export * from './notebook/notebook';
export * from './notebook/cell-compiler';
export * from './storage/notebook.plugin';
export * from './jobs.service';
export * from './runtime/job-task.handler';
export * from './job-runs.service';
export * from './jobs.module';

export * from './tracking.module';
export * from './experiments/experiment-records';
export * from './experiments/experiment-table';
export * from './experiments/experiment-tracker.plugin';
export * from './experiments/experiments.service';
export * from './experiments/metric-blocks';
export * from './experiments/run-log';
export * from './experiments/experiment-answer';

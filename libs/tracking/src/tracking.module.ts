import { Module } from '@nestjs/common';
import { ExperimentTrackerPlugin } from './experiments/experiment-tracker.plugin';
import { ExperimentsService } from './experiments/experiments.service';

/** Experiment tracking: the `experiment.tracker` kind (it registers itself) and its use cases. */
@Module({ providers: [ExperimentTrackerPlugin, ExperimentsService], exports: [ExperimentsService] })
export class TrackingModule {}

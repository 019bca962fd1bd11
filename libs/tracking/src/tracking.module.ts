import { Module } from '@nestjs/common';
import { MetricsModule } from '@omega/metrics';
import { ModelsModule } from '@omega/models';
import { SchedulesModule } from '@omega/schedules';
import { DriftGauge } from './drift/drift-gauge';
import { ModelMonitor } from './drift/model-monitor';
import { MonitorSchedules, MonitorTaskHandler } from './drift/monitor-schedule';
import { ExperimentTrackerPlugin } from './experiments/experiment-tracker.plugin';
import { ExperimentsService } from './experiments/experiments.service';
import { TrackedModelActions } from './models/tracked-model-actions';
import { TrackedModels } from './models/tracked-models';
import { loadTrackingConfig, TRACKING_CONFIG } from './tracking-config';

/**
 * Experiment tracking: the `experiment.tracker` kind (it registers itself), its use cases, and the
 * tracking of model actions (an observer the models lib finds by itself).
 */
@Module({
  imports: [ModelsModule, MetricsModule, SchedulesModule],
  providers: [
    ExperimentTrackerPlugin,
    ExperimentsService,
    TrackedModels,
    TrackedModelActions,
    DriftGauge,
    ModelMonitor,
    MonitorSchedules,
    MonitorTaskHandler,
    { provide: TRACKING_CONFIG, useFactory: () => loadTrackingConfig() },
  ],
  exports: [ExperimentsService, TrackedModels, TrackedModelActions, ModelMonitor, MonitorSchedules],
})
export class TrackingModule {}

import { Module } from '@nestjs/common';
import { ModelsModule } from '@omega/models';
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
  imports: [ModelsModule],
  providers: [
    ExperimentTrackerPlugin,
    ExperimentsService,
    TrackedModels,
    TrackedModelActions,
    { provide: TRACKING_CONFIG, useFactory: () => loadTrackingConfig() },
  ],
  exports: [ExperimentsService, TrackedModels, TrackedModelActions],
})
export class TrackingModule {}

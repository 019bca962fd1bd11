import { Module } from '@nestjs/common';
import { TrackingModule } from '@omega/tracking';
import { ExperimentsController } from './experiments.controller';

/**
 * Experiment tracking over REST. The model tracking routes (TrackedModelsController) are listed by the
 * app itself, ahead of the models controller; they use the TrackingModule this module exports.
 */
@Module({ imports: [TrackingModule], controllers: [ExperimentsController], exports: [TrackingModule] })
export class TrackingApiModule {}

import { Module } from '@nestjs/common';
import { TrackingModule } from '@omega/tracking';
import { ExperimentsController } from './experiments.controller';

/** Experiment tracking over REST. */
@Module({ imports: [TrackingModule], controllers: [ExperimentsController] })
export class TrackingApiModule {}

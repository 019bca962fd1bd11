import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BrokerModule } from './broker/broker.module';
import { TaskExecutor } from './execution/task-executor';
import { PingHandler } from './handlers/ping/ping.handler';
import { TaskHandlerRegistry } from './handlers/task-handler.registry';
import { TaskRecordBatch } from './task/task-record-batch';
import { TaskRecordsRepository } from './task/task-records.repository';
import { WorkerDirectory } from './workers/worker-directory';

/**
 * What runs tasks: handler discovery, the executor, task records, the worker directory and the broker
 * connection (`BrokerModule`, shared with the change exchange). Worker processes import this; the API
 * gets it through `RuntimeClientModule`.
 */
@Module({
  imports: [DiscoveryModule, BrokerModule],
  providers: [
    TaskRecordsRepository,
    TaskRecordBatch,
    TaskHandlerRegistry,
    TaskExecutor,
    WorkerDirectory,
    PingHandler,
  ],
  exports: [
    BrokerModule,
    TaskRecordsRepository,
    TaskRecordBatch,
    TaskHandlerRegistry,
    TaskExecutor,
    WorkerDirectory,
  ],
})
export class RuntimeCoreModule {}

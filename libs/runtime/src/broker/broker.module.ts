import { Module } from '@nestjs/common';
import { BrokerConnection } from './broker-connection';

/**
 * The process's one broker connection, for every module that speaks AMQP (the runtime's publisher and
 * consumer, the change-events exchange): each imports this module rather than providing its own.
 */
@Module({ providers: [BrokerConnection], exports: [BrokerConnection] })
export class BrokerModule {}

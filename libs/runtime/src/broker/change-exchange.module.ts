import { BeforeApplicationShutdown, Inject, Logger, Module, OnModuleInit } from '@nestjs/common';
import { ChangeEvents, ChangeEventsModule, OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import { BrokerConnection } from './broker-connection';
import { BrokerModule } from './broker.module';
import { ChangeExchange } from './change-exchange';

/** How long boot waits for the broker before going on (caches are bypassed until it is reachable). */
const BROKER_BOOT_WAIT_MS = 5_000;

/**
 * Change events across processes when `OMEGA_BROKER_URL` is set (the RabbitMQ fanout exchange, on the
 * process's one broker connection); without it they stay in the process, which is all the embedded mode
 * has. Apps with several replicas import this.
 */
@Module({ imports: [ChangeEventsModule, BrokerModule] })
export class ChangeExchangeModule implements OnModuleInit, BeforeApplicationShutdown {
  private exchange?: ChangeExchange;

  constructor(
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
    private readonly events: ChangeEvents,
    private readonly broker: BrokerConnection,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.brokerUrl) return;
    this.exchange = new ChangeExchange(this.broker, this.config.mongoDbPrefix, this.events);
    this.events.attach(this.exchange);
    const connected = await Promise.race([
      this.exchange.waitForConnect().then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), BROKER_BOOT_WAIT_MS).unref()),
    ]);
    if (!connected)
      new Logger('ChangeExchangeModule').warn(
        'The broker is not reachable yet: caches are bypassed until it is',
      );
  }

  /**
   * After every module's destroy hook (a task settling then may still announce a change), before
   * `BrokerConnection` closes the connection this channel rides on.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.exchange?.close();
  }
}

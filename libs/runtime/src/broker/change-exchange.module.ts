import { Inject, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ChangeEvents, ChangeEventsModule, OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import { ChangeExchange } from './change-exchange';

/** How long boot waits for the broker before going on (caches are bypassed until it is reachable). */
const BROKER_BOOT_WAIT_MS = 5_000;

/**
 * Change events across processes when `OMEGA_BROKER_URL` is set (the RabbitMQ fanout exchange); without
 * it they stay in the process, which is all the embedded mode has. Apps with several replicas import this.
 */
@Module({ imports: [ChangeEventsModule] })
export class ChangeExchangeModule implements OnModuleInit, OnApplicationShutdown {
  private exchange?: ChangeExchange;

  constructor(
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
    private readonly events: ChangeEvents,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.brokerUrl) return;
    this.exchange = new ChangeExchange(this.config.brokerUrl, this.config.mongoDbPrefix, this.events);
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

  async onApplicationShutdown(): Promise<void> {
    await this.exchange?.close();
  }
}

import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import { TaskHandler, TaskHandlerContract } from './task-handler';

/** Collects every `@TaskHandler` provider; a second handler for an action stops the boot. */
@Injectable()
export class TaskHandlerRegistry implements OnModuleInit {
  private readonly logger = new Logger(TaskHandlerRegistry.name);
  private readonly byAction = new Map<string, TaskHandlerContract>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: TaskHandler.KEY })) {
      const options = this.discovery.getMetadataByDecorator(TaskHandler, wrapper);
      if (!options) continue;
      const handler = wrapper.instance as TaskHandlerContract;
      if (!wrapper.isDependencyTreeStatic() || typeof handler?.handle !== 'function') {
        throw new OmegaError(
          OmegaErrorCode.DuplicateKind,
          `Task handler ${wrapper.name} must be a singleton with a handle() method`,
        );
      }
      for (const action of options.actions) this.register(action, handler);
    }
    this.logger.log(`Task actions: ${this.actions().join(', ') || '(none)'}`);
  }

  register(action: string, handler: TaskHandlerContract): void {
    const existing = this.byAction.get(action);
    if (existing) {
      throw new OmegaError(
        OmegaErrorCode.DuplicateKind,
        `Two task handlers claim action "${action}": ${existing.constructor.name} and ${handler.constructor.name}`,
      );
    }
    this.byAction.set(action, handler);
  }

  find(action: string): TaskHandlerContract | undefined {
    return this.byAction.get(action);
  }

  actions(): string[] {
    return [...this.byAction.keys()].sort();
  }
}

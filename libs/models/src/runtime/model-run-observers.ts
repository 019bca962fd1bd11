import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { TenantContext } from '@omega/core';

/** A model action that ran through the runtime and answered, as observers are told of it. */
export interface ObservedModelRun {
  ctx: TenantContext;
  /** The model reference as called (`name`, `name@3`, `name@prod`). */
  model: string;
  action: string;
  /** X and Y as given: a dataset name or inline data each. */
  x?: unknown;
  y?: unknown;
  result: unknown;
  durationMs: number;
  /** The user the call acted for, where known. */
  caller?: string;
}

/**
 * Something that wants to know of every synchronous model action (experiment tracking logs them). It is
 * told after the action answered and must not make the caller wait: `observe` returns at once (buffer,
 * then write in the background).
 */
export interface ModelRunObserverContract {
  observe(run: ObservedModelRun): void;
}

/** Marks a provider as a model run observer; found at module init, like storage plugins. */
export const ModelRunObserver = DiscoveryService.createDecorator<Record<string, never>>();

/**
 * Tells every `@ModelRunObserver` of a model run. Models know nothing of what observes them; an app gets
 * an observer by importing its module. A failing observer is logged and never fails the call.
 */
@Injectable()
export class ModelRunObservers implements OnModuleInit {
  private readonly logger = new Logger(ModelRunObservers.name);
  private observers: ModelRunObserverContract[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    this.observers = this.discovery
      .getProviders({ metadataKey: ModelRunObserver.KEY })
      .filter((wrapper) => wrapper.isDependencyTreeStatic() && wrapper.instance)
      .map((wrapper) => wrapper.instance as ModelRunObserverContract);
  }

  get active(): boolean {
    return this.observers.length > 0;
  }

  notify(run: ObservedModelRun): void {
    for (const observer of this.observers) {
      try {
        observer.observe(run);
      } catch (error) {
        this.logger.warn(`A model run observer failed: ${(error as Error).message}`);
      }
    }
  }
}

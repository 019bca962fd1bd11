import { Global, Injectable, Logger, Module } from '@nestjs/common';

/**
 * A change that caches must hear of: a topic (what kind of thing, e.g. `principals`) and a key (which
 * one, e.g. `user:<id>`). Events name things, never carry them: no secrets, no values.
 */
export interface ChangeEvent {
  topic: string;
  key: string;
}

export type ChangeHandler = (event: ChangeEvent) => void;

/**
 * Carries events between processes (RabbitMQ in broker mode). It delivers every event to every process,
 * the publishing one included, through `deliver`. `publish` resolves only once every other live process
 * has run its handlers for the event, or has stopped trusting its caches until it does; `current` is
 * false while this process may not have handled every event already announced to anyone (cut off from
 * the broker, or too far behind).
 */
export interface ChangeTransport {
  publish(event: ChangeEvent): Promise<void>;
  readonly current: boolean;
}

/**
 * The change-event channel of one process. Caches subscribe to a topic and drop what an event names; the
 * code that changes a thing publishes once its change is stored. Without a transport (the embedded mode,
 * one process) events go to this process's subscribers only; with one attached they reach every process.
 * A publish resolves once the event is handled here and, with a transport, by every other process (or
 * that process no longer answers from its caches): the caller's answer never overtakes the change.
 */
@Injectable()
export class ChangeEvents {
  private readonly logger = new Logger('ChangeEvents');
  private readonly handlers = new Map<string, Set<ChangeHandler>>();
  private readonly resetHandlers = new Set<() => void>();
  private transport?: ChangeTransport;

  async publish(event: ChangeEvent): Promise<void> {
    // Delivered here at once, so the publishing process never answers from what it just changed; the
    // transport's echo of the same event is harmless (dropping an entry twice drops it once).
    this.deliver(event);
    await this.transport?.publish(event);
  }

  /** Calls `handler` for every event of `topic`; the returned function unsubscribes. */
  subscribe(topic: string, handler: ChangeHandler): () => void {
    const set = this.handlers.get(topic) ?? new Set<ChangeHandler>();
    set.add(handler);
    this.handlers.set(topic, set);
    return () => set.delete(handler);
  }

  /**
   * Calls `handler` whenever events may have been missed (the broker connection was lost): a cache then
   * drops everything it holds.
   */
  onReset(handler: () => void): () => void {
    this.resetHandlers.add(handler);
    return () => this.resetHandlers.delete(handler);
  }

  /**
   * Whether this process has handled every change announced anywhere. False while a transport is cut off
   * or behind: caches must then not answer from what they hold, since they may not have heard of changes.
   */
  get reliable(): boolean {
    return this.transport === undefined || this.transport.current;
  }

  /** Makes events travel between processes from now on (called once, by the broker mode at start). */
  attach(transport: ChangeTransport): void {
    if (this.transport) throw new Error('A change-event transport is already attached');
    this.transport = transport;
    this.reset();
  }

  /** An event from the transport (or this process). A failing handler does not keep others from theirs. */
  deliver(event: ChangeEvent): void {
    for (const handler of this.handlers.get(event.topic) ?? []) {
      try {
        handler(event);
      } catch (error) {
        this.logger.error(`A '${event.topic}' handler failed: ${(error as Error).message}`);
      }
    }
  }

  /** Events may have been missed: every cache starts afresh. */
  reset(): void {
    for (const handler of this.resetHandlers) handler();
  }
}

/**
 * Provides the process's one `ChangeEvents`. Global, so that every lib that caches or changes things gets
 * the same instance whichever module imports this first.
 */
@Global()
@Module({ providers: [ChangeEvents], exports: [ChangeEvents] })
export class ChangeEventsModule {}

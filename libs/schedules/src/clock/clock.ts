import { Injectable } from '@nestjs/common';

/**
 * Where schedules read the time. A provider rather than `Date.now()`, so a test (or a replay) can move
 * time forward over due times without sleeping.
 */
export abstract class Clock {
  abstract now(): Date;
}

@Injectable()
export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock that moves only when told: shared by several tickers, it gives them one notion of "now". */
export class ManualClock extends Clock {
  private current: number;

  constructor(start: Date) {
    super();
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(to: Date): void {
    this.current = to.getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

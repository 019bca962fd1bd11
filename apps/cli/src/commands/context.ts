import type { Omega } from '@omega/client';
import type { Command } from 'commander';

/** Connects with the global options (`--url`, `--bucket`, …) of the command being run. */
export type Connect = (command: Command) => Promise<Omega>;

/** Prints `value` as JSON under `--json`; otherwise runs `human`, which prints it for people. */
export type Show = (command: Command, value: unknown, human: () => void) => void;

export interface CommandContext {
  connect: Connect;
  show: Show;
}

import { spawn } from 'node:child_process';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const WATCH_INTERVAL_MS = 500;
const MAX_STDERR_BYTES = 64 * 1024;

export interface Limits {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** The folder whose size is watched while the process runs. */
  watched: string;
  maxBytes: number;
}

export type LimitedOutcome =
  { ended: 'exited'; code: number | null; stderr: string } | { ended: 'timeout' | 'too-large' };

type Stop = 'timeout' | 'too-large';

/**
 * Runs `command` in a process group of its own and kills the whole group (the command's children with
 * it) when it runs longer than `timeoutMs` or `watched` grows past `maxBytes`.
 */
export function runLimited(command: string[], limits: Limits): Promise<LimitedOutcome> {
  return new Promise((done, fail) => {
    const child = spawn(command[0], command.slice(1), {
      cwd: limits.cwd,
      env: limits.env,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let stopped: Stop | undefined;
    child.stderr.on('data', (part: Buffer) => {
      if (stderr.length < MAX_STDERR_BYTES) stderr += part.toString('utf8');
    });
    const stop = (reason: Stop) => {
      stopped ??= reason;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group has already ended.
      }
    };
    const timer = setTimeout(() => stop('timeout'), limits.timeoutMs);
    let measuring = false;
    const watch = setInterval(() => {
      if (measuring) return;
      measuring = true;
      void treeBytes(limits.watched)
        .then((bytes) => bytes > limits.maxBytes && stop('too-large'))
        .finally(() => (measuring = false));
    }, WATCH_INTERVAL_MS);
    const settle = () => {
      clearTimeout(timer);
      clearInterval(watch);
    };
    child.on('error', (error) => {
      settle();
      fail(error);
    });
    child.on('close', (code) => {
      settle();
      done(stopped === undefined ? { ended: 'exited', code, stderr } : { ended: stopped });
    });
  });
}

/** Bytes of the files below `path` (links are not followed); what vanished meanwhile counts nothing. */
export async function treeBytes(path: string): Promise<number> {
  const stats = await lstat(path).catch(() => undefined);
  if (!stats) return 0;
  if (!stats.isDirectory()) return stats.size;
  const names = await readdir(path).catch(() => [] as string[]);
  let total = 0;
  for (const name of names) total += await treeBytes(join(path, name));
  return total;
}

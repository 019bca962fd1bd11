import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** A worker's id: readable in listings (host and pid) and unique across restarts. */
export function newWorkerId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

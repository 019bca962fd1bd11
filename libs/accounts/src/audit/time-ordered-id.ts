import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/**
 * A UUIDv7 (RFC 9562) and the instant it encodes. Audit events are listed newest first, and two events
 * of one process often share a millisecond: a counter in the 12 `rand_a` bits keeps their ids (and so
 * their order) increasing even then, and even when the clock steps back. Ids of different processes in
 * one millisecond are ordered arbitrarily, as the events themselves were concurrent.
 */
export function timeOrderedId(now: number = Date.now()): { id: string; at: Date } {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    // 4096 ids in one millisecond: borrow the next one rather than repeat an id.
    lastMs += 1;
    counter = 0;
  }
  const random = randomBytes(8);
  random[0] = (random[0] & 0x3f) | 0x80; // the RFC 4122 variant bits
  const hex =
    lastMs.toString(16).padStart(12, '0') + (0x7000 | counter).toString(16) + random.toString('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { id, at: new Date(lastMs) };
}

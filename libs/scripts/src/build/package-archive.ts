import { OmegaError, OmegaErrorCode } from '@omega/core';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** A packed folder may unpack to at most this much, in at most this many entries. */
export const MAX_UNPACKED_BYTES = 50 * 1024 * 1024;
export const MAX_UNPACKED_ENTRIES = 2000;

const BLOCK = 512;
const REGULAR_FILE = new Set(['0', '\0']);
const DIRECTORY = '5';
/** Headers that describe the next entry (pax extended, GNU long name) or nothing (pax global). */
const PAX_EXTENDED = 'x';
const PAX_GLOBAL = 'g';
const GNU_LONG_NAME = 'L';
const KINDS: Record<string, string> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a FIFO',
  K: 'a link',
};

interface Entry {
  path: string;
  type: string;
  content: Buffer;
}

/**
 * Unpacks a script package (a `.tar` or `.tgz`) into `target`, reading the archive itself rather than
 * handing it to `tar`: only regular files and folders are written, each to a checked path below `target`,
 * so no entry can be a link (hard or symbolic), a device or a FIFO, and none can land outside `target`.
 * Any such entry refuses the whole upload with a 400 that names it. Modes and owners are not kept.
 */
export async function unpackPackage(content: Buffer, target: string): Promise<void> {
  const entries = readArchive(gunzipped(content));
  for (const entry of entries) {
    const destination = join(target, ...entry.path.split('/'));
    try {
      if (entry.type === DIRECTORY) {
        await mkdir(destination, { recursive: true, mode: 0o755 });
      } else {
        await mkdir(join(destination, '..'), { recursive: true, mode: 0o755 });
        await writeFile(destination, entry.content, { mode: 0o644 });
      }
    } catch {
      throw OmegaError.invalidInput(
        `Archive entry ${JSON.stringify(entry.path)} clashes with another entry (a file and a folder of one name)`,
      );
    }
  }
}

function gunzipped(content: Buffer): Buffer {
  if (content[0] !== 0x1f || content[1] !== 0x8b) return content;
  try {
    // Room for the headers of every entry on top of the content limit; more is refused, not inflated.
    return gunzipSync(content, {
      maxOutputLength: MAX_UNPACKED_BYTES + (MAX_UNPACKED_ENTRIES + 2) * 3 * BLOCK,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    throw notAnArchive();
  }
}

/** Reads ustar/GNU/pax headers; refuses everything but files and folders before anything is written. */
export function readArchive(archive: Buffer): Entry[] {
  const entries: Entry[] = [];
  let unpacked = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  let offset = 0;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    if (!checksumMatches(header)) throw notAnArchive();
    const type = String.fromCharCode(header[156]);
    const size = octal(header.subarray(124, 136));
    const start = offset + BLOCK;
    if (size === undefined || start + size > archive.length) throw notAnArchive();
    const data = archive.subarray(start, start + size);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;

    if (type === GNU_LONG_NAME) {
      longName = text(data);
      continue;
    }
    if (type === PAX_EXTENDED) {
      paxPath = paxRecords(data).path ?? paxPath;
      continue;
    }
    if (type === PAX_GLOBAL) continue;

    const prefix = text(header.subarray(345, 500));
    const raw = paxPath ?? longName ?? (prefix ? `${prefix}/` : '') + text(header.subarray(0, 100));
    longName = paxPath = undefined;
    const kind =
      REGULAR_FILE.has(type) || type === DIRECTORY ? undefined : (KINDS[type] ?? `of type ${type}`);
    if (kind) {
      throw OmegaError.invalidInput(
        `Archive entry ${JSON.stringify(raw)} is ${kind}: a script package holds only files and folders`,
      );
    }
    const path = safePath(raw);
    if (path === undefined) continue;
    unpacked += size;
    if (entries.length >= MAX_UNPACKED_ENTRIES || unpacked > MAX_UNPACKED_BYTES) throw tooLarge();
    entries.push({ path, type, content: Buffer.from(data) });
  }
  return entries;
}

/** The entry's path relative to the package, or undefined for the package folder itself (`./`). */
function safePath(raw: string): string | undefined {
  const parts = raw.split('/').filter((part) => part !== '' && part !== '.');
  if (raw.startsWith('/') || raw.includes('\\') || parts.includes('..') || raw.includes('\0')) {
    throw OmegaError.invalidInput(
      `Archive entry ${JSON.stringify(raw)} has an absolute path or one that leads outside the package`,
    );
  }
  return parts.length ? parts.join('/') : undefined;
}

function checksumMatches(header: Buffer): boolean {
  const expected = octal(header.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return expected === sum;
}

/** A NUL- or space-terminated octal number; base-256 (huge) sizes are not for script packages. */
function octal(field: Buffer): number | undefined {
  const digits = text(field).trim();
  if (!/^[0-7]{1,12}$/.test(digits)) return undefined;
  return parseInt(digits, 8);
}

function text(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

/** pax records: `<length> <key>=<value>\n`. */
function paxRecords(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const length = Number(data.subarray(offset, space).toString('ascii'));
    if (space === -1 || !Number.isInteger(length) || length <= 0) throw notAnArchive();
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    offset += length;
  }
  return records;
}

function notAnArchive(): OmegaError {
  return OmegaError.invalidInput('The upload is not a readable tar archive');
}

function tooLarge(): OmegaError {
  return new OmegaError(
    OmegaErrorCode.PayloadTooLarge,
    `A script package unpacks to at most ${MAX_UNPACKED_ENTRIES} entries and ${MAX_UNPACKED_BYTES} bytes`,
  );
}

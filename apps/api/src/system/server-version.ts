import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The platform's version, from package.json (next to the working folder, or above the built file). */
export const SERVER_VERSION = readVersion();

function readVersion(): string {
  for (const candidate of [
    join(process.cwd(), 'package.json'),
    join(__dirname, '../../../../package.json'),
  ]) {
    try {
      return (JSON.parse(readFileSync(candidate, 'utf8')) as { version: string }).version;
    } catch {
      continue;
    }
  }
  return 'unknown';
}

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads the URLs `npm run services` wrote, unless the environment already names them. */
const file = join(__dirname, '..', '..', '.omega', 'services.env');
if (existsSync(file)) {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^(?:export\s+)?([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match && process.env[match[1]] === undefined)
      process.env[match[1]] = match[2].replace(/^['"]|['"]$/g, '');
  }
}

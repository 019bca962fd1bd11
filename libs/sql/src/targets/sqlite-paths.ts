import { OmegaError } from '@omega/core';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';

/** Kernel and device file systems: `/proc/self/fd/N` is any file the API holds open, `/dev` blocks. */
const SYSTEM_FOLDERS = ['/proc', '/sys', '/dev'];

/**
 * Where a SQLite reference may lead: a regular file inside a folder of `OMEGA_SQL_SQLITE_DIRS` (none when
 * unset), never under the platform's data directory nor the kernel's file systems. Paths are compared
 * as given and as real paths, so a symbolic link leads nowhere the path itself could not. The answer is
 * the real path, the one to open: a link changed after the check does not move the read.
 */
export function checkedSqlitePath(
  path: string,
  dataDir: string,
  allowedFolders: readonly string[] | undefined,
): string {
  // A link that leads nowhere readable (`/proc/self/fd/N` of a socket) is compared as written.
  const real = (target: string) => {
    try {
      return existsSync(target) ? realpathSync(target) : resolve(target);
    } catch {
      return resolve(target);
    }
  };
  const within = (folder: string, target: string) =>
    target === folder || target.startsWith(folder.endsWith(sep) ? folder : folder + sep);
  const paths = [resolve(path), real(path)];
  if (paths.some((target) => SYSTEM_FOLDERS.some((folder) => within(folder, target))))
    throw OmegaError.invalidInput('a sqlite reference must not name a file under /proc, /sys or /dev');
  const platformDir = real(dataDir);
  if (paths.some((target) => within(platformDir, target)))
    throw OmegaError.invalidInput('a sqlite reference must not point into the platform data directory');
  if (!allowedFolders || allowedFolders.length === 0)
    throw OmegaError.invalidInput(
      'sqlite references are off: OMEGA_SQL_SQLITE_DIRS names the folders they may read from',
    );
  const folders = allowedFolders.map(real);
  if (!paths.every((target) => folders.some((folder) => within(folder, target))))
    throw OmegaError.invalidInput(
      'a sqlite reference must name a file in a folder OMEGA_SQL_SQLITE_DIRS allows',
    );
  // A FIFO would block the open, a device or socket is no database: only regular files are read.
  if (statSync(paths[1], { throwIfNoEntry: false })?.isFile() === false)
    throw OmegaError.invalidInput('a sqlite reference must name a regular file');
  return paths[1];
}

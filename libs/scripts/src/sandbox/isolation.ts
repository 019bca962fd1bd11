import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PROBE_TIMEOUT_MS = 15_000;

/**
 * How sandbox children are started on this host: the wrappers in front of `node`, and the user their
 * run folders belong to. `refusal` says why user code cannot run here, when it cannot.
 */
export interface Isolation {
  mode: 'namespaces' | 'none';
  /** Commands, with their arguments, that exec each other and finally node (empty: node itself). */
  prefix: string[];
  /** The uid and gid the child runs as, when the platform drops from root to them. */
  owner?: { uid: number; gid: number; name: string };
  refusal?: string;
}

/**
 * Finds out once, at start, whether this host can give each child its own network and PID namespaces
 * (`unshare`, util-linux) and, when the platform runs as root, drop it to `user` (`setpriv`): it starts
 * node that way once. As root the namespaces need no user namespace; otherwise a user namespace maps the
 * platform's own user (containers without root). A host that cannot answers a `refusal` naming what is
 * missing; `mode: 'none'` skips all of it.
 */
export async function probeIsolation(mode: 'namespaces' | 'none', user: string): Promise<Isolation> {
  if (mode === 'none') return { mode, prefix: [] };
  const fix =
    'Run the platform on Linux with util-linux (unshare, setpriv) where namespaces are allowed ' +
    '(as root, or with unprivileged user namespaces enabled: sysctl kernel.unprivileged_userns_clone=1), ' +
    'or set OMEGA_SCRIPT_ISOLATION=none to run user code without isolation (unsafe: it then reaches the ' +
    'network and every service the platform reaches)';
  const unshare = findCommand('unshare');
  if (!unshare) return refused(`unshare (util-linux) is not installed. ${fix}`);
  const root = process.getuid?.() === 0;
  let prefix: string[];
  let owner: Isolation['owner'];
  if (root) {
    const setpriv = findCommand('setpriv');
    if (!setpriv) return refused(`setpriv (util-linux) is not installed. ${fix}`);
    owner = await lookUpUser(user);
    if (!owner) return refused(`the user ${user} (OMEGA_SCRIPT_USER) does not exist. ${fix}`);
    if (owner.uid === 0) return refused(`OMEGA_SCRIPT_USER=${user} is root. ${fix}`);
    prefix = [
      ...[unshare, '--net', '--pid', '--fork', '--kill-child', '--'],
      ...[setpriv, `--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--no-new-privs', '--'],
    ];
  } else {
    prefix = [unshare, '--user', '--map-root-user', '--net', '--pid', '--fork', '--kill-child', '--'];
  }
  try {
    // The child's own check: as whom it runs and that it has no way out (no interface but a down loopback).
    const { stdout } = await run(
      prefix[0],
      [
        ...prefix.slice(1),
        process.execPath,
        '-e',
        "process.stdout.write(JSON.stringify({ uid: process.getuid(), nets: Object.keys(require('os').networkInterfaces()) }))",
      ],
      { env: {}, timeout: PROBE_TIMEOUT_MS },
    );
    const seen = JSON.parse(stdout) as { uid: number; nets: string[] };
    if (owner && seen.uid !== owner.uid) return refused(`the child ran as uid ${seen.uid}, not ${owner.uid}`);
    if (seen.nets.length > 0)
      return refused(`the child still had network interfaces (${seen.nets.join(', ')})`);
  } catch (error) {
    const detail = ((error as { stderr?: string }).stderr || (error as Error).message).trim().slice(0, 300);
    return refused(`starting node in its own namespaces failed (${detail}). ${fix}`);
  }
  return { mode, prefix, owner };
}

function refused(why: string): Isolation {
  return { mode: 'namespaces', prefix: [], refusal: `User code cannot run isolated on this host: ${why}.` };
}

/** An absolute path: children start with an empty environment, so there is no PATH to search. */
export function findCommand(name: string): string | undefined {
  return (process.env.PATH ?? '/usr/bin:/bin')
    .split(delimiter)
    .filter((folder) => folder !== '')
    .map((folder) => join(folder, name))
    .find((path) => existsSync(path));
}

/** A user by name or numeric uid, from /etc/passwd (a uid it does not list keeps its number as gid). */
export async function lookUpUser(user: string): Promise<Isolation['owner']> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (uid !== undefined && gid !== undefined && (name === user || uid === user))
      return { name, uid: Number(uid), gid: Number(gid) };
  }
  return /^\d+$/.test(user) ? { name: user, uid: Number(user), gid: Number(user) } : undefined;
}

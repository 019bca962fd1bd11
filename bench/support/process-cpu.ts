import { readdirSync, readFileSync } from 'node:fs';

/** What `/proc/<pid>/stat` tells about one process. */
export interface ProcessInfo {
  pid: number;
  /** The executable's name as the kernel keeps it (`node`, `postgres`, `beam.smp`, …). */
  comm: string;
}

/** Named groups of processes; a process goes to the first group that claims it, else to `other`. */
export type ProcessGroups = Record<string, (process: ProcessInfo) => boolean>;

/** CPU seconds (user + system) per group since the sampler started, and the wall time in between. */
export interface CpuUse {
  seconds: number;
  cpuSeconds: Record<string, number>;
  /** The biggest users in `other`, by process name: what else ran on the machine meanwhile. */
  otherByName: { comm: string; cpuSeconds: number }[];
}

/** Clock ticks per second of `/proc` times: 100 on every Linux build that matters. */
const CLOCK_TICKS = 100;

/**
 * Samples the CPU time of every process on the machine (Linux `/proc`), grouped, so a run can tell which
 * of the bench, the API, the worker, the broker and the database did the work, and how much the rest of
 * the machine took. Answers nothing (`undefined`) where `/proc` is missing.
 */
export function startCpuSampler(groups: ProcessGroups): (() => CpuUse) | undefined {
  const before = readCpu(groups);
  if (!before) return undefined;
  const started = process.hrtime.bigint();
  return () => {
    const after = readCpu(groups) ?? new Map<number, Sample>();
    const cpuSeconds: Record<string, number> = Object.fromEntries(
      [...Object.keys(groups), 'other'].map((name) => [name, 0]),
    );
    const other = new Map<string, number>();
    for (const [pid, { group, comm, ticks }] of after) {
      // A process that started in between counts from zero; one that ended in between is lost (short-lived).
      const earlier = before.get(pid);
      const used =
        Math.max(0, earlier && earlier.group === group ? ticks - earlier.ticks : ticks) / CLOCK_TICKS;
      cpuSeconds[group] += used;
      if (group === 'other') other.set(comm, (other.get(comm) ?? 0) + used);
    }
    const otherByName = [...other]
      .map(([comm, seconds]) => ({ comm, cpuSeconds: seconds }))
      .filter((entry) => entry.cpuSeconds > 0)
      .sort((a, b) => b.cpuSeconds - a.cpuSeconds)
      .slice(0, 3);
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuSeconds, otherByName };
  };
}

interface Sample {
  group: string;
  comm: string;
  ticks: number;
}

function readCpu(groups: ProcessGroups): Map<number, Sample> | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const result = new Map<number, Sample>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended while we looked
    }
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last `)`.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // Fields 14 and 15 of the line (utime, stime) are 11 and 12 after pid, comm and state are gone.
    const ticks = Number(fields[11]) + Number(fields[12]);
    const info = { pid: Number(entry), comm };
    const group = Object.entries(groups).find(([, claims]) => claims(info))?.[0] ?? 'other';
    result.set(info.pid, { group, comm, ticks });
  }
  return result;
}

// The image's HEALTHCHECK. The API answers /health/live; the worker and the manager serve no HTTP, so for
// them the check is that their node process still runs (Kubernetes probes them the same way: see the chart).
/* global fetch, AbortSignal -- Node 20's own */
import { readdirSync, readFileSync } from 'node:fs';
import process from 'node:process';

function runningApps() {
  const apps = new Set();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    let cmdline;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // the process ended while we looked
    }
    const match = /dist\/apps\/(api|worker|manager)\//.exec(cmdline);
    if (match) apps.add(match[1]);
  }
  return apps;
}

const apps = runningApps();
if (apps.has('api')) {
  const port = process.env.OMEGA_API_PORT || '5000';
  fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(4000) }).then(
    (res) => process.exit(res.ok ? 0 : 1),
    () => process.exit(1),
  );
} else {
  process.exit(apps.size > 0 ? 0 : 1);
}

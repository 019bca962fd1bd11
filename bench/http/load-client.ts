import { Agent, request } from 'node:http';
import { LatencyStats, measureLatency, warmUp } from '../support/latency';

/** What the bench asks of one load run: the paths in order, each warmed up then measured. */
export interface LoadSpec {
  paths: Array<{ key: string; url: string; headers: Record<string, string> }>;
  requests: number;
  clients: number;
  warmup: number;
}

/**
 * The load generator of the http suite, in a process of its own so that the API's event loop serves
 * requests and nothing else. `clients` keep-alive connections, each sending its next request when the
 * previous one answered (a closed loop). Prints the figures of every path as one JSON line.
 */
async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]) as LoadSpec;
  const agent = new Agent({ keepAlive: true, maxSockets: spec.clients });
  const results: Record<string, LatencyStats> = {};
  for (const path of spec.paths) {
    const call = () => get(agent, path.url, path.headers);
    await warmUp(spec.warmup, spec.clients, call);
    results[path.key] = await measureLatency(spec.requests, spec.clients, call);
  }
  agent.destroy();
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

function get(agent: Agent, url: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.once('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`GET ${url}: HTTP ${res.statusCode}`)),
      );
    });
    req.once('error', reject);
    req.end();
  });
}

main().catch((error: Error) => {
  process.stderr.write(`load client failed: ${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});

import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Where a `.cpuprofile` spends its time: self time by function and by file, and inclusive time of the
 * functions whose names match an optional pattern (e.g. `canActivate|authenticate|countRequest`).
 * `ts-node bench/http/profile-summary.ts <file> [pattern] [requests]` (requests: to print µs per request).
 */
function main(): void {
  const [file, pattern, requestsArg] = process.argv.slice(2);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, index) =>
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)),
  );
  const total = [...self.values()].reduce((sum, value) => sum + value, 0);
  const requests = Number(requestsArg ?? 0);
  const show = (us: number) =>
    `${((100 * us) / total).toFixed(1).padStart(5)} %${requests ? `  ${(us / requests).toFixed(1).padStart(6)} µs/req` : ''}`;
  const name = (node: ProfileNode) =>
    `${node.callFrame.functionName || '(anonymous)'} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;

  const selfByName = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id) as ProfileNode;
    selfByName.set(name(node), (selfByName.get(name(node)) ?? 0) + us);
    const where = shortUrl(node.callFrame.url) || node.callFrame.functionName;
    selfByFile.set(where, (selfByFile.get(where) ?? 0) + us);
  }
  const top = (map: Map<string, number>, count: number) =>
    [...map.entries()].sort((x, y) => y[1] - x[1]).slice(0, count);
  console.log(`total ${(total / 1000).toFixed(0)} ms sampled`);
  console.log('\nself time by function');
  for (const [key, us] of top(selfByName, 40)) console.log(`${show(us)}  ${key}`);
  console.log('\nself time by file');
  for (const [key, us] of top(selfByFile, 30)) console.log(`${show(us)}  ${key}`);
  if (!pattern) return;
  const matcher = new RegExp(pattern);
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at) as ProfileNode;
      if (!matcher.test(node.callFrame.functionName)) continue;
      const key = name(node);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  console.log(`\ninclusive time of /${pattern}/`);
  for (const [key, us] of top(inclusive, 40)) console.log(`${show(us)}  ${key}`);
}

function shortUrl(url: string): string {
  const at = url.indexOf('/work/main/');
  return at >= 0 ? url.slice(at + '/work/main/'.length) : url.replace(/^file:\/\//, '');
}

main();

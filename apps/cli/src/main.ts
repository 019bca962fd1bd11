/**
 * `om`, the command line. Until the clients work lands it knows one command: `om ping`, which asks the
 * API at OMEGA_URL (default http://127.0.0.1:5000) whether it is up.
 */
async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  const base = (process.env.OMEGA_URL ?? 'http://127.0.0.1:5000').replace(/\/$/, '');
  if (command === 'ping') {
    const response = await fetch(`${base}/api/v1/ping`);
    process.stdout.write(`${JSON.stringify(await response.json())}\n`);
    return response.ok ? 0 : 1;
  }
  process.stdout.write('usage: om ping\n');
  return command === undefined || command === 'help' ? 0 : 64;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`om: ${error.message}\n`);
    process.exit(1);
  },
);

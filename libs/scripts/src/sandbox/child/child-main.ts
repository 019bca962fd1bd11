/**
 * The sandboxed child's entry point (bundled by esbuild, run with `node --experimental-permission`, in
 * namespaces with no network): it waits for its one run on its channel to the worker (fd 3), runs the
 * script's `run(om, ...args)` or the notebook's cells, answers, and exits. It only ever sees what the run
 * carries; every `fetch` (the SDK's too) is made by the worker.
 */
import { Socket } from 'node:net';
import { runInThisContext } from 'node:vm';
import { format, inspect } from 'node:util';
import { Omega } from '@omega/client';
import {
  CellOutcome,
  CellOutput,
  ChildError,
  ChildMessage,
  ChildRequest,
  ChildResponse,
  MAX_NOTEBOOK_OUTPUT_CHARS,
  OmConnection,
  ParentMessage,
} from './child-protocol';
import { encodeFrame, FrameReader } from './frames';
import { blockListening, channelFetch, FetchAnswers } from './child-network';

/** The worker is trusted; this only keeps a broken worker from growing the child without bound. */
const MAX_PARENT_FRAME_BYTES = 64 * 1024 * 1024;

// The channel to the worker is fd 3, a pipe the worker made: nothing else leads out of this process.
const channel = new Socket({ fd: 3, readable: true, writable: true });
/** Set once the run's answer is on its way: the channel closing is then the worker's goodbye. */
let answered = false;

function send(message: ChildMessage, data?: Uint8Array): void {
  channel.write(encodeFrame(message, data));
}

function toChildError(error: unknown): ChildError {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, stack: error.stack && scriptStack(error.stack) };
  }
  return { name: 'Error', message: typeof error === 'string' ? error : inspect(error) };
}

/**
 * The stack as the script's author needs it: the script's (or cells') own frames, `script.js` rather than by
 * the run's temporary folder; the sandbox's frames and Node's internals say nothing about their code.
 */
function scriptStack(stack: string): string {
  const folder = `${__dirname}/`;
  return stack
    .split('\n')
    .filter((line) => !/^\s+at /.test(line) || line.includes(`${folder}script.js`) || line.includes('cell['))
    .map((line) => line.split(folder).join(''))
    .join('\n');
}

function answer(response: ChildResponse): void {
  let message: ChildResponse = response;
  try {
    // Whatever the script returned must survive JSON: the task record stores it as JSON.
    if (response.ok) message = JSON.parse(JSON.stringify({ ...response, result: response.result ?? null }));
  } catch (error) {
    message = {
      ok: false,
      error: {
        name: 'TypeError',
        message: `run() returned a value that is not JSON: ${(error as Error).message}`,
      },
    };
  }
  // The child does not exit here: the worker may still be writing to the channel (the rest of a response
  // body the script never read), and a write that fails because this end is gone makes the worker drop the
  // unread answer with its side of the pipe. The worker closes the channel once it has read the answer.
  answered = true;
  send({ type: 'done', ...message });
}

/**
 * The `om` a run gets: the SDK itself (`@omega/client`), holding the run's stand-in token (the worker
 * swaps it for the real one), in the bucket and environment the run was started in. Nothing is asked of
 * the API up front: a script that never calls `om` runs without it.
 */
function connectOm(api: OmConnection): Promise<Omega> {
  return Omega.connect({
    url: api.url,
    token: api.token,
    bucket: api.bucket,
    qualifier: api.qualifier,
    tenant: api.tenant,
    verify: false,
  });
}

async function runScript(request: Extract<ChildRequest, { mode: 'script' }>): Promise<void> {
  const om = await connectOm(request.api);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(request.file) as { run?: unknown; default?: unknown };
  const candidate =
    typeof loaded.run === 'function'
      ? loaded.run
      : typeof (loaded.default as { run?: unknown } | undefined)?.run === 'function'
        ? (loaded.default as { run: unknown }).run
        : typeof loaded.default === 'function'
          ? loaded.default
          : undefined;
  if (typeof candidate !== 'function')
    throw new TypeError('The script does not export a run(om, ...args) function');
  const result: unknown = await (candidate as (...args: unknown[]) => unknown)(om, ...request.args);
  answer({ ok: true, result });
}

/** Runs cells in order in this process's global scope; the first failing cell stops the run. */
async function runNotebook(request: Extract<ChildRequest, { mode: 'notebook' }>): Promise<void> {
  const globals = globalThis as Record<string, unknown>;
  globals.om = await connectOm(request.api);
  // Cells may load Node's built-ins; the permission model still bounds what they can touch.
  globals.require = require;
  const cells: CellOutcome[] = [];
  let outputs: CellOutput[] = [];
  let printed = 0;
  const write = (name: 'stdout' | 'stderr', args: unknown[]): void => {
    if (printed > MAX_NOTEBOOK_OUTPUT_CHARS) return;
    let text = `${format(...args)}\n`;
    printed += text.length;
    if (printed > MAX_NOTEBOOK_OUTPUT_CHARS)
      text = `…[output past ${MAX_NOTEBOOK_OUTPUT_CHARS} characters dropped]\n`;
    const last = outputs[outputs.length - 1];
    if (last?.output_type === 'stream' && last.name === name) last.text.push(text);
    else outputs.push({ output_type: 'stream', name, text: [text] });
    (name === 'stdout' ? process.stdout : process.stderr).write(text);
  };
  const cellConsole = Object.create(console) as Console;
  cellConsole.log = (...args: unknown[]) => write('stdout', args);
  cellConsole.info = cellConsole.log;
  cellConsole.debug = cellConsole.log;
  cellConsole.warn = (...args: unknown[]) => write('stderr', args);
  cellConsole.error = cellConsole.warn;
  globals.console = cellConsole;
  for (const cell of request.cells) {
    outputs = [];
    try {
      const value: unknown = await runInThisContext(cell.code, { filename: `cell[${cell.index}]` });
      if (value !== undefined) {
        outputs.push({
          output_type: 'execute_result',
          execution_count: cell.index + 1,
          data: { 'text/plain': inspect(value, { depth: 4, breakLength: 100 }) },
          metadata: {},
        });
      }
      cells.push({ index: cell.index, outputs, ok: true });
      send({ type: 'cell', cell: { index: cell.index, outputs, ok: true } });
    } catch (error) {
      const failure = toChildError(error);
      outputs.push({
        output_type: 'error',
        ename: failure.name,
        evalue: failure.message,
        traceback: (failure.stack ?? `${failure.name}: ${failure.message}`).split('\n').slice(0, 30),
      });
      cells.push({ index: cell.index, outputs, ok: false });
      answer({ ok: false, error: { ...failure, message: `cell ${cell.index}: ${failure.message}` }, cells });
      return;
    }
  }
  answer({ ok: true, cells });
}

// A child started ahead of its run loads fetch while it waits: the SDK's first request would otherwise
// pay for it (tens of milliseconds). This is the only use of Node's own fetch: it reads a data: URL.
if (process.argv.includes('--warm')) void fetch('data:,').catch(() => undefined);

const answers = new FetchAnswers();
globalThis.fetch = channelFetch(answers, (message, data) => send(message, data));
blockListening();

let started = false;
const reader = new FrameReader(MAX_PARENT_FRAME_BYTES);
channel.on('data', (chunk: Buffer) => {
  for (const { message, data } of reader.push(chunk)) {
    const received = message as ParentMessage;
    if (received.type !== 'run') answers.receive(received, data);
    else if (!started) {
      started = true;
      const { type: _type, maxMessageBytes, ...request } = received;
      answers.maxMessageBytes = maxMessageBytes;
      const run = request.mode === 'notebook' ? runNotebook(request) : runScript(request);
      run.catch((error: unknown) => answer({ ok: false, error: toChildError(error) }));
    }
  }
});
// The worker closed the channel: after the answer, as it does once it has read it; before, it went away
// and nobody waits for this run any more.
channel.once('close', () => process.exit(answered ? 0 : 1));
channel.once('error', () => process.exit(1));

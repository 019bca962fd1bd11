import { BLOB_CHUNK_BYTES } from '@omega/core';
import { createHash } from 'node:crypto';
import { GridFSBucket, MongoClient, ObjectId } from 'mongodb';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { generatedBytes } from '../support/data';
import { expectOk, send, sendForJson } from '../support/http';
import { RAW_DB } from '../support/platform';
import { formatRatio, formatTable, formatTarget, note } from '../support/report';
import { measure, Measured, perSecond, timeText } from '../support/timing';

const MIB = 1024 * 1024;
/** Untimed first pass: a few GridFS chunks, enough to open connections and create the collections. */
const WARMUP_BYTES = 4 * MIB;
/** The REST path should move files at this fraction of raw GridFS speed, both ways. */
const REST_TARGET = 0.8;

export interface FilesBenchDeps {
  fileMb: number;
  client: MongoClient;
  apiUrl: string;
}

/** One way of storing a file and getting it back; `download` answers the bytes received. */
interface FilePath {
  key: string;
  label: string;
  target?: number;
  upload(name: string, size: number): Promise<void>;
  download(name: string): Promise<number>;
}

export interface FilePathResult {
  path: string;
  label: string;
  bytes: number;
  uploadSeconds: number;
  downloadSeconds: number;
  /** CPU seconds of the Node process (bench client + API) during the upload / the download. */
  uploadNodeCpuSeconds: number;
  downloadNodeCpuSeconds: number;
  uploadMiBPerSec: number;
  downloadMiBPerSec: number;
  uploadRatio: number;
  downloadRatio: number;
  target: number | null;
  targetMet: boolean | null;
}

export interface FilesBenchResult {
  bytes: number;
  chunkSizeBytes: number;
  paths: FilePathResult[];
  table: string;
}

/** Streams one generated file into storage and back, by raw GridFS and by the REST API. */
export async function runFilesBench(deps: FilesBenchDeps): Promise<FilesBenchResult> {
  const size = deps.fileMb * MIB;
  const expectedSha256 = await sha256Of(generatedBytes(size));
  const paths = [rawGridFsPath(deps.client), restFilePath(deps.apiUrl, expectedSha256, size)];

  const measured: { path: FilePath; upload: Measured<void>; download: Measured<number> }[] = [];
  for (const path of paths) {
    await path.upload(`bench-warmup-${path.key}.bin`, WARMUP_BYTES);
    expectBytes(path.label, WARMUP_BYTES, await path.download(`bench-warmup-${path.key}.bin`));

    const name = `bench-file-${path.key}.bin`;
    const upload = await measure(() => path.upload(name, size));
    note(`${path.label}: uploaded ${deps.fileMb} MiB in ${timeText(upload)}`);
    const download = await measure(() => path.download(name));
    expectBytes(path.label, size, download.value);
    note(`${path.label}: downloaded ${deps.fileMb} MiB in ${timeText(download)}`);
    measured.push({ path, upload, download });
  }

  const raw = measured[0];
  const results: FilePathResult[] = measured.map(({ path, upload, download }) => {
    const uploadSeconds = upload.seconds;
    const downloadSeconds = download.seconds;
    const uploadRatio = raw.upload.seconds / uploadSeconds;
    const downloadRatio = raw.download.seconds / downloadSeconds;
    return {
      path: path.key,
      label: path.label,
      bytes: size,
      uploadSeconds,
      downloadSeconds,
      uploadNodeCpuSeconds: upload.cpuSeconds,
      downloadNodeCpuSeconds: download.cpuSeconds,
      uploadMiBPerSec: perSecond(size / MIB, uploadSeconds),
      downloadMiBPerSec: perSecond(size / MIB, downloadSeconds),
      uploadRatio,
      downloadRatio,
      target: path.target ?? null,
      targetMet:
        path.target === undefined ? null : uploadRatio >= path.target && downloadRatio >= path.target,
    };
  });

  const table = formatTable(
    ['path', 'upload MiB/s', 'download MiB/s', 'up/raw', 'target', 'down/raw', 'target', 'node CPU s u/d'],
    results.map((result) => [
      result.label,
      result.uploadMiBPerSec.toFixed(1),
      result.downloadMiBPerSec.toFixed(1),
      formatRatio(result.uploadRatio),
      result.path === 'raw' ? '(baseline)' : formatTarget(result.uploadRatio, result.target ?? undefined),
      formatRatio(result.downloadRatio),
      result.path === 'raw' ? '(baseline)' : formatTarget(result.downloadRatio, result.target ?? undefined),
      `${result.uploadNodeCpuSeconds.toFixed(1)} / ${result.downloadNodeCpuSeconds.toFixed(1)}`,
    ]),
  );
  return { bytes: size, chunkSizeBytes: BLOB_CHUNK_BYTES, paths: results, table };
}

/** The baseline: GridFS through the driver, with the platform's chunk size. */
function rawGridFsPath(client: MongoClient): FilePath {
  const bucket = new GridFSBucket(client.db(RAW_DB), {
    bucketName: 'bench',
    chunkSizeBytes: BLOB_CHUNK_BYTES,
  });
  const ids = new Map<string, ObjectId>();
  return {
    key: 'raw',
    label: 'raw GridFS',
    async upload(name, size) {
      const upload = bucket.openUploadStream(name, { chunkSizeBytes: BLOB_CHUNK_BYTES });
      await pipeline(generatedBytes(size), upload);
      ids.set(name, upload.id);
    },
    async download(name) {
      const id = ids.get(name);
      if (!id) throw new Error(`raw GridFS: ${name} was not uploaded`);
      return countBytes(bucket.openDownloadStream(id));
    },
  };
}

interface FileAnswer {
  size: number;
  sha256: string;
}

/** `PUT /api/v1/file/<name>` with a raw streamed body, and `GET` of the same. */
function restFilePath(apiUrl: string, expectedSha256: string, fullSize: number): FilePath {
  const fileUrl = (name: string) => `${apiUrl}/api/v1/file/${encodeURIComponent(name)}`;
  return {
    key: 'rest',
    label: 'REST file',
    target: REST_TARGET,
    async upload(name, size) {
      const answer = await sendForJson<FileAnswer>(
        fileUrl(name),
        {
          method: 'PUT',
          headers: { 'content-type': 'application/octet-stream', 'content-length': size },
          body: generatedBytes(size),
        },
        `PUT ${name}`,
      );
      if (answer.size !== size)
        throw new Error(`PUT ${name}: the API stored ${answer.size} bytes, expected ${size}`);
      // The API hashes what it stores; for the full file, that proves the bytes arrived intact.
      if (size === fullSize && answer.sha256 !== expectedSha256) {
        throw new Error(`PUT ${name}: sha256 ${answer.sha256} differs from the generated ${expectedSha256}`);
      }
    },
    async download(name) {
      const response = await send(fileUrl(name), { method: 'GET' });
      await expectOk(response, `GET ${name}`);
      return countBytes(response);
    },
  };
}

async function countBytes(stream: Readable): Promise<number> {
  let bytes = 0;
  for await (const part of stream) bytes += (part as Buffer).length;
  return bytes;
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const part of stream) hash.update(part as Buffer);
  return hash.digest('hex');
}

function expectBytes(label: string, expected: number, got: number): void {
  if (got !== expected) throw new Error(`${label}: downloaded ${got} bytes, expected ${expected}`);
}

import { ConsoleLogger, Injectable, Module, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  initOrClose,
  OmegaConfigModule,
  OmegaCoreModule,
  OmegaError,
  OmegaErrorCode,
  PluginRegistry,
  StoragePlugin,
  StoragePluginContract,
  TenantContext,
} from '@omega/core';
import {
  DatasetsModule,
  JsonDocsPlugin,
  TABLE_PARQUET_KIND,
  TABLE_ROWS_KIND,
  TableRowsPlugin,
} from '@omega/datasets';
import { FILE_BLOB_KIND } from '@omega/files';
import { TextNoteModule, TextNotePlugin } from './example-plugin/text-note.plugin';
import { startTestApp, TestApp, testConfig } from './support/test-app';

class NoopPlugin implements StoragePluginContract {
  supports(): boolean {
    return false;
  }
  async put() {
    return { kindMeta: {} };
  }
  async get() {
    return null;
  }
  async release() {}
}

@Injectable()
@StoragePlugin({ kind: 'table.rows', prefixes: ['data'] })
class ImpostorTablePlugin extends NoopPlugin {}

@Module({ providers: [ImpostorTablePlugin] })
class ImpostorModule {}

@Injectable({ scope: Scope.REQUEST })
@StoragePlugin({ kind: 'scoped.kind', prefixes: ['data'] })
class RequestScopedPlugin extends NoopPlugin {}

@Module({ providers: [RequestScopedPlugin] })
class RequestScopedModule {}

/** Boots a module tree as the apps do (`initOrClose`: a failed boot closes what it opened) and closes it. */
async function bootWith(...imports: unknown[]): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [OmegaConfigModule.forRoot(testConfig()), OmegaCoreModule, ...(imports as never[])],
  })
    .setLogger(new ConsoleLogger({ logLevels: [] }))
    .compile();
  await initOrClose(moduleRef);
  await moduleRef.close();
}

describe('plugin registry', () => {
  let t: TestApp;
  const ctx = TenantContext.of('default');

  beforeAll(async () => {
    t = await startTestApp({ extra: { imports: [TextNoteModule] } });
  });
  afterAll(() => t.close());

  it('discovers every kind the app imported, each with its own plugin instance', () => {
    const registry = t.app.get(PluginRegistry);
    // Model kinds come from the model engines the API imports; the data kinds are exact.
    expect(registry.kinds()).toEqual(
      expect.arrayContaining([FILE_BLOB_KIND, 'json.docs', TABLE_ROWS_KIND, 'text.note']),
    );
    expect(registry.kinds('data')).toEqual([
      'json.docs',
      'sql.reference',
      TABLE_PARQUET_KIND,
      TABLE_ROWS_KIND,
      'text.note',
    ]);
    expect(registry.kinds('files')).toEqual([FILE_BLOB_KIND]);
    expect(registry.kinds('models')).toEqual(
      expect.arrayContaining(['onnx.model', 'mljs.random-forest-classifier', 'mljs.kmeans']),
    );
    expect(registry.kinds('models')).not.toContain('json.docs');
    expect(registry.get(TABLE_ROWS_KIND)).toBeInstanceOf(TableRowsPlugin);
    expect(registry.get('json.docs')).toBeInstanceOf(JsonDocsPlugin);
  });

  it('selects by supports() in priority order: tables before the third-party kind before JSON', () => {
    const registry = t.app.get(PluginRegistry);
    // New tables are columnar: the Parquet kind comes first among the kinds that take rows.
    expect(registry.select([{ a: 1 }], 'data').kind).toBe(TABLE_PARQUET_KIND);
    expect(registry.select('some text', 'data').kind).toBe('text.note');
    expect(registry.select({ nested: { a: [1] } }, 'data').kind).toBe('json.docs');
    expect(() => registry.select({ a: 1 }, 'models')).toThrow(
      /No storage kind for models\/ supports this input/,
    );
  });

  it('stores and reads a third-party kind through the store and over REST', async () => {
    const meta = await t.stores.datasets.put(ctx, 'readme-note', 'hello from a plugin');
    expect(meta.kind).toBe('text.note');
    expect(await t.stores.datasets.get(ctx, 'readme-note')).toBe('hello from a plugin');

    await t.api
      .put('/api/v1/dataset/rest-note')
      .send({ data: 'written over REST', kind: 'text.note' })
      .expect(200);
    expect(await t.stores.datasets.get(ctx, 'rest-note')).toBe('written over REST');
    expect(t.app.get(PluginRegistry).get('text.note')).toBeInstanceOf(TextNotePlugin);
  });

  it('answers an unknown kind with a clear error, from the store and over REST, writing nothing', async () => {
    await expect(t.stores.datasets.put(ctx, 'x', [{ a: 1 }], { kind: 'no.such.kind' })).rejects.toMatchObject(
      {
        code: OmegaErrorCode.UnknownKind,
        message: expect.stringContaining('Unknown kind "no.such.kind"'),
      },
    );
    const response = await t.api.put('/api/v1/dataset/x').send({ data: [{ a: 1 }], kind: 'no.such.kind' });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'UNKNOWN_KIND' });
    expect(response.body.message).toContain(
      'known kinds: json.docs, sql.reference, table.parquet, table.rows, text.note',
    );
    expect(await t.stores.datasets.exists(ctx, 'x')).toBe(false);
  });

  it('refuses to boot with two plugins for one kind, naming both', async () => {
    const boot = bootWith(DatasetsModule, ImpostorModule);
    await expect(boot).rejects.toBeInstanceOf(OmegaError);
    await expect(bootWith(DatasetsModule, ImpostorModule)).rejects.toThrow(
      /Two storage plugins claim kind "table.rows": TableRowsPlugin and ImpostorTablePlugin/,
    );
  });

  it('refuses request-scoped plugins', async () => {
    await expect(bootWith(RequestScopedModule)).rejects.toThrow(/must not be request-scoped/);
  });
});

import {
  ConsoleLogger,
  Injectable,
  Module,
  OnApplicationShutdown,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { initOrClose } from './init-or-close';

const closed: string[] = [];

@Injectable()
class Pool implements OnModuleDestroy, OnApplicationShutdown {
  onModuleDestroy(): void {
    closed.push('destroy');
    // A hook that trips over a boot that never finished must not stop the phases after it.
    throw new Error('pool was never opened');
  }
  onApplicationShutdown(): void {
    closed.push('shutdown');
  }
}

@Injectable()
class Checker implements OnModuleInit {
  constructor(readonly pool: Pool) {}
  onModuleInit(): void {
    throw new Error('bad configuration');
  }
}

@Module({ providers: [Pool, Checker] })
class FailingModule {}

@Module({ providers: [Pool] })
class BootingModule {}

async function compile(module: unknown) {
  return Test.createTestingModule({ imports: [module as never] })
    .setLogger(new ConsoleLogger({ logLevels: [] }))
    .compile();
}

describe('initOrClose', () => {
  beforeEach(() => closed.splice(0));

  it('runs the shutdown hooks when a boot fails, then passes the boot error on', async () => {
    const moduleRef = await compile(FailingModule);
    await expect(initOrClose(moduleRef)).rejects.toThrow('bad configuration');
    expect(closed).toEqual(['destroy', 'shutdown']);
  });

  it('returns the app when it boots, closing nothing until it is closed', async () => {
    const moduleRef = await compile(BootingModule);
    expect(await initOrClose(moduleRef)).toBe(moduleRef);
    expect(closed).toEqual([]);
    await expect(moduleRef.close()).rejects.toThrow('pool was never opened');
  });
});

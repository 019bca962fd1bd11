import { Inject, Injectable } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig, OmegaError } from '@omega/core';
import type { Collection } from 'mongodb';
import { CloudDatabase } from '../cloud-database';

/** A setting that may change while the platform runs, with who reads it and when. */
interface LiveSettingSpec {
  description: string;
  min: number;
  max: number;
  fallback: (config: OmegaConfig) => number;
}

/**
 * Only settings whose readers pick a change up without a restart are listed: everything else stays in the
 * environment (12-factor) and changes with a rollout.
 */
const LIVE_SETTINGS = {
  'workers.concurrency': {
    description:
      'tasks in flight per worker; the manager starts workers with it and replaces running ones one at a time',
    min: 1,
    max: 256,
    fallback: (config) => config.workerConcurrency,
  },
  'workers.maxReplicas': {
    description: 'the most workers `workers scale` may ask for in one pool',
    min: 1,
    max: 1000,
    fallback: () => 20,
  },
} satisfies Record<string, LiveSettingSpec>;

export type LiveSettingName = keyof typeof LIVE_SETTINGS;

export interface LiveSettingView {
  name: LiveSettingName;
  value: number;
  /** `default` until someone sets it. */
  source: 'default' | 'set';
  description: string;
  min: number;
  max: number;
  setBy?: string;
  setAt?: Date;
}

interface SettingDocument {
  _id: string;
  value: number;
  setBy: string;
  setAt: Date;
}

/** Live settings in the cloud database: the API writes them, the manager and the API read them each time. */
@Injectable()
export class LiveSettings {
  constructor(
    private readonly database: CloudDatabase,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  static names(): LiveSettingName[] {
    return Object.keys(LIVE_SETTINGS) as LiveSettingName[];
  }

  static assertName(name: unknown): asserts name is LiveSettingName {
    if (typeof name !== 'string' || !Object.hasOwn(LIVE_SETTINGS, name)) {
      throw OmegaError.invalidInput(
        `${JSON.stringify(name)} is not a live setting: ${LiveSettings.names().join(', ')}`,
      );
    }
  }

  async list(): Promise<LiveSettingView[]> {
    const stored = new Map((await this.collection().find({}).toArray()).map((doc) => [doc._id, doc]));
    return LiveSettings.names().map((name) => this.view(name, stored.get(name)));
  }

  async get(name: LiveSettingName): Promise<LiveSettingView> {
    return this.view(name, (await this.collection().findOne({ _id: name })) ?? undefined);
  }

  async value(name: LiveSettingName): Promise<number> {
    return (await this.get(name)).value;
  }

  /** INVALID_INPUT (and nothing stored) for a value outside the setting's range. */
  async set(name: LiveSettingName, raw: unknown, by: string): Promise<LiveSettingView> {
    const spec: LiveSettingSpec = LIVE_SETTINGS[name];
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max) {
      throw OmegaError.invalidInput(`${name} must be a whole number from ${spec.min} to ${spec.max}`);
    }
    const document = { value, setBy: by, setAt: new Date() };
    await this.collection().replaceOne({ _id: name }, document, { upsert: true });
    return this.view(name, { _id: name, ...document });
  }

  private view(name: LiveSettingName, stored?: SettingDocument): LiveSettingView {
    const spec: LiveSettingSpec = LIVE_SETTINGS[name];
    return {
      name,
      value: stored?.value ?? spec.fallback(this.config),
      source: stored ? 'set' : 'default',
      description: spec.description,
      min: spec.min,
      max: spec.max,
      ...(stored ? { setBy: stored.setBy, setAt: stored.setAt } : {}),
    };
  }

  private collection(): Collection<SettingDocument> {
    return this.database.db().collection<SettingDocument>('settings');
  }
}

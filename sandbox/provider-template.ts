import type { CfnElement } from 'aws-cdk-lib';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import type * as BuildApp from '../infra/build-app';
import { cachedSynth, type Cached } from './synth-cache';

/*
 * The provider stack's template as the sandbox runs it: the app `cdk synth` builds, pointed at the sandbox's
 * data set and topic, without bundling or cdk-nag. Kept in the synth cache (./synth-cache.ts), so that a
 * sandbox of an unchanged project starts without loading aws-cdk-lib.
 *
 * Each sandbox directory has a data set of its own, so the synth runs with a placeholder id, which then gives
 * way to the real one in the template's text: one cached template serves every sandbox. The placeholder is a
 * valid id (30 to 40 letters and digits) that no Data Exchange id takes, since AWS's are lowercase hex.
 */

export const DATA_SET_ID_PLACEHOLDER = 'DXFLOWSANDBOXDATASETIDPLACEHOLDER';

const ROOT = path.resolve(__dirname, '..');

/** Where results are kept: beside the installed packages, so `npm ci` starts afresh. */
export const DEFAULT_SYNTH_CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'dx-flow-synth');

export interface ProviderTemplate {
  readonly template: unknown;
  /** The data bucket's logical id, which the manifest trigger's rule names. */
  readonly bucketLogicalId: string;
}

function synthesize(context: Record<string, unknown>): ProviderTemplate {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only on a miss: this is the cost the cache saves
  const { buildApp, PROVIDER_STACK_NAME } = require('../infra/build-app') as typeof BuildApp;
  // The sandbox reads no DX_FLOW_* variable: its configuration is this context alone.
  const { app, stack } = buildApp({ context, env: {}, bundle: false, nag: false });
  try {
    return {
      template: app.synth().getStackByName(PROVIDER_STACK_NAME).template as unknown,
      bucketLogicalId: stack.getLogicalId(stack.dataBucket.bucket.node.defaultChild as CfnElement),
    };
  } finally {
    // Without CDK_OUTDIR, the app writes its cloud assembly to a fresh `cdk.out*` folder in the system temp
    // directory, which nothing else removes; the sandbox keeps only the template, in the synth cache.
    if (process.env.CDK_OUTDIR === undefined) rmSync(app.outdir, { recursive: true, force: true });
  }
}

export function providerTemplate(
  target: {
    readonly dataSetId: string;
    readonly topicArn: string;
    /** The stack's `notifySubscribers` context key. @default false, and left out of the context (and the cache key) */
    readonly notifySubscribers?: boolean;
  },
  cacheDirectory = DEFAULT_SYNTH_CACHE_DIR,
): Cached<ProviderTemplate> {
  const context = {
    datasetId: DATA_SET_ID_PLACEHOLDER,
    snsTopicArn: target.topicArn,
    ...(target.notifySubscribers === true ? { notifySubscribers: true } : {}),
  };
  // aws-cdk-lib reads its own CDK_* variables from the process (CDK_CONTEXT_JSON, CDK_OUTDIR, ...).
  const cdkEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('CDK_')));
  const cached = cachedSynth(
    { root: ROOT, entry: 'infra/build-app.ts', files: ['package-lock.json', 'cdk.json'], context, env: cdkEnv, directory: cacheDirectory },
    () => synthesize(context),
  );
  const template = JSON.parse(JSON.stringify(cached.value.template).replaceAll(DATA_SET_ID_PLACEHOLDER, target.dataSetId)) as unknown;
  return { hit: cached.hit, value: { ...cached.value, template } };
}

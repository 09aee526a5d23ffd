import type { CfnElement } from 'aws-cdk-lib';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import type * as BuildApp from '../infra/build-app';
import type { SandboxDataSetConfig } from './data-sets';
import { cachedSynth, type Cached } from './synth-cache';

/*
 * The provider stack's template as the sandbox runs it: the app `cdk synth` builds, pointed at the sandbox's
 * data sets and topic, without bundling or cdk-nag. Kept in the synth cache (./synth-cache.ts), so that a
 * sandbox of an unchanged project starts without loading aws-cdk-lib.
 *
 * Each sandbox directory has data sets of its own, so the synth runs with a placeholder id for each, which then
 * gives way to the real one in the template's text: one cached template serves every sandbox of the same data set
 * settings. A placeholder is a valid id (30 to 40 letters and digits) that no Data Exchange id takes, since AWS's
 * are lowercase hex; all have one width, so that none is the start of another.
 */

const PLACEHOLDER_STEM = 'DXFLOWSANDBOXDATASETIDPLACEHOLDER';
const PLACEHOLDER_DIGITS = 3;

/** The id the synth gives the data set at `index` of the list, before the sandbox's own replaces it. */
export function dataSetIdPlaceholder(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= 10 ** PLACEHOLDER_DIGITS) {
    throw new Error(`The sandbox synthesizes at most ${10 ** PLACEHOLDER_DIGITS} data sets; data set ${index + 1} is one too many`);
  }
  return `${PLACEHOLDER_STEM}${String(index).padStart(PLACEHOLDER_DIGITS, '0')}`;
}

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

/** The context the sandbox synthesizes with: its data sets under placeholder ids, and its topic. */
export function sandboxContext(target: ProviderTemplateTarget): Record<string, unknown> {
  const dataSets = Object.fromEntries(
    target.dataSets.map(({ name, dataSetId: _sandboxId, ...settings }, index) => [
      name,
      {
        ...settings,
        datasetId: dataSetIdPlaceholder(index),
        // The sandbox's own data sets, so their sample data harms nobody; synth refuses an existing id with no source chosen.
        scheduledSource: settings.scheduledSource ?? { type: 'sample' },
      },
    ]),
  );
  return {
    // In order: the first is the default, and the synth cache's key keeps a nested value's order (./synth-cache.ts).
    dataSets,
    snsTopicArn: target.topicArn,
    ...(target.notifySubscribers === true ? { notifySubscribers: true } : {}),
  };
}

export interface ProviderTemplateTarget {
  /** The data sets, the default first, each with the id of the sandbox's own data set. */
  readonly dataSets: readonly (SandboxDataSetConfig & { readonly dataSetId: string })[];
  readonly topicArn: string;
  /** The stack's `notifySubscribers` context key. @default false, and left out of the context (and the cache key) */
  readonly notifySubscribers?: boolean;
}

export function providerTemplate(target: ProviderTemplateTarget, cacheDirectory = DEFAULT_SYNTH_CACHE_DIR): Cached<ProviderTemplate> {
  const context = sandboxContext(target);
  // aws-cdk-lib reads its own CDK_* variables from the process (CDK_CONTEXT_JSON, CDK_OUTDIR, ...).
  const cdkEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('CDK_')));
  const cached = cachedSynth(
    { root: ROOT, entry: 'infra/build-app.ts', files: ['package-lock.json', 'cdk.json'], context, env: cdkEnv, directory: cacheDirectory },
    () => synthesize(context),
  );
  const text = target.dataSets.reduce(
    (template, dataSet, index) => template.replaceAll(dataSetIdPlaceholder(index), dataSet.dataSetId),
    JSON.stringify(cached.value.template),
  );
  return { hit: cached.hit, value: { ...cached.value, template: JSON.parse(text) as unknown } };
}

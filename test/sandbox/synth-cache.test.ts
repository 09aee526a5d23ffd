import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildApp, PROVIDER_STACK_NAME } from '../../infra/build-app';
import { dataSetIdPlaceholder, DEFAULT_SYNTH_CACHE_DIR, providerTemplate, type ProviderTemplateTarget } from '../../sandbox/provider-template';
import { cachedSynth, type SynthCacheOptions } from '../../sandbox/synth-cache';
import { DataSetId } from '../../shared/schemas/fields';

/*
 * The synth cache: a result is read back only while every input it was made from is unchanged. The project
 * here is a small one in a temporary folder, so that a test can edit its sources; the synth is a counter.
 */

describe('cachedSynth', () => {
  let root: string;
  let options: SynthCacheOptions;
  let synths: number;
  const synthesize = () => ({ synth: ++synths });
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'dx-flow-synth-cache-'));
    write('app.ts', "import { stack } from './lib/stack';\nimport type { Shape } from './lib/types';\nexport const app: Shape = stack;\n");
    write('lib/stack.ts', 'export const stack = { name: 1 };\n');
    write('lib/types.ts', 'export interface Shape { name: number }\n');
    write('lib/unused.ts', 'export const unused = 1;\n');
    write('package-lock.json', '{"lockfileVersion":3}');
    options = { root, entry: 'app.ts', files: ['package-lock.json', 'cdk.json'], context: { datasetId: 'a' }, env: {}, directory: path.join(root, 'cache') };
    synths = 0;
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('synthesizes once, then reads the result back', () => {
    expect(cachedSynth(options, synthesize)).toEqual({ value: { synth: 1 }, hit: false });
    expect(cachedSynth(options, synthesize)).toEqual({ value: { synth: 1 }, hit: true });
  });

  it.each([
    ['a module the entry imports changes', () => write('lib/stack.ts', 'export const stack = { name: 2 };\n')],
    ['the lock file changes', () => write('package-lock.json', '{"lockfileVersion":3,"packages":{}}')],
    ['cdk.json appears', () => write('cdk.json', '{"context":{}}')],
    ['the context changes', () => (options = { ...options, context: { datasetId: 'b' } })],
    ['a DX_FLOW_ variable is set', () => (options = { ...options, env: { DX_FLOW_SCHEDULE: 'rate(1 hour)' } })],
    ['a CDK_ variable is set', () => (options = { ...options, env: { CDK_CONTEXT_JSON: '{}' } })],
  ])('synthesizes again when %s', (_change, change) => {
    cachedSynth(options, synthesize);

    change();

    expect(cachedSynth(options, synthesize)).toEqual({ value: { synth: 2 }, hit: false });
  });

  it.each([
    ['a module the entry does not import changes', () => write('lib/unused.ts', 'export const unused = 2;\n')],
    ['a type-only import changes, which runs nothing', () => write('lib/types.ts', 'export interface Shape { name: number; other?: string }\n')],
    ['an unrelated variable is set', () => (options = { ...options, env: { HOME: '/elsewhere' } })],
  ])('reads the result back when %s', (_change, change) => {
    cachedSynth(options, synthesize);

    change();

    expect(cachedSynth(options, synthesize).hit).toBe(true);
  });

  it('replaces a damaged result instead of failing', () => {
    cachedSynth(options, synthesize);
    const [entry] = readdirSync(options.directory);
    writeFileSync(path.join(options.directory, entry), '{"synth":');

    expect(cachedSynth(options, synthesize)).toEqual({ value: { synth: 2 }, hit: false });
    expect(cachedSynth(options, synthesize)).toEqual({ value: { synth: 2 }, hit: true });
  });

  it('keeps the 8 most recently used results', () => {
    for (let i = 0; i < 10; i += 1) {
      cachedSynth({ ...options, context: { datasetId: String(i) } }, synthesize);
      // Each result one second older than the next, whatever the clock's resolution: the one just written is dated now.
      const written = new Date(1000 * (i + 1));
      for (const entry of readdirSync(options.directory)) {
        if (statSync(path.join(options.directory, entry)).mtimeMs > written.getTime() + 1000) utimesSync(path.join(options.directory, entry), written, written);
      }
    }
    const kept = readdirSync(options.directory);

    expect(kept).toHaveLength(8);
    expect(kept.filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(cachedSynth({ ...options, context: { datasetId: '9' } }, synthesize).hit).toBe(true);
    expect(cachedSynth({ ...options, context: { datasetId: '0' } }, synthesize).hit).toBe(false);
  });
});

describe("the sandbox's provider template", () => {
  const TOPIC_ARN = 'arn:aws:sns:us-east-1:111111111111:dx-flow-sandbox-notifications';
  const DEFAULT_ID = 'f244223c6f661ec6b318c1f029ad25c5';
  const WEATHER_ID = '0c1e5a7d2b9f4e8a6d3c1b0a9f8e7d6c';
  type DataSet = ProviderTemplateTarget['dataSets'][number];
  const defaultDataSet: DataSet = { name: 'default', dataSetId: DEFAULT_ID, schedule: 'rate(1 day)', subscriberAccountIds: [] };
  const target: ProviderTemplateTarget = { dataSets: [defaultDataSet], topicArn: TOPIC_ARN };

  /** The template a synth of the app gives with this context, as `cdk synth -c ...` would. */
  const directSynth = (context: Record<string, unknown>) => {
    const { app } = buildApp({ context, env: {}, bundle: false, nag: false });
    const template = app.synth().getStackByName(PROVIDER_STACK_NAME).template as unknown;
    rmSync(app.outdir, { recursive: true, force: true });
    return template;
  };

  /** A synth cache of the test's own, so that the sandbox's template is synthesized the first time. */
  let cache: string;
  beforeEach(() => {
    cache = mkdtempSync(path.join(tmpdir(), 'dx-flow-provider-cache-'));
  });
  afterEach(() => rmSync(cache, { recursive: true, force: true }));

  it('gives each data set a placeholder of one width that is a valid id, up to the most it can number', () => {
    const placeholders = [0, 1, 999].map(dataSetIdPlaceholder);

    expect(placeholders.map((placeholder) => [DataSetId.safeParse(placeholder).success, placeholder.length])).toEqual([
      [true, 36],
      [true, 36],
      [true, 36],
    ]);
    expect(() => dataSetIdPlaceholder(1000)).toThrow('The sandbox synthesizes at most 1000 data sets; data set 1001 is one too many');
  });

  it('is the template a synth with the real data set id gives, placeholder and all replaced, and its synth leaves no cdk.out behind', () => {
    // A cache of its own, so that this synthesizes; a temp directory of its own, where the app would write its assembly.
    const scratch = mkdtempSync(path.join(tmpdir(), 'dx-flow-provider-template-'));
    const systemTemp = path.join(scratch, 'tmp');
    mkdirSync(systemTemp);
    const env = jest.replaceProperty(process, 'env', { ...process.env, TMPDIR: systemTemp });
    let cached: ReturnType<typeof providerTemplate>;
    try {
      cached = providerTemplate(target, path.join(scratch, 'cache'));
    } finally {
      env.restore();
    }
    const leftovers = readdirSync(systemTemp);
    rmSync(scratch, { recursive: true, force: true });
    // The single-data-set keys a stack deployed before several data sets has: the sandbox's one data set is the same.
    const direct = directSynth({ datasetId: DEFAULT_ID, scheduledSource: { type: 'sample' }, snsTopicArn: TOPIC_ARN });

    expect(cached.hit).toBe(false);
    expect(leftovers).toEqual([]);
    expect(JSON.stringify(cached.value.template)).not.toContain(dataSetIdPlaceholder(0));
    expect(cached.value.template).toEqual(direct);
    expect(cached.value.bucketLogicalId).toMatch(/^DataBucket/);
  });

  it('gives each of several data sets its own id, in their order, as a synth with those ids gives', () => {
    const weather: DataSet = { name: 'weather', dataSetId: WEATHER_ID, schedule: 'cron(0 6 * * ? *)', subscriberAccountIds: [] };

    const cached = providerTemplate({ dataSets: [defaultDataSet, weather], topicArn: TOPIC_ARN }, cache);

    const sample = { type: 'sample' };
    const direct = directSynth({
      dataSets: {
        default: { datasetId: DEFAULT_ID, scheduledSource: sample },
        weather: { datasetId: WEATHER_ID, schedule: 'cron(0 6 * * ? *)', scheduledSource: sample },
      },
      snsTopicArn: TOPIC_ARN,
    });
    expect(JSON.stringify(cached.value.template)).not.toMatch(/DXFLOWSANDBOX/);
    expect(cached.value.template).toEqual(direct);
  });

  it("keys the cache on every data set's settings and on their order", () => {
    const weather: DataSet = { name: 'weather', dataSetId: WEATHER_ID, schedule: 'rate(1 day)', subscriberAccountIds: [] };
    providerTemplate({ dataSets: [defaultDataSet, weather], topicArn: TOPIC_ARN }, cache);

    const again = providerTemplate({ dataSets: [defaultDataSet, weather], topicArn: TOPIC_ARN }, cache);
    const rescheduled = providerTemplate({ dataSets: [defaultDataSet, { ...weather, schedule: false }], topicArn: TOPIC_ARN }, cache);
    const reordered = providerTemplate({ dataSets: [weather, defaultDataSet], topicArn: TOPIC_ARN }, cache);

    expect([again.hit, rescheduled.hit, reordered.hit]).toEqual([true, false, false]);
  });

  it('comes from the cache without loading aws-cdk-lib once the project is unchanged', () => {
    providerTemplate(target, DEFAULT_SYNTH_CACHE_DIR);
    const script = `
      require('tsx/cjs/api').register();
      const { hit } = require('./sandbox/provider-template.ts').providerTemplate(${JSON.stringify(target)});
      const cdk = Object.keys(require.cache).some((file) => file.includes('/node_modules/aws-cdk-lib/'));
      process.stdout.write(JSON.stringify({ hit, cdk }));`;

    const stdout = execFileSync(process.execPath, ['-e', script], { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8' });

    expect(JSON.parse(stdout)).toEqual({ hit: true, cdk: false });
  });
});

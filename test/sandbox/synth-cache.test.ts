import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildApp, PROVIDER_STACK_NAME } from '../../infra/build-app';
import { DATA_SET_ID_PLACEHOLDER, DEFAULT_SYNTH_CACHE_DIR, providerTemplate } from '../../sandbox/provider-template';
import { cachedSynth, type SynthCacheOptions } from '../../sandbox/synth-cache';

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
  const target = { dataSetId: 'f244223c6f661ec6b318c1f029ad25c5', topicArn: 'arn:aws:sns:us-east-1:111111111111:dx-flow-sandbox-notifications' };

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
    const { app } = buildApp({ context: { datasetId: target.dataSetId, snsTopicArn: target.topicArn }, env: {}, bundle: false, nag: false });
    const direct = app.synth().getStackByName(PROVIDER_STACK_NAME).template as unknown;
    rmSync(app.outdir, { recursive: true, force: true });

    expect(cached.hit).toBe(false);
    expect(leftovers).toEqual([]);
    expect(JSON.stringify(cached.value.template)).not.toContain(DATA_SET_ID_PLACEHOLDER);
    expect(cached.value.template).toEqual(direct);
    expect(cached.value.bucketLogicalId).toMatch(/^DataBucket/);
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

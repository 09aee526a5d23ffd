import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cli } from './harness';

/*
 * `--config` and `--dataset <name>` against the sandbox the CLI starts in-process: the config file's data sets are
 * the sandbox's (its datasetIds, a real account's, ignored), a run publishes to the one `--dataset` names, and a later
 * command finds it by name in the same directory, started without the config.
 */

const CONFIG = path.join(__dirname, 'fixtures', 'data-sets.json');

describe('several data sets from the CLI, in the sandbox', () => {
  let scratch: string;
  let directory: string;
  const local = (...argv: string[]) => cli([...argv, '--local', '--sandbox-dir', directory, '--json']);
  const persistedIds = () => (JSON.parse(readFileSync(path.join(directory, 'sandbox.json'), 'utf8')) as { dataSets: Record<string, string> }).dataSets;

  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'dx-flow-cli-data-sets-'));
    directory = path.join(scratch, 'sandbox');
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("runs into the data set --dataset names, one the config file lists, with an id of the sandbox's own", async () => {
    const result = await local('run', '--config', CONFIG, '--dataset', 'weather', '--run-id', 'w-1', '--assets', '1');

    expect(result.code).toBe(0);
    const ids = persistedIds();
    expect(Object.keys(ids)).toEqual(['default', 'weather']);
    expect(ids.weather).not.toBe('0123456789abcdef0123456789abcdef');
    expect(result.json()).toMatchObject({ status: 'SUCCEEDED', runId: 'w-1', datasetId: ids.weather });
  });

  it('finds that data set by name in a later command of the same directory, started without the config', async () => {
    const result = await local('revisions', '--dataset', 'weather');

    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ datasetId: persistedIds().weather, runs: [{ runId: 'w-1' }] });
  });

  it('refuses a name the sandbox has never had, naming those it has, with exit 2', async () => {
    const result = await local('revisions', '--dataset', 'rain');

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('dx-flow: --dataset rain is neither a data set id nor a known data set name; the names are default, weather.\n');
  });

  it.each([
    ['a config file that is not there', () => path.join(scratch, 'missing.json'), (file: string) => `dx-flow: --config ${file}: there is no such file.\n`],
    [
      'a config file the app would refuse',
      () => {
        const file = path.join(scratch, 'bad.json');
        writeFileSync(file, JSON.stringify({ dataSets: { weather: { schedule: 'daily' } } }));
        return file;
      },
      (file: string) => expect.stringMatching(new RegExp(`^dx-flow: Invalid config file ${file}: dataSets\\.weather\\.schedule: must be an EventBridge schedule expression`)),
    ],
  ])('refuses %s with exit 2, in one sentence', async (_, makeFile, message) => {
    const file = makeFile();

    const result = await local('run', '--config', file, '--assets', '1');

    expect(result.code).toBe(2);
    expect(result.stderr).toEqual(message(file));
    expect(result.json()).toMatchObject({ status: 'REJECTED' });
  });
});

import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DamagedStateFileError, loadPartedState, type PartedChanges, PartedStateFile, partFolderOf, writeFileAtomic } from '../../sandbox/persist';

/*
 * A parted state: an index file and a part per key in a folder beside it. A save writes only the parts that
 * changed and then the index, which commits them; a start reads back what the last committed index names, and
 * removes what a crash left.
 */

describe('a parted state file', () => {
  let directory: string;
  let file: string;
  let folder: string;
  /** The files each write went to, in order, and the text written. */
  let written: { file: string; data: string }[];
  let changes: PartedChanges;

  const recordingWriter = async (target: string, data: string) => {
    written.push({ file: path.relative(directory, target), data });
    await writeFileAtomic(target, data);
  };
  const open = () => new PartedStateFile(file, undefined, () => changes, 60_000, recordingWriter);
  const asIs = (json: unknown) => json;

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-persist-parts-'));
    file = path.join(directory, 'state.json');
    folder = partFolderOf(file);
    written = [];
    changes = { index: { format: 'test/1' }, parts: new Map() };
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(directory, { recursive: true, force: true });
  });

  it('keeps its parts in the folder named after the file, inside the same directory', () => {
    expect(folder).toBe(path.join(directory, 'state'));
  });

  it('writes only the parts that changed, then the index', async () => {
    const state = open();
    changes = { index: { format: 'test/1' }, parts: new Map([['a', { n: 1 }], ['b', { n: 2 }]]) };
    await state.flush();
    written = [];

    changes = { index: { format: 'test/1' }, parts: new Map([['b', { n: 3 }]]) };
    await state.flush();

    expect(written.map((write) => write.file)).toEqual([path.join('state', 'b.2.json'), 'state.json']);
    expect(JSON.parse(written[1].data)).toEqual({ format: 'test/1', generation: 2, partFiles: { a: 'a.1.json', b: 'b.2.json' } });
  });

  it('writes the parts and the index of one moment, though the state changes while the files are written', async () => {
    const job = { state: 'IN_PROGRESS' };
    changes = { index: { format: 'test/1', jobs: [job] }, parts: new Map<string, unknown>([['a', { n: 1 }], ['b', job]]) };
    const state = new PartedStateFile(file, undefined, () => changes, 60_000, async (target, data) => {
      // The job ends while the first part is being written.
      job.state = 'COMPLETED';
      await recordingWriter(target, data);
    });

    await state.flush();

    expect(written.map((write) => JSON.parse(write.data) as unknown)).toEqual([
      { n: 1 },
      { state: 'IN_PROGRESS' },
      { format: 'test/1', jobs: [{ state: 'IN_PROGRESS' }], generation: 1, partFiles: { a: 'a.1.json', b: 'b.1.json' } },
    ]);
  });

  it('reads back, after a restart, exactly what was saved, and removes the files of parts superseded or gone', async () => {
    const state = open();
    changes = { index: { format: 'test/1', note: 'kept' }, parts: new Map([['a', { n: 1 }], ['b', { n: 2 }], ['c', { n: 3 }]]) };
    await state.flush();
    changes = { index: { format: 'test/1', note: 'kept' }, parts: new Map<string, unknown>([['b', { n: 4 }], ['c', undefined]]) };
    await state.flush();
    const files = readdirSync(folder).sort();

    const loaded = await loadPartedState(file, asIs);

    expect(files).toEqual(['a.1.json', 'b.2.json']);
    expect(loaded?.index).toEqual({ format: 'test/1', note: 'kept' });
    expect(Object.fromEntries(loaded?.parts ?? [])).toEqual({ a: { n: 1 }, b: { n: 4 } });
  });

  it('writes again at the next save the parts of a save that failed', async () => {
    const state = open();
    changes = { index: { format: 'test/1' }, parts: new Map([['a', { n: 1 }]]) };
    // A file where the folder should be: the part cannot be written.
    writeFileSync(folder, 'in the way');
    jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    await expect(state.flush()).rejects.toThrow(`Cannot save the sandbox state to ${file}`);
    rmSync(folder);

    changes = { index: { format: 'test/1' }, parts: new Map() };
    await state.flush();

    const loaded = await loadPartedState(file, asIs);
    expect(Object.fromEntries(loaded?.parts ?? [])).toEqual({ a: { n: 1 } });
  });

  it('removes at start the parts no index lists and the temporary files a crash left, and keeps the listed ones', async () => {
    changes = { index: { format: 'test/1' }, parts: new Map([['a', { n: 1 }]]) };
    await open().flush();
    // A crash between writing a part and writing the index that would list it.
    writeFileSync(path.join(folder, 'a.2.json'), '{"n":2}');
    writeFileSync(path.join(folder, 'b.2.json.4242-3.tmp'), '{"n":');
    writeFileSync(path.join(directory, 'state.json.4242-4.tmp'), '{"format":');

    const loaded = await loadPartedState(file, asIs);

    expect(Object.fromEntries(loaded?.parts ?? [])).toEqual({ a: { n: 1 } });
    expect(readdirSync(folder)).toEqual(['a.1.json']);
    expect(readdirSync(directory).sort()).toEqual(['state', 'state.json']);
  });

  it('refuses to save a part whose key would name a file outside its folder', async () => {
    jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    changes = { index: { format: 'test/1' }, parts: new Map([['../escape', { n: 1 }]]) };

    await expect(open().flush()).rejects.toThrow('../escape cannot name a part file');
    expect(readdirSync(directory)).toEqual([]);
  });

  it('reads a file saved whole, with no part listing, as an index with no parts', async () => {
    writeFileSync(file, JSON.stringify({ format: 'test/0', everything: [1, 2] }));

    const loaded = await loadPartedState(file, asIs);

    expect(loaded?.index).toEqual({ format: 'test/0', everything: [1, 2] });
    expect(loaded?.parts.size).toBe(0);
    expect(loaded?.listing.generation).toBe(0);
  });

  it.each([
    ['cut short', '{"n":', /is damaged \(not valid JSON: [^\n]+\): move it aside/],
    ['not a part', '[]', /is damaged \(not a part\): move it aside/],
  ])('refuses a part file %s in one sentence naming it', async (_, text, reason) => {
    changes = { index: { format: 'test/1' }, parts: new Map([['a', { n: 1 }]]) };
    await open().flush();
    const partFile = path.join(folder, 'a.1.json');
    writeFileSync(partFile, text);
    const parsePart = (json: unknown) => {
      if (Array.isArray(json)) throw new Error('not a part');
      return json;
    };

    const loading = loadPartedState(file, parsePart);

    await expect(loading).rejects.toThrow(DamagedStateFileError);
    await expect(loading).rejects.toThrow(new RegExp(`^The sandbox file ${partFile} ${reason.source}`));
  });

  it('refuses a part the index lists and the folder lacks, naming the part file', async () => {
    changes = { index: { format: 'test/1' }, parts: new Map([['a', { n: 1 }]]) };
    await open().flush();
    rmSync(path.join(folder, 'a.1.json'));

    await expect(loadPartedState(file, asIs)).rejects.toThrow(
      `The sandbox file ${path.join(folder, 'a.1.json')} is damaged (it is missing, though ${file} lists it)`,
    );
  });

  it('refuses an index whose listing would reach outside its folder, naming the index', async () => {
    mkdirSync(folder);
    writeFileSync(file, JSON.stringify({ format: 'test/1', generation: 1, partFiles: { a: '../../etc/passwd' } }));

    await expect(loadPartedState(file, asIs)).rejects.toThrow(`The sandbox file ${file} is damaged (part a is listed as ../../etc/passwd)`);
  });
});

import type * as NodeFs from 'node:fs';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  DamagedStateFileError,
  readStateFile,
  readStateFileSync,
  removeTemporaryFilesOf,
  StateFile,
  writeFileAtomic,
  writeFileAtomicSync,
} from '../../sandbox/persist';

/*
 * The sandbox's one persistence helper: a state file is replaced whole or not at all, a damaged one is said
 * in one sentence naming it, and the temporary files a crash leaves are known by their names.
 */

describe('sandbox state files', () => {
  let directory: string;
  let file: string;

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-persist-'));
    file = path.join(directory, 'state.json');
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(directory, { recursive: true, force: true });
  });

  describe('an atomic write', () => {
    it('replaces the file whole and leaves nothing beside it', async () => {
      writeFileAtomicSync(file, '{"v":1}');
      await writeFileAtomic(file, '{"v":2}');

      expect(readFileSync(file, 'utf8')).toBe('{"v":2}');
      expect(readdirSync(directory)).toEqual(['state.json']);
    });

    it('that fails halfway (the disk full) leaves the previous content and no temporary file', () => {
      writeFileAtomicSync(file, JSON.stringify({ runs: ['r1'] }));
      const diskFull = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      // The module object the helper calls through, not an import namespace, whose members cannot be replaced.
      jest.spyOn(jest.requireActual<typeof NodeFs>('node:fs'), 'writeSync').mockImplementationOnce(() => {
        throw diskFull;
      });

      expect(() => writeFileAtomicSync(file, JSON.stringify({ runs: ['r1', 'r2'] }))).toThrow(diskFull);

      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ runs: ['r1'] });
      expect(readdirSync(directory)).toEqual(['state.json']);
    });

    it('that cannot be renamed into place removes its temporary file', async () => {
      mkdirSync(path.join(file, 'in-the-way'), { recursive: true });

      await expect(writeFileAtomic(file, '{}')).rejects.toThrow();

      expect(readdirSync(directory)).toEqual(['state.json']);
    });
  });

  describe('a read', () => {
    it('of no file is undefined', async () => {
      expect(readStateFileSync(file)).toBeUndefined();
      await expect(readStateFile(file)).resolves.toBeUndefined();
    });

    it.each([
      ['cut short by a crash', '{"dataSetId":"a89', /^The sandbox file .*state\.json is damaged \(not valid JSON: [^\n]+\): move it aside/],
      ['emptied by a crash', '', /^The sandbox file .*state\.json is damaged \(it is empty\)/],
    ])('of a file %s throws DamagedStateFileError, one sentence naming the file', async (_, text, sentence) => {
      writeFileSync(file, text);

      const error = (() => {
        try {
          return readStateFileSync(file);
        } catch (thrown) {
          return thrown as Error;
        }
      })();

      expect(error).toBeInstanceOf(DamagedStateFileError);
      expect(error).toMatchObject({ name: 'DamagedStateFileError', file, message: expect.stringMatching(sentence) });
      expect((error as Error).message).not.toContain('\n');
      await expect(readStateFile(file)).rejects.toThrow(DamagedStateFileError);
    });

    it('of JSON of the wrong shape throws DamagedStateFileError with the shape check`s reason', () => {
      writeFileSync(file, '[]');
      const parse = (json: unknown) => {
        if (!Array.isArray(json) || json.length === 0) throw new Error('it holds no records\nat all');
        return json;
      };

      expect(() => readStateFileSync(file, parse)).toThrow(`The sandbox file ${file} is damaged (it holds no records; at all)`);
    });
  });

  it("removes the temporary files a crash left beside a file, and only that file's", () => {
    const left = ['state.json.4242-7.tmp', 'state.json.4242.tmp'];
    const kept = ['state.json', 'other.json.4242-1.tmp', 'state.json.bak', 'state.jsonx.1-1.tmp'];
    for (const name of [...left, ...kept]) writeFileSync(path.join(directory, name), '{}');

    const removed = removeTemporaryFilesOf(file);

    expect(removed.map((entry) => path.basename(entry)).sort()).toEqual([...left].sort());
    expect(readdirSync(directory).sort()).toEqual([...kept].sort());
  });

  describe('StateFile', () => {
    it('writes a burst of changes once, later; flush() writes the state of now at once', async () => {
      let state = { version: 1 };
      const stateFile = new StateFile(file, () => JSON.stringify(state), 60_000);

      stateFile.changed();
      state = { version: 2 };
      stateFile.changed();
      const beforeFlush = readStateFileSync(file);
      await stateFile.flush();

      expect(beforeFlush).toBeUndefined();
      expect(readStateFileSync(file)).toEqual({ version: 2 });
    });

    it('reports a failed write at the next flush', async () => {
      mkdirSync(path.join(file, 'in-the-way'), { recursive: true });
      const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      const stateFile = new StateFile(file, () => '{}', 60_000);

      await expect(stateFile.flush()).rejects.toThrow(`Cannot save the sandbox state to ${file}`);
      expect(warning).toHaveBeenCalledTimes(1);
    });
  });
});

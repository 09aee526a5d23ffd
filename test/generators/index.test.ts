import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { GENERATORS, generatorForRun, generatorNamed } from '../../generators';
import helloReadings from '../../generators/hello-readings';
import { GeneratorName } from '../../shared/schemas/workflow-input';
import { RUN_ID } from '../fixtures/ids';

/*
 * The registry of generators/index.ts. GIVEN a source's generator name and options, WHEN a task looks it up,
 * THEN it gets the module, or an InputValidationError naming what is wrong.
 */

const GENERATORS_FOLDER = path.resolve(__dirname, '../../generators');

describe('the generator registry', () => {
  it.each(Object.keys(GENERATORS))('registers "%s" under its module\'s file name, a name a source can give', (name) => {
    expect(GeneratorName.safeParse(name).success).toBe(true);
    expect(existsSync(path.join(GENERATORS_FOLDER, `${name}.ts`))).toBe(true);
  });

  it('finds a generator by name', () => {
    expect(generatorNamed('hello-readings')).toBe(helloReadings);
  });

  it.each(['no-such-generator', 'toString', 'generator'])('refuses "%s", naming it and listing the generators', (name) => {
    expect(() => generatorNamed(name)).toThrow(
      expect.objectContaining({
        name: 'InputValidationError',
        message: `source.name: there is no generator "${name}" in generators/index.ts; the generators are "sample", "hello-readings"`,
      }),
    );
  });

  it("gives the generator the run and the options its schema parsed, defaults applied", () => {
    const { name, generator, run } = generatorForRun(
      { name: 'hello-readings', options: { hours: 2 } },
      { runId: RUN_ID, scheduledAt: '2026-11-30T06:00:00Z' },
    );

    expect({ name, generator, run }).toEqual({
      name: 'hello-readings',
      generator: helloReadings,
      run: { runId: RUN_ID, scheduledAt: '2026-11-30T06:00:00Z', options: { stations: ['harbour', 'airport', 'old-town'], hours: 2 } },
    });
  });

  it('refuses bad options naming each key as source.options.<key>, and why', () => {
    expect(() => generatorForRun({ name: 'hello-readings', options: { stations: ['a', 'a'], hours: 0 } }, { runId: RUN_ID })).toThrow(
      expect.objectContaining({
        name: 'InputValidationError',
        message:
          'Invalid options of generator "hello-readings": source.options.stations: must not name a station twice; ' +
          'source.options.hours: must be at least 1',
      }),
    );
  });
});

import { DataSetFlag, dataSetIdOf, dataSetIdsFromEnv, dataSetRef } from '../../cli/data-set-ref';
import { DATA_SET_ID } from '../fixtures/ids';

/*
 * What `--dataset` names: a known name, an id, or a name only the state machine can check. A lowercase name of 30 to
 * 32 letters and digits is shaped like an id too, so the names the target knows decide first.
 */

const LOOKS_LIKE_AN_ID = 'weatherstationreadingsbyhour2026';

describe('dataSetRef and dataSetIdOf', () => {
  it.each([
    ['a known name', 'weather', { weather: DATA_SET_ID }, { dataSet: 'weather' }],
    ['an id', DATA_SET_ID, {}, { datasetId: DATA_SET_ID }],
    ['an unknown name', 'weather', {}, { dataSet: 'weather' }],
    ['a known name shaped like an id', LOOKS_LIKE_AN_ID, { [LOOKS_LIKE_AN_ID]: DATA_SET_ID }, { dataSet: LOOKS_LIKE_AN_ID }],
    ['an unknown name shaped like an id', LOOKS_LIKE_AN_ID, {}, { datasetId: LOOKS_LIKE_AN_ID }],
  ])('takes %s for what it is', (_, value, known, expected) => {
    expect(dataSetRef(value, known)).toEqual(expected);
  });

  it('takes no name from the prototype of the known ids', () => {
    expect(() => dataSetIdOf('constructor', { weather: DATA_SET_ID })).toThrow('--dataset constructor is neither a data set id nor a known data set name');
  });
});

describe('DataSetFlag', () => {
  it.each([DATA_SET_ID, 'weather', 'hello-readings'])('takes %s', (value) => {
    expect(DataSetFlag.safeParse(value).success).toBe(true);
  });

  it.each(['Weather', 'weather_data', '-weather', ''])('refuses %j', (value) => {
    expect(DataSetFlag.safeParse(value).success).toBe(false);
  });
});

describe('dataSetIdsFromEnv', () => {
  it('reads the JSON `dx-flow sandbox up` exports, and nothing when it is unset or blank', () => {
    expect(dataSetIdsFromEnv({ DX_FLOW_DATA_SET_IDS: JSON.stringify({ weather: DATA_SET_ID }) })).toEqual({ weather: DATA_SET_ID });
    expect([dataSetIdsFromEnv({}), dataSetIdsFromEnv({ DX_FLOW_DATA_SET_IDS: ' ' })]).toEqual([undefined, undefined]);
  });

  it('refuses text that is not JSON, naming the variable', () => {
    expect(() => dataSetIdsFromEnv({ DX_FLOW_DATA_SET_IDS: 'weather=abc' })).toThrow(/^DX_FLOW_DATA_SET_IDS: .*must be JSON/);
  });
});

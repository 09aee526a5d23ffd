import * as z from 'zod';
import { selectFields } from '../../workflows/publish-revision';

describe('selectFields', () => {
  it('selects every field of a task output schema from the Lambda response', () => {
    expect(selectFields(z.strictObject({ a: z.string(), b: z.number().nullable() }), '$.Payload')).toEqual({ 'a.$': '$.Payload.a', 'b.$': '$.Payload.b' });
  });

  it('refuses an optional field at synth: a run whose task leaves it out would fail with States.Runtime', () => {
    expect(() => selectFields(z.strictObject({ a: z.string(), later: z.number().optional() }), '$.Payload')).toThrow(
      'selectFields: field "later" is optional',
    );
  });
});

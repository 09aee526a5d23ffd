import * as z from 'zod';
import { InputValidationError } from '../../shared/errors';
import { describeIssues, parseOrThrow } from '../../shared/validation';

const Item = z.strictObject({ name: z.string(), count: z.number().int().min(1), tags: z.array(z.string()).optional() });
const Order = z.strictObject({ id: z.string(), items: z.array(Item), meta: z.strictObject({ note: z.string() }).optional() });

/** The description of what `schema` finds wrong in `value`. */
const issuesOf = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('expected the value to be refused');
  return describeIssues(result.error);
};

describe('describeIssues', () => {
  it('names a missing field as required, and a field of the wrong type by the type it must be', () => {
    expect(issuesOf(Order, { items: 'none' })).toBe('id: is required; items: must be an array');
  });

  it('says "a" or "an" as the expected type begins, and "a whole number" for an integer', () => {
    expect(issuesOf(Item, { name: 1, count: 1.5 })).toBe('name: must be a string; count: must be a whole number');
    expect(issuesOf(Order, { id: 'o', items: [], meta: 'x' })).toBe('meta: must be an object');
  });

  it('names a field inside an array by index, and a field inside an object by dotted path', () => {
    expect(issuesOf(Order, { id: 'o', items: [{ name: 'a', count: 1, tags: ['x', 2] }], meta: { note: 3 } })).toBe(
      'items[0].tags[1]: must be a string; meta.note: must be a string',
    );
  });

  it('starts a path that begins with an index with the index', () => {
    expect(issuesOf(z.array(Item), [{ name: 'a', count: 0 }])).toBe('[0].count: Too small: expected number to be >=1');
  });

  it('says "the input" for a problem with the whole value', () => {
    expect(issuesOf(Order, 'order')).toBe('the input: must be an object');
  });

  it('lists unknown keys, quoted, saying where when they are not at the top', () => {
    expect(issuesOf(Item, { name: 'a', count: 1, colour: 'red' })).toBe('unknown key: "colour"');
    expect(issuesOf(Item, { name: 'a', count: 1, colour: 'red', size: 2 })).toBe('unknown keys: "colour", "size"');
    expect(issuesOf(Order, { id: 'o', items: [{ name: 'a', count: 1, colour: 'red' }] })).toBe('unknown key in items[0]: "colour"');
  });
});

describe('parseOrThrow', () => {
  it('returns the parsed value', () => {
    expect(parseOrThrow(Item, { name: 'a', count: 2 }, 'item')).toEqual({ name: 'a', count: 2 });
  });

  it('throws InputValidationError naming what was parsed and every problem, with zod\'s error as the cause', () => {
    const thrown = (() => {
      try {
        parseOrThrow(Item, { count: 0 }, 'line item');
      } catch (error) {
        return error;
      }
      return undefined;
    })();

    expect(thrown).toBeInstanceOf(InputValidationError);
    expect(thrown).toMatchObject({
      message: 'Invalid line item: name: is required; count: Too small: expected number to be >=1',
      cause: expect.any(z.ZodError),
    });
  });
});

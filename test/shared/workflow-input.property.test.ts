import fc from 'fast-check';
import { InputValidationError } from '../../shared/errors';
import { WorkflowInput } from '../../shared/schemas/workflow-input';
import { parseOrThrow } from '../../shared/validation';
import { invalidInput, validInput } from '../fixtures/workflow-inputs';

const parse = (value: unknown) => parseOrThrow(WorkflowInput, value, 'workflow input');

describe('WorkflowInput properties', () => {
  it('rejects every input with one corrupted field, naming that field', () => {
    fc.assert(
      fc.property(invalidInput, ({ input, names }) => {
        // Act
        const act = () => parse(input);

        // Assert
        expect(act).toThrow(InputValidationError);
        expect(act).toThrow(names);
      }),
      { numRuns: 1_500 },
    );
  });

  it('accepts every input built by the rules, and parsing its output gives the same output', () => {
    fc.assert(
      fc.property(validInput, (input) => {
        // Act
        const once = parse(input);
        const twice = parse(once);

        // Assert
        expect(twice).toEqual(once);
        expect(once.bucket).toBe(input.bucket ?? input.bucket_name);
        expect(once.datasetId).toBe(input.datasetId ?? input.dataset_id);
        expect(once.source.type).toBe((input.source as { type?: string } | undefined)?.type ?? 'generate');
      }),
      { numRuns: 500 },
    );
  });
});

import * as z from 'zod';

/*
 * A scheduled source's prefix may name the tick it publishes for: `incoming/{yyyy}/{mm}/{dd}/` is the folder of
 * the day the schedule fired (in UTC), or of the day before with an offset of "1 day". It is resolved from the
 * tick's time, which the schedule's event carries, and never from the clock: a run that starts late, or a redrive a
 * day later, still publishes the folder of its own tick.
 */

/** The placeholders a prefix may hold, each the tick's UTC field with leading zeros. Other braces are the key's own. */
const PLACEHOLDERS: Readonly<Record<string, (at: Date) => string>> = {
  '{yyyy}': (at) => String(at.getUTCFullYear()).padStart(4, '0'),
  '{mm}': (at) => String(at.getUTCMonth() + 1).padStart(2, '0'),
  '{dd}': (at) => String(at.getUTCDate()).padStart(2, '0'),
  '{hh}': (at) => String(at.getUTCHours()).padStart(2, '0'),
};
const PLACEHOLDER = /\{yyyy\}|\{mm\}|\{dd\}|\{hh\}/g;

const UNIT_SECONDS: Readonly<Record<string, number>> = { minute: 60, hour: 3_600, day: 86_400 };

/** How far before the tick the prefix's time is: `"1 day"`, `"6 hours"`, `"30 minutes"`. */
export const PrefixOffset = z
  .string()
  .regex(/^\s*\d+\s+(minute|minutes|hour|hours|day|days)\s*$/, 'must be a whole number of minutes, hours or days, such as "1 day" or "6 hours"');

export function offsetSeconds(offset: string): number {
  const [amount, unit] = offset.trim().split(/\s+/);
  return Number(amount) * UNIT_SECONDS[unit.replace(/s$/, '')];
}

export function isTemplatedPrefix(prefix: string): boolean {
  return new RegExp(PLACEHOLDER.source).test(prefix);
}

/** The prefix for the tick `scheduledAt`, `offset` earlier. */
export function resolvePrefix(template: string, scheduledAt: string, offset?: string): string {
  const at = new Date(Date.parse(scheduledAt) - (offset === undefined ? 0 : offsetSeconds(offset) * 1_000));
  return template.replace(PLACEHOLDER, (placeholder) => PLACEHOLDERS[placeholder](at));
}

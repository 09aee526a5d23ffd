import { isTemplatedPrefix, offsetSeconds, PrefixOffset, resolvePrefix } from '../../shared/scheduled-prefix';

describe('scheduled prefixes', () => {
  it("fills each placeholder from the tick's UTC time, with leading zeros", () => {
    expect(resolvePrefix('in/{yyyy}/{mm}/{dd}/{hh}/', '2026-03-04T05:06:07Z')).toBe('in/2026/03/04/05/');
    expect(resolvePrefix('d={yyyy}-{mm}-{dd}/{yyyy}', '2026-03-04T23:30:00+02:00')).toBe('d=2026-03-04/2026');
  });

  it('goes back by the offset, across months and years', () => {
    expect(resolvePrefix('{yyyy}/{mm}/{dd}/', '2027-01-01T00:10:00Z', '1 day')).toBe('2026/12/31/');
    expect(resolvePrefix('{dd}/{hh}', '2026-12-01T06:00:00Z', '6 hours')).toBe('01/00');
    expect(resolvePrefix('{hh}', '2026-12-01T06:00:00Z', '30 minutes')).toBe('05');
  });

  it('leaves other braces alone, as part of the key', () => {
    expect(resolvePrefix('raw/{region}/{yyyy}/', '2026-12-01T06:00:00Z')).toBe('raw/{region}/2026/');
    expect(isTemplatedPrefix('raw/{region}/')).toBe(false);
    expect(isTemplatedPrefix('raw/{mm}/')).toBe(true);
  });

  it.each([['1 day', 86_400], ['2 days', 172_800], [' 6 hours ', 21_600], ['2  days', 172_800], ['1 hour', 3_600], ['45 minutes', 2_700], ['1 minute', 60]])('reads the offset %p as %p seconds', (offset, seconds) => {
    expect(PrefixOffset.safeParse(offset).success).toBe(true);
    expect(offsetSeconds(offset)).toBe(seconds);
  });

  it.each(['1d', 'a day', '1 week', '-1 day', '1.5 days', ''])('refuses the offset %p', (offset) => {
    expect(PrefixOffset.safeParse(offset).error?.issues[0]?.message).toBe('must be a whole number of minutes, hours or days, such as "1 day" or "6 hours"');
  });
});

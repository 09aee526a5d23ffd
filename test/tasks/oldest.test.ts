import { oldest } from '../../tasks/oldest';

const at = (iso: string) => new Date(iso);

describe('oldest', () => {
  it('picks the earliest created, whatever order the listing gives', () => {
    const items = [
      { Id: 'b', CreatedAt: at('2026-11-30T06:00:02Z') },
      { Id: 'c', CreatedAt: at('2026-11-30T06:00:01Z') },
      { Id: 'a', CreatedAt: at('2026-11-30T06:00:03Z') },
    ];

    expect(oldest(items)?.Id).toBe('c');
    expect(oldest([...items].reverse())?.Id).toBe('c');
  });

  it('breaks a tie of creation times by id, so every execution picks the same one', () => {
    const time = at('2026-11-30T06:00:00Z');

    expect(oldest([{ Id: 'b', CreatedAt: time }, { Id: 'a', CreatedAt: time }])?.Id).toBe('a');
    expect(oldest([{ Id: 'a', CreatedAt: time }, { Id: 'b', CreatedAt: time }])?.Id).toBe('a');
  });

  it('takes an item listed without a creation time as the oldest, and one without an id as first among equals', () => {
    const dated = { Id: 'a', CreatedAt: at('2026-11-30T06:00:00Z') };
    const undated = { Id: 'z' };
    const time = at('2026-11-30T06:00:00Z');

    expect(oldest([dated, undated])).toBe(undated);
    expect(oldest([{ Id: 'a', CreatedAt: time }, { CreatedAt: time }])?.Id).toBeUndefined();
    expect(oldest([{ CreatedAt: time }, { Id: 'a', CreatedAt: time }])?.Id).toBeUndefined();
  });

  it('finds none in an empty listing', () => {
    expect(oldest([])).toBeUndefined();
  });
});

/** What ADX lists a revision or a job with: its id and when it was created. */
interface Created {
  readonly Id?: string;
  readonly CreatedAt?: Date;
}

/**
 * The oldest, by creation time and then id: the one that every execution of a runId picks among the same
 * resources, whatever order a listing returns them in (ADX does not say how it orders equal times).
 */
export function oldest<T extends Created>(items: readonly T[]): T | undefined {
  const created = (item: T) => item.CreatedAt?.getTime() ?? 0;
  return [...items].sort((a, b) => created(a) - created(b) || (a.Id ?? '').localeCompare(b.Id ?? ''))[0];
}

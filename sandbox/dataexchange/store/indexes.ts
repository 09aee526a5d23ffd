import { notFound, type ResourceType } from '../errors';

/*
 * What every resource's in-memory indexes share: records by id in the order they came, and lists kept per key.
 */

export function append<K, V>(index: Map<K, V[]>, key: K, value: V): void {
  const list = index.get(key);
  if (list === undefined) index.set(key, [value]);
  else list.push(value);
}

/** Records with no id, in the order they came: appended, never changed. */
export class AppendLog<T> {
  private readonly items: T[] = [];

  add(item: T): void {
    this.items.push(item);
  }

  records(): readonly T[] {
    return this.items;
  }
}

/** One resource's records by id, oldest first: ADX's lists page them newest first by position. */
export class Records<T extends { Id: string }> {
  private readonly byId = new Map<string, T>();
  private readonly ordered: T[] = [];

  constructor(private readonly type: ResourceType) {}

  add(record: T): T {
    this.byId.set(record.Id, record);
    this.ordered.push(record);
    return record;
  }

  /** The record, or ADX's not-found error for it. */
  get(id: string): T {
    const record = this.byId.get(id);
    if (record === undefined) throw notFound(this.type, id);
    return record;
  }

  find(id: string): T | undefined {
    return this.byId.get(id);
  }

  all(): readonly T[] {
    return this.ordered;
  }

  delete(record: T): void {
    this.byId.delete(record.Id);
    this.ordered.splice(this.ordered.indexOf(record), 1);
  }
}

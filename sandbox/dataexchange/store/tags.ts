import { notFound, type ResourceType } from '../errors';
import type { Tags } from '../model';

/*
 * One account's tags, kept by ARN since TagResource addresses resources by ARN. Every taggable resource gets an
 * entry when it is created, so an ARN without one names no resource of this account.
 */

const resourceTypeOfArn = (arn: string): ResourceType =>
  arn.includes('/revisions/')
    ? 'REVISION'
    : arn.includes(':data-grants/')
      ? 'DATA_GRANT'
      : arn.includes(':event-actions/')
        ? 'EVENT_ACTION'
        : 'DATA_SET';

export class ResourceTags {
  private readonly byArn = new Map<string, Tags>();

  set(arn: string, tags: Tags): void {
    this.byArn.set(arn, tags);
  }

  delete(arn: string): void {
    this.byArn.delete(arn);
  }

  records(): Record<string, Tags> {
    return Object.fromEntries(this.byArn);
  }

  /** The resource's tags, which tag and untag change in place. */
  of(arn: string): Tags {
    const tags = this.byArn.get(arn);
    if (tags === undefined) throw notFound(resourceTypeOfArn(arn), arn);
    return tags;
  }

  tag(arn: string, tags: Tags): void {
    Object.assign(this.of(arn), tags);
  }

  untag(arn: string, keys: readonly string[]): void {
    const tags = this.of(arn);
    for (const key of keys) delete tags[key];
  }
}

// Tag filters: a resource matches when it carries every filter tag with exactly that value.
import type { Tags } from './service.ts';

/** matchesTags keeps the rule of AwsCheck.spec.tags: all filter tags, exact values. */
export function matchesTags(tags: Tags, filter: Tags): boolean {
  return Object.entries(filter).every(([key, value]) => tags[key] === value);
}

/** tagsFromList turns AWS's `[{Key, Value}]` tag lists into Tags; a tag without a key is skipped. */
export function tagsFromList(
  list: readonly { readonly Key?: string | undefined; readonly Value?: string | undefined }[] = [],
): Tags {
  const tags: Record<string, string> = {};
  for (const { Key, Value } of list) if (Key !== undefined) tags[Key] = Value ?? '';
  return tags;
}

/** ec2TagFilters turns a tag filter into EC2's server-side `tag:<key>` filters. */
export function ec2TagFilters(filter: Tags): { Name: string; Values: string[] }[] {
  return Object.entries(filter).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }));
}

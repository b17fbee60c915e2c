/**
 * One of `count` disjoint parts of the streams, by the last character of the stream's name. UUIDs
 * end in a hex digit and synthetic ids in a decimal one, so both spread evenly; every name falls
 * in exactly one part.
 */
export interface StreamPartition {
  readonly index: number;
  readonly count: number;
}

const HEX_DIGITS = '0123456789abcdefABCDEF';

/**
 * The last characters partition `index` takes: hex digits by value modulo `count`. Partition 0
 * also takes every character no other partition names (`takesOthers`).
 */
export function partitionCharacters({ index, count }: StreamPartition): {
  readonly chars: readonly string[];
  /** The characters of every other partition (partition 0 takes whatever is not among them). */
  readonly othersChars: readonly string[];
  readonly takesOthers: boolean;
} {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`no partition ${index} of ${count}`);
  }
  const chars: string[] = [];
  const othersChars: string[] = [];
  for (const char of HEX_DIGITS) {
    (Number.parseInt(char, 16) % count === index ? chars : othersChars).push(char);
  }
  return { chars, othersChars, takesOthers: index === 0 };
}

/** The partition as a regular expression on stream names (a filter on `$all`). */
export function partitionRegex(partition: StreamPartition): string {
  if (partition.count === 1) return '.*';
  const { chars, othersChars, takesOthers } = partitionCharacters(partition);
  return takesOthers ? `[^${othersChars.join('')}]$` : `[${chars.join('')}]$`;
}

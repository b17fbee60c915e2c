import type { EventFilter } from './event-store.port';

/** The store's own events (`$`-prefixed types or streams) that `$all` readers never see. */
export function isSystemEvent(stream: string, type: string): boolean {
  return type.startsWith('$') || stream.startsWith('$');
}

/** A predicate for the events a filter lets through, system events always excluded. */
export function eventMatcher(filter: EventFilter | undefined): (stream: string, type: string) => boolean {
  if (!filter) return (stream, type) => !isSystemEvent(stream, type);
  const pick = filter.on === 'streamName' ? (stream: string) => stream : (_: string, type: string) => type;
  if ('prefixes' in filter) {
    const prefixes = [...filter.prefixes];
    return (stream, type) =>
      !isSystemEvent(stream, type) && prefixes.some((prefix) => pick(stream, type).startsWith(prefix));
  }
  const regex = new RegExp(filter.regex);
  return (stream, type) => !isSystemEvent(stream, type) && regex.test(pick(stream, type));
}

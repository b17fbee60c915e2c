import { projectionKeys } from '../../engine/keys';
import type { ReadModelReader } from '../../read-model-reader';
import { MARAC_PROJECTION, maracKeys, type MaracMeetingView } from './marac.projection';

const READS = [MARAC_PROJECTION];

/** The MARAC meetings a case is listed at, oldest first. */
export async function meetingsOfCase(read: ReadModelReader, caseId: string): Promise<MaracMeetingView[]> {
  const prefix = await read.prefix(READS);
  const ids = await read.redis.zrange(`${prefix}:${maracKeys.caseMeetings(caseId)}`, '0', '-1');
  return meetings(read, ids, prefix);
}

/** Meetings by id, in one read; unknown ids are left out. */
export async function meetingsById(read: ReadModelReader, ids: readonly string[]): Promise<MaracMeetingView[]> {
  return meetings(read, ids, await read.prefix(READS));
}

/** The meetings of an area, by date: the one before a given meeting is its "last meeting". */
export async function meetingIdsOfArea(read: ReadModelReader, area: string): Promise<string[]> {
  return read.redis.zrange(`${await read.prefix(READS)}:${maracKeys.areaMeetings(area)}`, '0', '-1');
}

async function meetings(read: ReadModelReader, ids: readonly string[], prefix: string): Promise<MaracMeetingView[]> {
  if (ids.length === 0) return [];
  const keys = projectionKeys(prefix, MARAC_PROJECTION);
  const values = await read.redis.mget(...ids.map((id) => keys.state(id)));
  return values.flatMap((json) => (json ? [JSON.parse(json) as MaracMeetingView] : []));
}

import { upcast } from '@app/case-domain';
import type { RecordedEvent } from '@app/event-store';
import type { ProjectedEvent } from './projection';

interface Metadata {
  readonly schemaVersion?: number;
  readonly recordedAt?: string;
  readonly actor?: ProjectedActor;
}
type ProjectedActor = { readonly userId: string; readonly role: string; readonly agency: string };

/** The event at the current schema version of its type, with when and by whom from its metadata. */
export function toProjectedEvent(recorded: RecordedEvent): ProjectedEvent {
  const metadata = (
    typeof recorded.metadata === 'object' && recorded.metadata !== null ? recorded.metadata : {}
  ) as Metadata;
  const recordedAt = metadata.recordedAt ?? recorded.recordedAt.toISOString();
  let data: unknown;
  let unreadable: Error | undefined;
  try {
    data = upcast(recorded.type, recorded.data, metadata.schemaVersion ?? 1, { recordedAt });
  } catch (error) {
    unreadable = error instanceof Error ? error : new Error(JSON.stringify(error));
  }
  return {
    id: recorded.id,
    type: recorded.type,
    // An event this code cannot read fails only the projections that read its data.
    get data(): unknown {
      if (unreadable) throw unreadable;
      return data;
    },
    stream: recorded.stream,
    revision: recorded.revision,
    position: recorded.position,
    recordedAt,
    actor: metadata.actor,
  };
}

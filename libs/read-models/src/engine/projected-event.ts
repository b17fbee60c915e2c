import { upcast } from '@app/case-domain';
import type { Position, RecordedEvent } from '@app/event-store';
import type { ProjectedEvent } from './projection';

interface Metadata {
  readonly schemaVersion?: number;
  readonly recordedAt?: string;
  readonly actor?: ProjectedActor;
}
type ProjectedActor = { readonly userId: string; readonly role: string; readonly agency: string };

/**
 * An event as projections read it. Its data is brought up to the current schema version the first
 * time a projection reads it, once for all of them; an event no projection reads the data of (a
 * stream none of them follows, a type they ignore) is never upcast.
 */
class Projected implements ProjectedEvent {
  readonly id: string;
  readonly type: string;
  readonly stream: string;
  readonly revision: bigint;
  readonly position: Position;
  readonly recordedAt: string;
  readonly actor: ProjectedActor | undefined;
  private stored: unknown;
  private readonly schemaVersion: number;
  private upcast: 'no' | 'yes' | 'failed' = 'no';

  constructor(recorded: RecordedEvent, metadata: Metadata) {
    this.id = recorded.id;
    this.type = recorded.type;
    this.stream = recorded.stream;
    this.revision = recorded.revision;
    this.position = recorded.position;
    this.recordedAt = metadata.recordedAt ?? recorded.recordedAt.toISOString();
    this.actor = metadata.actor;
    this.stored = recorded.data;
    this.schemaVersion = metadata.schemaVersion ?? 1;
  }

  /** The data at the current schema version; an event this code cannot read fails only the projections that read it. */
  get data(): unknown {
    if (this.upcast === 'no') {
      try {
        this.stored = upcast(this.type, this.stored, this.schemaVersion, { recordedAt: this.recordedAt });
        this.upcast = 'yes';
      } catch (error) {
        this.stored = error instanceof Error ? error : new Error(JSON.stringify(error));
        this.upcast = 'failed';
      }
    }
    if (this.upcast === 'failed') throw this.stored as Error;
    return this.stored;
  }
}

/** The event at the current schema version of its type, with when and by whom from its metadata. */
export function toProjectedEvent(recorded: RecordedEvent): ProjectedEvent {
  const metadata = (
    typeof recorded.metadata === 'object' && recorded.metadata !== null ? recorded.metadata : {}
  ) as Metadata;
  return new Projected(recorded, metadata);
}

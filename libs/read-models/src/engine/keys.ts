/**
 * Where read models live in Redis. Every projection writes under a generation prefix
 * (`<root>:g<n>:`); readers follow `<root>:active`. A rebuild fills a new generation beside the
 * live one and moves `<root>:active` to it in one step.
 */
export class ReadModelKeys {
  constructor(readonly root: string) {}

  /** The generation readers use (a number; absent means 1). */
  get active(): string {
    return `${this.root}:active`;
  }
  /** The generation a rebuild is filling, while it runs. */
  get building(): string {
    return `${this.root}:building`;
  }
  get generationCounter(): string {
    return `${this.root}:generations`;
  }
  /** Held by the one worker that runs the live projections. */
  get lock(): string {
    return `${this.root}:lock:projections`;
  }
  get rebuildLock(): string {
    return `${this.root}:lock:rebuild`;
  }
  generation(generation: number): string {
    return `${this.root}:g${generation}`;
  }
}

/** The keys of one projection within one generation. */
export const projectionKeys = (generationPrefix: string, projection: string) => ({
  checkpoint: `${generationPrefix}:projection:${projection}:checkpoint`,
  status: `${generationPrefix}:projection:${projection}:status`,
  /** Set while the projection replays from position zero: the store's head it must reach (see `readiness.ts`). */
  replayingTo: `${generationPrefix}:projection:${projection}:replaying-to`,
  /** Set when a runner started it without a checkpoint on an empty store: built, with nothing in it yet. */
  startedEmpty: `${generationPrefix}:projection:${projection}:started-empty`,
  state: (entity: string) => `${generationPrefix}:${projection}:state:${entity}`,
});

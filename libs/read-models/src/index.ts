export * from './runner/projection';
export * from './runner/keys';
export * from './runner/projection-runner';
export * from './runner/projection-worker';
export * from './runner/rebuild';
export * from './runner/generations';
export * from './runner/batches';

export * from './read-log';
export * from './read-log-index';

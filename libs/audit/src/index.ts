export * from './chain';
export * from './merkle';
export * from './tree-heads';
export * from './bundle';
export * from './read-log';

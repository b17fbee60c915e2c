export * from './merkle';
export * from './tree-heads';

export * from './tree-head';
export * from './signing-key';
export * from './development-signing-key';
export * from './signing-policy';
export * from './tree-head-store.port';
export * from './sqlite-tree-head-store';

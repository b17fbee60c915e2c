export * from './disclosure-bundle';

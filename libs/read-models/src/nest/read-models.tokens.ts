import type { AppConfig } from '@app/platform/config/app-config';

export const READ_MODELS = Symbol('READ_MODELS');
export const PROJECTIONS = Symbol('PROJECTIONS');

/** Where this deployment's read models live in Redis. */
export const readModelRoot = (config: AppConfig) => `${config.redisKeyPrefix}:rm`;

import type { Cluster, Redis } from 'ioredis';

/** Injection token of the one shared ioredis client (sessions and health use it). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** A standalone/Sentinel client or a Cluster client: the commands this service uses exist on both. */
export type RedisClient = Redis | Cluster;

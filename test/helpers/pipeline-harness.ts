/**
 * Pipelines for engine tests: fast service defaults (short flush interval
 * and backoff), a captured logger, and every pipeline a test made stopped
 * after it, so a failing test does not leave plugins running.
 */
import { afterEach } from 'vitest';
import { Pipeline, type PipelineConfig, type ServiceConfig } from '../../src/index.js';
import { captureLogger } from './capture-logger.js';

export const fastService: ServiceConfig = { flush: 0.05, grace: 5, schedulerBase: 0.01, schedulerCap: 0.05 };

/** Call once per test file; returns the factory the tests make pipelines with. */
export function pipelineHarness(service: ServiceConfig = fastService): (config: PipelineConfig) => Pipeline {
  let running: Pipeline[] = [];
  afterEach(async () => {
    await Promise.all(running.map((p) => p.stop()));
    running = [];
  });
  return (config) => {
    const p = new Pipeline({ logger: captureLogger().logger, ...config, service: { ...service, ...config.service } });
    running.push(p);
    return p;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

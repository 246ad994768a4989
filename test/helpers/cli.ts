/**
 * The flbhost command as users start it (bin/flbhost.js, a real child
 * process), for tests that send it real signals and read its exit code.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export const flbhostBin = join(repoRoot, 'bin', 'flbhost.js');

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code, or null when a signal killed it. */
  exit: Promise<number | null>;
  /** True until the process has exited. */
  running(): boolean;
}

/** Runs flbhost to completion. */
export function runCli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [flbhostBin, ...args], {
    encoding: 'utf8',
    input: options.input,
    env: options.env ?? process.env,
    timeout: options.timeout ?? 30_000,
  });
}

/** Starts flbhost and collects its output as it comes. */
export function startCli(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): RunningCli {
  const child = spawn(process.execPath, [flbhostBin, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
  let out = '';
  let err = '';
  let exited = false;
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  return { child, stdout: () => out, stderr: () => err, exit, running: () => !exited };
}

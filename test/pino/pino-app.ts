/**
 * Runs test/fixtures/js/pino-app.mjs (an application logging through
 * flbhost/pino) in a child process and checks what reached the output.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';

export interface AppSpec {
  options: Record<string, unknown>;
  lines?: number;
  burstEvery?: number;
  burst?: number;
  invalid?: number;
  labels?: boolean;
  flat?: boolean;
  exit?: 'end' | 'exit' | 'natural' | 'keep';
  waitReady?: boolean;
}

export interface AppRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** flbhost's own JSON lines on stderr. */
  logs: Array<Record<string, unknown>>;
}

const script = join(repoRoot, 'test', 'fixtures', 'js', 'pino-app.mjs');

/** The time pino-app.mjs logs line i at (epoch ms). */
export const timeOf = (i: number): number => 1700000000000 + i * 37;

/**
 * Starts the app; `whileRunning` may act on it (e.g. close its stdin for
 * exit 'keep'). Resolves when it has exited; fails after `timeoutMs`.
 */
export function runApp(spec: AppSpec, timeoutMs = 60_000, whileRunning?: (child: ReturnType<typeof spawn>) => void): Promise<AppRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, JSON.stringify(spec)], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (data: Buffer) => (stdout += data));
    child.stderr!.on('data', (data: Buffer) => (stderr += data));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the app did not exit within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr.slice(-3000)}`));
    }, timeoutMs);
    whileRunning?.(child);
    child.on('exit', (status, signal) => {
      clearTimeout(timer);
      // Let the pipes finish.
      setImmediate(() => resolve({ status, signal, stdout, stderr, logs: jsonLines(stderr) }));
    });
  });
}

/**
 * flbhost's JSON lines in stderr. An isolated plugin's own stderr (a Go
 * panic's trace) is passed through on the same fd by another writer, so a
 * log line may follow a partial line of it: each is looked for within lines.
 */
function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .map((line) => line.slice(Math.max(0, line.indexOf('{"level":'))))
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** The transport's closing report among flbhost's lines. */
export function closingReport(run: AppRun): Record<string, unknown> | undefined {
  return run.logs.find((line) => line.name === 'flbhost/pino' && typeof line.msg === 'string' && line.msg.startsWith('closed:'));
}

// The Go input fixture for the bench, built (and cached) the way the tests
// build it: go build -buildmode=c-shared against the real fluent-bit-go.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export function goFixture(name) {
  const out = join(root, 'build', 'bench', 'go', `${name}.so`);
  if (!existsSync(out)) {
    mkdirSync(join(root, 'build', 'bench', 'go'), { recursive: true });
    execFileSync('go', ['build', '-buildmode=c-shared', '-trimpath', '-buildvcs=false', '-o', out, `./${name}`], {
      cwd: join(root, 'test', 'fixtures', 'go'),
      env: { ...process.env, CGO_ENABLED: '1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return out;
}

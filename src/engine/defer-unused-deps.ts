import { createRequire } from 'node:module';

/**
 * dockerode loads gRPC and protobuf (for BuildKit sessions, which deployctl never opens) and
 * docker-modem loads ssh2 (only for `DOCKER_HOST=ssh://`) when they are first required: about
 * 130 ms of every command's start-up, a quarter of a no-op plan. This module, imported before
 * dockerode, registers stand-ins for them in the CommonJS cache that load the real package on
 * first use, so the code paths that need them still work unchanged and the rest never pays.
 * If a package cannot be resolved from where its user would resolve it, nothing is deferred.
 */

type CjsModule = { id: string; filename: string; loaded: boolean; exports: unknown };

const requireHere = createRequire(import.meta.url);

/**
 * Puts a stand-in for `request` (as resolved from `fromFile`) into the require cache.
 * `members: 'call'` is for modules whose users read a class at load time (`require('ssh2').Client`)
 * and only construct it later: every member is then a function that loads the module when
 * called or constructed. Otherwise reading any member loads it.
 */
function defer(fromFile: string, request: string, members: 'read' | 'call'): void {
  const req = createRequire(fromFile);
  const file = req.resolve(request);
  const cache = req.cache as Record<string, CjsModule | undefined>;
  if (cache[file]) return;
  let real: Record<string | symbol, unknown> | undefined;
  const load = (): Record<string | symbol, unknown> => {
    if (!real) {
      delete cache[file];
      real = req(file) as Record<string | symbol, unknown>;
    }
    return real;
  };
  const exports = new Proxy(
    {},
    {
      get(_target, prop) {
        if (members === 'read' || typeof prop === 'symbol') return load()[prop];
        return function deferred(this: unknown, ...args: unknown[]): unknown {
          const member = load()[prop] as (...a: unknown[]) => unknown;
          // `new Client()` builds a real Client (its own prototype), not an instance of this stand-in.
          return new.target ? Reflect.construct(member, args) : member.apply(this, args);
        };
      },
    },
  );
  cache[file] = { id: file, filename: file, loaded: true, exports };
}

try {
  const dockerode = requireHere.resolve('dockerode');
  defer(dockerode, '@grpc/grpc-js', 'read');
  defer(dockerode, '@grpc/proto-loader', 'read');
  const modem = createRequire(dockerode).resolve('docker-modem');
  defer(modem, 'ssh2', 'call');
} catch {
  // A layout where these do not resolve loads them eagerly, as dockerode does by itself.
}

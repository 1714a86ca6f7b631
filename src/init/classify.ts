import type { Conversion } from './context.js';
import { statefulKind } from './known-images.js';
import { isObj, type Obj, type Role } from './model.js';

export interface Classified {
  role: Role;
  reason: string;
}

/**
 * Stateful services become infra (fixed name, protected, never recreated by a deploy): an
 * explicit container_name, a well-known database / cache / search / broker / proxy image, or a
 * named volume mounted writable (data lives there). Everything else is a disposable app.
 * A service extending an infra service is infra too, since it inherits its fixed name.
 */
export function classifyServices(services: Obj, conv: Conversion): Map<string, Classified> {
  const out = new Map<string, Classified>();
  const visit = (name: string, seen: Set<string>): Classified => {
    const known = out.get(name);
    if (known) return known;
    const svc = isObj(services[name]) ? services[name] : {};
    const own = classifyOne(svc, conv);
    let result = own;
    const base = extendsBase(svc);
    if (own.role === 'app' && base !== undefined && isObj(services[base]) && !seen.has(base)) {
      const inherited = visit(base, new Set([...seen, name]));
      if (inherited.role === 'infra') result = { role: 'infra', reason: `extends infra service ${base}` };
    }
    out.set(name, result);
    return result;
  };
  for (const name of Object.keys(services)) visit(name, new Set([name]));
  return out;
}

function extendsBase(svc: Obj): string | undefined {
  const ext = svc.extends;
  if (typeof ext === 'string') return ext;
  return isObj(ext) && typeof ext.service === 'string' && ext.file === undefined ? ext.service : undefined;
}

function classifyOne(svc: Obj, conv: Conversion): Classified {
  if (typeof svc.container_name === 'string')
    return { role: 'infra', reason: `explicit container_name ${svc.container_name}` };
  const image = typeof svc.image === 'string' ? conv.value(svc.image) : '';
  const kind = image ? statefulKind(image) : undefined;
  if (kind) return { role: 'infra', reason: `${image} is a well-known ${kind} image` };
  const volume = writableNamedVolume(svc.volumes);
  if (volume) return { role: 'infra', reason: `keeps data in named volume ${volume}` };
  return { role: 'app', reason: svc.build !== undefined ? 'built from source, stateless' : 'stateless' };
}

function writableNamedVolume(volumes: unknown): string | undefined {
  if (!Array.isArray(volumes)) return undefined;
  for (const v of volumes) {
    if (typeof v === 'string') {
      const [source = '', , mode = ''] = v.split(':');
      if (v.includes(':') && !/^[./~$]/.test(source) && !mode.split(',').includes('ro')) return source;
    } else if (isObj(v) && v.type === 'volume' && typeof v.source === 'string' && v.read_only !== true) {
      return v.source;
    }
  }
  return undefined;
}

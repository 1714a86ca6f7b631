import type { RawBytes } from './raw.js';

const UNITS: Record<string, number> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};
// Docker's RAMInBytes: binary units, an optional `i` and `b`, case-insensitive (`512m`, `1GiB`, `100kb`).
const SIZE = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i;

/** A Compose size (`512m`, `1g`, `1.5GiB`, or bytes as a number) in bytes, or an error phrase. */
export function parseBytes(raw: RawBytes): number | string {
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw) || raw < 0) return 'must be a whole number of bytes';
    return raw <= Number.MAX_SAFE_INTEGER ? raw : TOO_LARGE;
  }
  const m = SIZE.exec(raw.trim());
  if (!m) return `is not a size: write it like 512m, 1g, 100k or a number of bytes`;
  const unit = UNITS[(m[2] ?? '').toLowerCase()] ?? 1;
  const bytes = Math.floor(Number(m[1]) * unit);
  return bytes <= Number.MAX_SAFE_INTEGER ? bytes : TOO_LARGE;
}

// Past 2^53 bytes (8 PiB) a number is no longer exact, and no host has that much of anything.
const TOO_LARGE = 'is more than 8 PiB, beyond any real limit; check the unit';

const MAX_CPUS = 1_000_000;

/** `cpus: 1.5` / `"0.5"` in nano-CPUs, as the engine's NanoCpus takes them. */
export function parseCpus(raw: number | string): number | string {
  const value = typeof raw === 'number' ? raw : Number(raw.trim());
  if (!Number.isFinite(value) || value < 0 || (typeof raw === 'string' && raw.trim() === '')) {
    return 'must be a number of CPUs, e.g. 0.5 or 2';
  }
  // The engine takes nano-CPUs as an int64; a million CPUs is far beyond any host.
  if (value > MAX_CPUS) return `is more than ${MAX_CPUS} CPUs; check the value`;
  return Math.round(value * 1e9);
}

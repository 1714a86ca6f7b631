import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { isEngineError } from '../../../src/engine/engine-error.js';
import { CappedCollector, TailBuffer } from '../../../src/engine/exec-sinks.js';

describe('TailBuffer', () => {
  it('keeps everything under the limit', () => {
    const t = new TailBuffer(10);
    t.add(Buffer.from('abc'));
    t.add(Buffer.from('def'));
    expect(t.toString()).toBe('abcdef');
  });

  it('keeps exactly the last `limit` bytes of a long stream', () => {
    const t = new TailBuffer(1000);
    let all = '';
    for (let i = 0; i < 5000; i++) {
      const line = `line ${i}\n`;
      all += line;
      t.add(Buffer.from(line));
    }
    expect(t.toString()).toBe(all.slice(-1000));
  });
});

describe('CappedCollector', () => {
  it('collects output below the cap', async () => {
    const c = new CappedCollector(100, 'run psql in container db');
    await pipeline(Readable.from([Buffer.from('one '), Buffer.from('two')]), c);
    expect(c.text()).toBe('one two');
  });

  it('fails clearly past the cap instead of growing', async () => {
    const c = new CappedCollector(2 * 1024 * 1024, 'run pg_dump in container db');
    const big = Readable.from(Array.from({ length: 5 }, () => Buffer.alloc(1024 * 1024)));
    const err = await pipeline(big, c).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isEngineError(err, 'other')).toBe(true);
    expect((err as Error).message).toMatch(/could not run pg_dump in container db: its output passed 2 MiB/);
  });
});

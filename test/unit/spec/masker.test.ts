import { describe, expect, it } from 'vitest';
import { MASK, createMasker } from '../../../src/spec/masker.js';

describe('createMasker', () => {
  it('replaces every occurrence of every secret', () => {
    const mask = createMasker(['hunter22', 'sk_live_1']);
    expect(mask('pw=hunter22 key=sk_live_1 again hunter22')).toBe(`pw=${MASK} key=${MASK} again ${MASK}`);
  });

  it('masks the longest secret first, so a secret containing another is masked whole', () => {
    const mask = createMasker(['pass', 'postgres://u:pass@db/x']);
    expect(mask('url postgres://u:pass@db/x and pass')).toBe('url (sensitive) and (sensitive)');
  });

  it('leaves values shorter than 4 characters alone (they would mask ordinary words)', () => {
    const mask = createMasker(['abc', '', 'abcd']);
    expect(mask('abc abcd')).toBe('abc (sensitive)');
  });

  it('treats regular-expression characters literally', () => {
    const mask = createMasker(['a.b*c(d)$']);
    expect(mask('x a.b*c(d)$ y aXbbc(d)$')).toBe('x (sensitive) y aXbbc(d)$');
  });

  it('cannot be tricked by a secret that is part of the mask itself', () => {
    const mask = createMasker(['sens', 'itive', 'secret-value']);
    expect(mask('secret-value and sens')).toBe('(sensitive) and (sensitive)');
  });

  it('returns text unchanged without secrets', () => {
    expect(createMasker([])('anything')).toBe('anything');
  });
});

import { describe, expect, it } from 'vitest';
import { compareVersions, detect, loadRepository, vulnerableLibraries } from './retire.js';

describe('retire.js matching', () => {
  const repo = loadRepository();

  it('orders versions as releases read', () => {
    const sorted = ['1.10.0', '1.9.0', '1.9.0b1', '1.9.0-rc.1', '2.0', '1.9.1'].sort(compareVersions);
    expect(sorted).toEqual(['1.9.0b1', '1.9.0-rc.1', '1.9.0', '1.9.1', '1.10.0', '2.0']);
  });

  it('recognises a library by its file name, by its banner, and not at all when neither says', () => {
    expect(detect(repo, 'https://cdn.example.com/js/jquery-1.8.3.min.js')).toEqual([
      { name: 'jquery', version: '1.8.3', url: 'https://cdn.example.com/js/jquery-1.8.3.min.js' },
    ]);
    expect(detect(repo, '/app.js', Buffer.from('/*! jQuery v3.4.1 | (c) JS Foundation */'))[0]?.version).toBe('3.4.1');
    expect(detect(repo, '/app.js', Buffer.from('console.log("hello")'))).toEqual([]);
  });

  it('reports advisories only for versions inside their ranges', () => {
    const old = vulnerableLibraries(repo, [{ name: 'jquery', version: '3.4.1', url: '/j.js' }]);
    expect(old[0]?.evidence).toContain('CVE-2020-11022');
    expect(old[0]?.evidence).not.toContain('CVE-2012-6708');
    expect(vulnerableLibraries(repo, [{ name: 'jquery', version: '3.7.1', url: '/j.js' }])).toEqual([]);
  });
});

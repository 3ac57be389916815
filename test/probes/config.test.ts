import { describe, expect, it } from 'vitest';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase } from '../support/databases.js';

const file = (monitor: string, locations = '[eu-north, us-east, us-west]') => `
locations: ${locations}
sites:
  - name: Shop
    monitors:
      - { name: Home, type: http, url: 'https://shop.example.com/', ${monitor} }
`;
const problem = (yaml: string) => {
  try {
    config(yaml);
  } catch (err) {
    return (err as Error & { details?: { path: string; message: string }[] }).details ?? (err as Error).message;
  }
  return 'no problem';
};

describe('locations in upkeep.yaml', () => {
  it('takes declared locations and "local", with a majority as the default quorum', () => {
    const loaded = config(file('locations: [local, eu-north, us-east]'));
    expect(loaded.config.locations).toEqual(['eu-north', 'us-east', 'us-west']);
    expect(loaded.config.sites[0]!.monitors[0]).toMatchObject({ locations: ['local', 'eu-north', 'us-east'] });
  });

  it('names the path of an unknown location, a quorum above the locations, a location twice', () => {
    expect(JSON.stringify(problem(file('locations: [eu-north, ap-south]')))).toContain('sites[0].monitors[0].locations[1]');
    expect(JSON.stringify(problem(file('locations: [eu-north, ap-south]')))).toContain(
      'unknown location \\"ap-south\\": declare it under locations: (declared: eu-north, us-east, us-west), or use \\"local\\"',
    );
    expect(JSON.stringify(problem(file('locations: [eu-north, us-east], quorum: 3')))).toContain("the quorum (3) is more than the monitor's 2 locations");
    expect(JSON.stringify(problem(file('quorum: 2')))).toContain('a quorum needs \\"locations\\"');
    expect(JSON.stringify(problem(file('locations: [eu-north, eu-north]')))).toContain('location \\"eu-north\\" is named twice');
    expect(JSON.stringify(problem(file('locations: [local]', '[local]')))).toContain('\\"local\\" is this server');
  });

  it('exports the locations its monitors and probes use, so the exported file loads and applies unchanged', async () => {
    const db = await createTestDatabase('sqlite');
    const core = await openTestCore(db);
    try {
      await core.sync.apply(config(file('locations: [local, eu-north, us-east]')), { dryRun: false });
      const exported = await core.exportConfig({ includeSecrets: false });
      expect(exported.yaml).toMatch(/^locations:\n {2}- eu-north\n {2}- us-east\n/m);
      expect((await core.sync.apply(config(exported.yaml), { dryRun: false })).items).toEqual([]);
    } finally {
      await core.close();
      await db.cleanup();
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { AppError } from '../../src/lib/errors.js';
import { config } from '../support/core.js';

const refused = (yaml: string) => {
  try {
    config(yaml);
  } catch (err) {
    return (err as AppError).details.map((d) => `${d.path} ${d.message}`);
  }
  throw new Error('the config was accepted');
};

describe('routines and feedback in upkeep.yaml', () => {
  it('names what they refer to that is not in the file, and routines named twice on a site', () => {
    const messages = refused(`
sites: [{ name: Shop }]
channels: []
routines:
  - { site: Shop, name: Care, template: starter, rrule: "FREQ=WEEKLY;BYDAY=MO", channels: [pager] }
  - { site: Shop, name: Care, template: starter, rrule: "FREQ=WEEKLY;BYDAY=TU" }
  - { site: Blog, name: Care, items: [Look], rrule: "FREQ=MONTHLY" }
feedback: { channels: [ops] }
`).join('\n');
    expect(messages).toMatch(/routines\[0\]\.channels\[0\].*no channel is named "pager"/);
    expect(messages).toMatch(/routines\[1\]\.name.*site "Shop" has another routine named "Care"/);
    expect(messages).toMatch(/routines\[2\]\.site.*no site is named "Blog"/);
    expect(messages).toMatch(/feedback\.channels\[0\].*no channel is named "ops"/);
  });

  it('a routine needs a checklist and a rule it understands', () => {
    const messages = refused(`
sites: [{ name: Shop }]
routines: [{ site: Shop, name: Care, rrule: "FREQ=NEVER" }]
`).join('\n');
    expect(messages).toMatch(/a routine needs a template or its own items/);
    expect(messages).toMatch(/expected an RRULE/);
  });
});

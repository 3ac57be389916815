/** The events a channel can have its own templates for: `incident.opened` is `opened`. */
export const templateKeys = ['opened', 'updated', 'acknowledged', 'resolved', 'reminder', 'notice', 'test'] as const;
export type TemplateKey = (typeof templateKeys)[number];

// What every message says about the incident. Plain text only, no markup: the same default must read
// well in an email, a Slack message, a push notification and a PagerDuty summary.
const details = `{{incident.summary}}
Site: {{site.name}}{{#site.url}} ({{site.url}}){{/site.url}}
Severity: {{incident.severity}}
{{#monitors}}
• {{name}} ({{type}}): {{status}}, {{message}}
{{/monitors}}
{{#incident.owner}}
Owner: {{incident.owner}}
{{/incident.owner}}
{{#incident.runbook}}
Runbook: {{incident.runbook}}
{{/incident.runbook}}`;

const links = `{{#incident.acknowledgeUrl}}
Acknowledge: {{incident.acknowledgeUrl}}
{{/incident.acknowledgeUrl}}
{{#incident.url}}
Details: {{incident.url}}
{{/incident.url}}`;

/** The built-in title and body of each event; a channel's `templates` replace them field by field. */
export const defaultTemplates: Record<TemplateKey, { title: string; body: string }> = {
  opened: {
    title: '🔴 {{incident.title}}',
    body: `Opened {{incident.openedAt}}\n${details}\n${links}`,
  },
  updated: {
    title: '🟠 Updated: {{incident.title}}',
    body: `Updated {{occurredAt}}\n${details}\n${links}`,
  },
  acknowledged: {
    title: '🟡 Acknowledged: {{incident.title}}',
    body: `Acknowledged {{incident.acknowledgedAt}}{{#incident.owner}} by {{incident.owner}}{{/incident.owner}}
{{incident.summary}}
Site: {{site.name}}
{{#incident.url}}
Details: {{incident.url}}
{{/incident.url}}`,
  },
  resolved: {
    title: '✅ Resolved: {{incident.title}}',
    body: `Resolved {{incident.resolvedAt}} (opened {{incident.openedAt}})
{{incident.summary}}
Site: {{site.name}}
{{#incident.url}}
Details: {{incident.url}}
{{/incident.url}}`,
  },
  reminder: {
    title: '🔴 Still open: {{incident.title}}',
    body: `Open since {{incident.openedAt}}, status {{incident.status}}\n${details}\n${links}`,
  },
  notice: {
    title: '🔔 {{incident.title}}',
    body: `{{incident.summary}}
Site: {{site.name}}{{#site.url}} ({{site.url}}){{/site.url}}
{{#incident.url}}
Details: {{incident.url}}
{{/incident.url}}`,
  },
  test: {
    title: 'Test notification from Upkeep',
    body: `This is a test: the channel works. Nothing is wrong with {{site.name}}.
Sample incident: {{incident.title}}
{{#monitors}}
• {{name}}: {{message}}
{{/monitors}}`,
  },
};

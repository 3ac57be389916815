/** The report's languages: what `language:` accepts. */
export const languages = ['en', 'sv', 'de'] as const;
export type Language = (typeof languages)[number];

/** The locale whose number and date conventions each language's report follows. */
export const localeOf: Record<Language, string> = { en: 'en-GB', sv: 'sv-SE', de: 'de-DE' };

const en = {
  title: 'Monthly report',
  mailSubject: '{title}: monthly report for {month}',
  mailBody: 'The monthly report of {title} for {month} is attached (PDF).',
  generated: 'generated {at}',
  preparedBy: 'Prepared by {agency}',
  owner: 'Owner',
  noOwner: 'no owner',
  summary: '{met} of {goals} goals met; {incidents} incidents lasting {duration} in total.',
  goals: 'Goals',
  noGoals: 'No goals are set for this site.',
  goal: 'Goal',
  target: 'Target',
  attained: 'Attained',
  result: 'Result',
  budgetLeft: 'Budget left',
  met: 'met',
  missed: 'missed',
  notMeasured: 'not measured',
  noChecks: 'no checks',
  uptime: 'Uptime and response times',
  monitor: 'Monitor',
  checks: 'Checks',
  uptimeColumn: 'Uptime',
  median: 'p50',
  p95: 'p95',
  incidents: 'Incidents',
  noIncidents: 'No incidents this month.',
  incident: 'Incident',
  severity: 'Severity',
  opened: 'Opened',
  duration: 'Duration',
  postmortem: 'Postmortem',
  open: 'still open',
  maintenance: 'Maintenance done',
  noMaintenance: 'No maintenance windows this month.',
  window: 'Window',
  from: 'From',
  to: 'To',
  updates: 'Updates',
  updatesNotSetUp: 'Updates are not set up for this site.',
  applied: 'Update runs this month',
  noRuns: 'No update runs this month.',
  when: 'When',
  outcome: 'Outcome',
  pending: 'Updates pending',
  noPending: 'Nothing is waiting for an update.',
  component: 'Component',
  installed: 'Installed',
  latest: 'Latest',
  backups: 'Backups and restore drills',
  noBackups: 'No backups are set up for this site.',
  job: 'Job',
  drillOf: 'restore drill of {job}',
  succeeded: 'Succeeded',
  failed: 'Failed',
  lastSuccess: 'Last success',
  never: 'never',
  audits: 'Audit scores',
  noAudits: 'No audits this month.',
  score: 'Score',
  now: 'Now',
  before: 'Before',
  findingsFixed: 'Findings fixed',
  findingsNew: 'New findings',
  none: 'none',
  actions: 'Recommended actions',
  noActions: 'Nothing needs doing.',
  actionEol: 'Upgrade {name} {version}: it is past its end of life.',
  actionMissedTwice: 'Goal "{goal}" was missed two months in a row: look at its causes.',
  actionNoDrill: 'No restore drill succeeded in the last 31 days: run one.',
  actionNoOwner: 'Give the site an owner.',
  actionFindings: 'Fix the {count} new audit findings.',
  'run.succeeded': 'applied',
  'run.failed': 'failed, nothing changed',
  'run.rolled_back': 'rolled back',
  'run.rollback_failed': 'rollback failed',
  'run.running': 'running',
};

export type Messages = typeof en;

const sv: Messages = {
  title: 'Månadsrapport',
  mailSubject: '{title}: månadsrapport för {month}',
  mailBody: 'Månadsrapporten för {title} för {month} finns bifogad (PDF).',
  generated: 'skapad {at}',
  preparedBy: 'Framtagen av {agency}',
  owner: 'Ansvarig',
  noOwner: 'ingen ansvarig',
  summary: '{met} av {goals} mål uppnådda; {incidents} incidenter som varade {duration} sammanlagt.',
  goals: 'Mål',
  noGoals: 'Inga mål är satta för webbplatsen.',
  goal: 'Mål',
  target: 'Målvärde',
  attained: 'Uppnått',
  result: 'Resultat',
  budgetLeft: 'Kvar av felbudgeten',
  met: 'uppnått',
  missed: 'missat',
  notMeasured: 'ej mätt',
  noChecks: 'inga kontroller',
  uptime: 'Tillgänglighet och svarstider',
  monitor: 'Övervakning',
  checks: 'Kontroller',
  uptimeColumn: 'Tillgänglighet',
  median: 'p50',
  p95: 'p95',
  incidents: 'Incidenter',
  noIncidents: 'Inga incidenter denna månad.',
  incident: 'Incident',
  severity: 'Allvarlighetsgrad',
  opened: 'Öppnad',
  duration: 'Varaktighet',
  postmortem: 'Efteranalys',
  open: 'fortfarande öppen',
  maintenance: 'Utfört underhåll',
  noMaintenance: 'Inga underhållsfönster denna månad.',
  window: 'Fönster',
  from: 'Från',
  to: 'Till',
  updates: 'Uppdateringar',
  updatesNotSetUp: 'Uppdateringar är inte inställda för webbplatsen.',
  applied: 'Uppdateringskörningar denna månad',
  noRuns: 'Inga uppdateringskörningar denna månad.',
  when: 'När',
  outcome: 'Utfall',
  pending: 'Väntande uppdateringar',
  noPending: 'Inget väntar på uppdatering.',
  component: 'Komponent',
  installed: 'Installerad',
  latest: 'Senaste',
  backups: 'Säkerhetskopior och återställningsövningar',
  noBackups: 'Inga säkerhetskopior är inställda för webbplatsen.',
  job: 'Jobb',
  drillOf: 'återställningsövning för {job}',
  succeeded: 'Lyckade',
  failed: 'Misslyckade',
  lastSuccess: 'Senast lyckad',
  never: 'aldrig',
  audits: 'Granskningsresultat',
  noAudits: 'Inga granskningar denna månad.',
  score: 'Poäng',
  now: 'Nu',
  before: 'Före',
  findingsFixed: 'Åtgärdade fynd',
  findingsNew: 'Nya fynd',
  none: 'inga',
  actions: 'Rekommenderade åtgärder',
  noActions: 'Inget behöver göras.',
  actionEol: 'Uppgradera {name} {version}: den har passerat sitt slut på support.',
  actionMissedTwice: 'Målet "{goal}" missades två månader i rad: undersök orsakerna.',
  actionNoDrill: 'Ingen återställningsövning har lyckats de senaste 31 dagarna: gör en.',
  actionNoOwner: 'Ge webbplatsen en ansvarig.',
  actionFindings: 'Åtgärda de {count} nya fynden från granskningen.',
  'run.succeeded': 'genomförd',
  'run.failed': 'misslyckad, inget ändrat',
  'run.rolled_back': 'återställd',
  'run.rollback_failed': 'återställning misslyckad',
  'run.running': 'pågår',
};

const de: Messages = {
  title: 'Monatsbericht',
  mailSubject: '{title}: Monatsbericht für {month}',
  mailBody: 'Der Monatsbericht von {title} für {month} ist angehängt (PDF).',
  generated: 'erstellt am {at}',
  preparedBy: 'Erstellt von {agency}',
  owner: 'Verantwortlich',
  noOwner: 'niemand verantwortlich',
  summary: '{met} von {goals} Zielen erreicht; {incidents} Störungen mit insgesamt {duration} Dauer.',
  goals: 'Ziele',
  noGoals: 'Für diese Website sind keine Ziele gesetzt.',
  goal: 'Ziel',
  target: 'Zielwert',
  attained: 'Erreicht',
  result: 'Ergebnis',
  budgetLeft: 'Restliches Fehlerbudget',
  met: 'erreicht',
  missed: 'verfehlt',
  notMeasured: 'nicht gemessen',
  noChecks: 'keine Prüfungen',
  uptime: 'Verfügbarkeit und Antwortzeiten',
  monitor: 'Überwachung',
  checks: 'Prüfungen',
  uptimeColumn: 'Verfügbarkeit',
  median: 'p50',
  p95: 'p95',
  incidents: 'Störungen',
  noIncidents: 'Keine Störungen in diesem Monat.',
  incident: 'Störung',
  severity: 'Schweregrad',
  opened: 'Begonnen',
  duration: 'Dauer',
  postmortem: 'Nachbetrachtung',
  open: 'noch offen',
  maintenance: 'Durchgeführte Wartung',
  noMaintenance: 'Keine Wartungsfenster in diesem Monat.',
  window: 'Fenster',
  from: 'Von',
  to: 'Bis',
  updates: 'Aktualisierungen',
  updatesNotSetUp: 'Aktualisierungen sind für diese Website nicht eingerichtet.',
  applied: 'Aktualisierungsläufe in diesem Monat',
  noRuns: 'Keine Aktualisierungsläufe in diesem Monat.',
  when: 'Wann',
  outcome: 'Ergebnis',
  pending: 'Ausstehende Aktualisierungen',
  noPending: 'Nichts wartet auf eine Aktualisierung.',
  component: 'Komponente',
  installed: 'Installiert',
  latest: 'Neueste',
  backups: 'Sicherungen und Wiederherstellungsübungen',
  noBackups: 'Für diese Website sind keine Sicherungen eingerichtet.',
  job: 'Auftrag',
  drillOf: 'Wiederherstellungsübung für {job}',
  succeeded: 'Erfolgreich',
  failed: 'Fehlgeschlagen',
  lastSuccess: 'Zuletzt erfolgreich',
  never: 'nie',
  audits: 'Prüfergebnisse',
  noAudits: 'Keine Audits in diesem Monat.',
  score: 'Wert',
  now: 'Jetzt',
  before: 'Vorher',
  findingsFixed: 'Behobene Befunde',
  findingsNew: 'Neue Befunde',
  none: 'keine',
  actions: 'Empfohlene Maßnahmen',
  noActions: 'Es ist nichts zu tun.',
  actionEol: '{name} {version} aktualisieren: das Ende der Unterstützung ist überschritten.',
  actionMissedTwice: 'Das Ziel "{goal}" wurde zwei Monate in Folge verfehlt: Ursachen prüfen.',
  actionNoDrill: 'In den letzten 31 Tagen ist keine Wiederherstellungsübung gelungen: eine durchführen.',
  actionNoOwner: 'Der Website eine verantwortliche Person zuweisen.',
  actionFindings: 'Die {count} neuen Befunde des Audits beheben.',
  'run.succeeded': 'angewendet',
  'run.failed': 'fehlgeschlagen, nichts geändert',
  'run.rolled_back': 'zurückgesetzt',
  'run.rollback_failed': 'Zurücksetzen fehlgeschlagen',
  'run.running': 'läuft',
};

export const catalogue: Record<Language, Messages> = { en, sv, de };

/** A message with its `{name}` placeholders filled (values are text already formatted for the locale). */
export function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

/** Numbers and dates written the way a reader of the language expects, in the report's time zone. */
export class Locale {
  readonly m: Messages;
  private readonly locale: string;
  private readonly dates: Intl.DateTimeFormat;
  private readonly days: Intl.DateTimeFormat;

  constructor(
    readonly language: Language,
    readonly timezone: string,
  ) {
    this.m = catalogue[language];
    this.locale = localeOf[language];
    this.dates = new Intl.DateTimeFormat(this.locale, { timeZone: timezone, dateStyle: 'medium', timeStyle: 'short' });
    this.days = new Intl.DateTimeFormat(this.locale, { timeZone: timezone, dateStyle: 'medium' });
  }

  number(v: number, digits = 0): string {
    return new Intl.NumberFormat(this.locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
  }

  percent(v: number, digits: number): string {
    return `${this.number(v, digits)} %`;
  }

  dateTime(at: number): string {
    return this.dates.format(at);
  }

  day(at: number): string {
    return this.days.format(at);
  }

  /** "October 2026", "oktober 2026", "Oktober 2026": the month of `at` in the report's time zone. */
  month(at: number): string {
    return new Intl.DateTimeFormat(this.locale, { timeZone: this.timezone, month: 'long', year: 'numeric' }).format(at);
  }
}

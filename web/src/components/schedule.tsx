import { Field } from './form';

export type Frequency = 'weekly' | 'monthly' | 'quarterly' | 'yearly' | 'custom';

/** A schedule as a person picks it: how often, which day, what time; "custom" keeps a hand-written RRULE. */
export interface Schedule {
  frequency: Frequency;
  /** MO…SU for weekly. */
  weekday: string;
  /** 1–28 for monthly, quarterly and yearly (28 so every month has it). */
  monthDay: number;
  /** 1–12 for yearly. */
  month: number;
  /** "HH:MM" on the wall clock of the time zone. */
  time: string;
  rrule: string;
}

export const weekdays = [
  ['MO', 'Monday'],
  ['TU', 'Tuesday'],
  ['WE', 'Wednesday'],
  ['TH', 'Thursday'],
  ['FR', 'Friday'],
  ['SA', 'Saturday'],
  ['SU', 'Sunday'],
] as const;
const months = Array.from({ length: 12 }, (_, i) => new Date(2000, i, 1).toLocaleString(undefined, { month: 'long' }));
/** Quarterly is four fixed months a year, so it does not depend on when the rule was written. */
const QUARTER_MONTHS = '1,4,7,10';

/** The RRULE of a schedule (the server checks it and computes due times in the time zone, DST included). */
export function ruleOf(s: Schedule): string {
  if (s.frequency === 'custom') return s.rrule.trim();
  const [h = '9', m = '0'] = s.time.split(':');
  const at = `BYHOUR=${Number(h)};BYMINUTE=${Number(m)}`;
  if (s.frequency === 'weekly') return `FREQ=WEEKLY;BYDAY=${s.weekday};${at}`;
  if (s.frequency === 'monthly') return `FREQ=MONTHLY;BYMONTHDAY=${s.monthDay};${at}`;
  if (s.frequency === 'quarterly') return `FREQ=YEARLY;BYMONTH=${QUARTER_MONTHS};BYMONTHDAY=${s.monthDay};${at}`;
  return `FREQ=YEARLY;BYMONTH=${s.month};BYMONTHDAY=${s.monthDay};${at}`;
}

const pad = (n: string | undefined) => (n ?? '0').padStart(2, '0');

/** The schedule a stored RRULE reads as: one of the presets when it is one, else "custom" with the rule as written. */
export function scheduleOf(rrule: string | undefined): Schedule {
  const base: Schedule = { frequency: 'weekly', weekday: 'MO', monthDay: 1, month: 1, time: '09:00', rrule: rrule ?? '' };
  if (!rrule) return base;
  const parts = Object.fromEntries(rrule.split(';').map((p) => p.split('=') as [string, string]));
  const keys = Object.keys(parts).sort().join(',');
  const time = `${pad(parts.BYHOUR)}:${pad(parts.BYMINUTE)}`;
  const day = Number(parts.BYMONTHDAY);
  const preset = { ...base, time, monthDay: day || 1 };
  if (parts.FREQ === 'WEEKLY' && keys === 'BYDAY,BYHOUR,BYMINUTE,FREQ' && weekdays.some(([d]) => d === parts.BYDAY))
    return { ...preset, frequency: 'weekly', weekday: parts.BYDAY! };
  if (day >= 1 && day <= 28) {
    if (parts.FREQ === 'MONTHLY' && keys === 'BYHOUR,BYMINUTE,BYMONTHDAY,FREQ') return { ...preset, frequency: 'monthly' };
    if (parts.FREQ === 'YEARLY' && keys === 'BYHOUR,BYMINUTE,BYMONTH,BYMONTHDAY,FREQ') {
      if (parts.BYMONTH === QUARTER_MONTHS) return { ...preset, frequency: 'quarterly' };
      const month = Number(parts.BYMONTH);
      if (month >= 1 && month <= 12) return { ...preset, frequency: 'yearly', month };
    }
  }
  return { ...base, frequency: 'custom' };
}

/** Every IANA time zone the browser knows (the server checks it too). */
export const timeZones: readonly string[] = (() => {
  const all = Intl.supportedValuesOf('timeZone');
  return all.includes('UTC') ? all : ['UTC', ...all];
})();

/** The fields of a schedule: how often, the day, the time, the time zone; the RRULE they make is shown. */
export function SchedulePicker({
  value,
  timezone,
  onChange,
  onTimezone,
  error,
  timezoneError,
}: {
  value: Schedule;
  timezone: string;
  onChange: (s: Schedule) => void;
  onTimezone: (tz: string) => void;
  error: string | undefined;
  timezoneError: string | undefined;
}) {
  const set = (patch: Partial<Schedule>) => onChange({ ...value, ...patch });
  const f = value.frequency;
  return (
    <fieldset className="wide">
      <legend>Schedule</legend>
      <div className="grid-3">
        <Field label="Repeats">
          {(p) => (
            <select {...p} value={f} onChange={(e) => set({ frequency: e.target.value as Frequency, rrule: f === 'custom' ? value.rrule : ruleOf(value) })}>
              <option value="weekly">weekly</option>
              <option value="monthly">monthly</option>
              <option value="quarterly">quarterly (Jan, Apr, Jul, Oct)</option>
              <option value="yearly">yearly</option>
              <option value="custom">custom RRULE</option>
            </select>
          )}
        </Field>
        {f === 'weekly' ? (
          <Field label="Day of the week">
            {(p) => (
              <select {...p} value={value.weekday} onChange={(e) => set({ weekday: e.target.value })}>
                {weekdays.map(([code, name]) => (
                  <option key={code} value={code}>
                    {name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        {f === 'yearly' ? (
          <Field label="Month">
            {(p) => (
              <select {...p} value={value.month} onChange={(e) => set({ month: Number(e.target.value) })}>
                {months.map((name, i) => (
                  <option key={name} value={i + 1}>
                    {name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        {f === 'monthly' || f === 'quarterly' || f === 'yearly' ? (
          <Field label="Day of the month" hint="1–28, so every month has it">
            {(p) => <input {...p} type="number" min={1} max={28} value={value.monthDay} onChange={(e) => set({ monthDay: Number(e.target.value) })} />}
          </Field>
        ) : null}
        {f === 'custom' ? (
          <Field label="RRULE" error={error} hint="e.g. FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=9;BYMINUTE=0">
            {(p) => <input {...p} value={value.rrule} onChange={(e) => set({ rrule: e.target.value })} required />}
          </Field>
        ) : (
          <Field label="Time" error={error}>
            {(p) => <input {...p} type="time" value={value.time} onChange={(e) => set({ time: e.target.value })} required />}
          </Field>
        )}
        <Field label="Time zone" error={timezoneError}>
          {(p) => (
            <select {...p} value={timezone} onChange={(e) => onTimezone(e.target.value)}>
              {(timeZones.includes(timezone) ? timeZones : [timezone, ...timeZones]).map((tz) => (
                <option key={tz}>{tz}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <p className="hint">
        Rule: <code data-rrule>{ruleOf(value)}</code>
      </p>
    </fieldset>
  );
}

import type { CheckResultsTable } from '../db/types.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { PHASES } from './rollups.js';

/**
 * One monitor's checks of one hour, packed: a raw row keeps only what changed since the check before
 * it. Times are differences of differences (a monitor on a fixed schedule costs a byte), latency and
 * phases differences from the last value, the status code and message only when they change (an
 * ordinary success has no message: it is rebuilt when read), and `detail` only as the fields that
 * changed. Each block stands alone, so any hour reads without its neighbours.
 *
 * Per check: a head byte (status, how detail, message and status code changed, whether the set of
 * timings present changed), then the time, the timings and whatever changed.
 */
const VERSION = 1;

const enum Detail {
  Same = 0,
  Null = 1,
  Full = 2,
  Patch = 3,
}
const enum Message {
  None = 0,
  Same = 1,
  New = 2,
}

type Timed = 'duration_ms' | (typeof PHASES)[number];
const TIMED: readonly Timed[] = ['duration_ms', ...PHASES];

/** Which timings a row has, one bit each (duration first). */
const shapeOf = (row: CheckResultsTable) => TIMED.reduce((bits, key, i) => (row[key] === null ? bits : bits | (1 << i)), 0);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How `next` is written after `prev`: the same, null, in full, or as the fields that changed. */
function detailChange(prev: string | null, next: string | null): { kind: Detail; text?: string } {
  if (next === prev) return { kind: Detail.Same };
  if (next === null) return { kind: Detail.Null };
  const before: unknown = prev === null ? null : JSON.parse(prev);
  const after: unknown = JSON.parse(next);
  if (!isObject(before) || !isObject(after) || Object.keys(before).some((k) => !(k in after))) return { kind: Detail.Full, text: next };
  const changed = Object.keys(after).filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]));
  if (!changed.length) return { kind: Detail.Same };
  const patch = JSON.stringify(Object.fromEntries(changed.map((k) => [k, after[k]])));
  return patch.length < next.length ? { kind: Detail.Patch, text: patch } : { kind: Detail.Full, text: next };
}

/** Packs rows of one monitor whose times lie in [start, start + 1 h), in any order; equal times keep the first. */
export function encodeChecks(start: number, rows: readonly CheckResultsTable[]): Buffer {
  const sorted = [...rows].sort((a, b) => a.at - b.at).filter((r, i, all) => i === 0 || r.at !== all[i - 1]!.at);
  const w = new ByteWriter(16 + sorted.length * 12);
  w.uint(VERSION);
  w.uint(sorted.length);
  let at = start;
  let step = 0;
  let shape = 0;
  const last = new Array<number>(TIMED.length).fill(0);
  let code: number | null = null;
  let message: string | null = null;
  let detail: string | null = null;
  for (const row of sorted) {
    const rowShape = shapeOf(row);
    const d = detailChange(detail, row.detail);
    const m = row.message === null ? Message.None : row.message === message ? Message.Same : Message.New;
    const codeChanged = row.status_code !== code;
    w.uint(row.status | (d.kind << 2) | (m << 4) | (Number(codeChanged) << 6) | (Number(rowShape !== shape) << 7));
    w.int(row.at - at - step);
    step = row.at - at;
    at = row.at;
    if (rowShape !== shape) w.uint((shape = rowShape));
    TIMED.forEach((key, i) => {
      const v = row[key];
      if (v === null) return;
      w.int(v - last[i]!);
      last[i] = v;
    });
    if (codeChanged) w.uint((code = row.status_code) === null ? 0 : code + 1);
    if (m === Message.New) w.text(row.message!);
    if (row.message !== null) message = row.message;
    if (d.text !== undefined) w.text(d.text);
    detail = row.detail;
  }
  return w.finish();
}

/**
 * Unpacks a block into rows as `check_results` holds them. `details: false` skips rebuilding `detail`
 * and messages (rolling up and counting need only status and timings).
 */
export function decodeChecks(monitorId: number, start: number, data: Uint8Array, details = true): CheckResultsTable[] {
  const r = new ByteReader(data);
  if (r.uint() !== VERSION) throw new RangeError('unknown version of packed results');
  const rows: CheckResultsTable[] = [];
  let at = start;
  let step = 0;
  let shape = 0;
  const last = new Array<number>(TIMED.length).fill(0);
  let code: number | null = null;
  let message: string | null = null;
  let detail: Json | null = null;
  for (let n = r.uint(); n > 0; n--) {
    const head = r.uint();
    step += r.int();
    at += step;
    if (head & 0x80) shape = r.uint();
    const row: CheckResultsTable = {
      monitor_id: monitorId,
      at,
      status: (head & 3) as CheckResultsTable['status'],
      duration_ms: null,
      dns_ms: null,
      connect_ms: null,
      tls_ms: null,
      ttfb_ms: null,
      transfer_ms: null,
      status_code: null,
      message: null,
      detail: null,
    };
    TIMED.forEach((key, i) => {
      if (shape & (1 << i)) row[key] = last[i] = last[i]! + r.int();
    });
    if (head & 0x40) {
      const c = r.uint();
      code = c === 0 ? null : c - 1;
    }
    row.status_code = code;
    const m = ((head >> 4) & 3) as Message;
    if (m === Message.New) {
      if (details) message = r.text();
      else r.skipText();
    }
    if (m !== Message.None) row.message = message;
    const kind = ((head >> 2) & 3) as Detail;
    if (!details) {
      if (kind === Detail.Full || kind === Detail.Patch) r.skipText();
    } else {
      if (kind === Detail.Null) detail = null;
      else if (kind === Detail.Full) detail = JSON.parse(r.text()) as Json;
      else if (kind === Detail.Patch) detail = { ...(detail ?? {}), ...(JSON.parse(r.text()) as Json) };
      row.detail = detail === null ? null : JSON.stringify(detail);
    }
    rows.push(row);
  }
  return rows;
}

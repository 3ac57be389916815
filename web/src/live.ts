import { useEffect, useEffectEvent, useState } from 'react';

/** A monitor changed status. */
export interface MonitorEvent {
  monitorId: number;
  siteId: number;
  from: string;
  to: string;
  message: string;
  at: string;
}
/** An incident of a site opened, changed or resolved. */
export interface IncidentEvent {
  siteId: number;
  incidentId?: number;
  status?: string;
}
/** A visitor's report arrived on a site. */
export interface FeedbackEvent {
  siteId: number;
  feedbackId: number;
  spike: boolean;
}
export type LiveEvent = { type: 'monitor'; data: MonitorEvent } | { type: 'incident'; data: IncidentEvent } | { type: 'feedback'; data: FeedbackEvent };

type Listener = (event: LiveEvent) => void;
const listeners = new Set<Listener>();
const stateListeners = new Set<(connected: boolean) => void>();
let source: EventSource | null = null;
let connected = false;

function setConnected(value: boolean) {
  connected = value;
  stateListeners.forEach((l) => l(value));
}

/** Opens the one stream of server-sent events for the whole app (EventSource reconnects by itself). */
export function startLive(): void {
  if (source) return;
  source = new EventSource('/api/v1/stream');
  source.onopen = () => setConnected(true);
  source.onerror = () => setConnected(false);
  for (const type of ['monitor', 'incident', 'feedback'] as const) {
    source.addEventListener(type, (e) => {
      const data = JSON.parse((e as MessageEvent<string>).data) as never;
      listeners.forEach((l) => l({ type, data }));
    });
  }
}

export function stopLive(): void {
  source?.close();
  source = null;
  setConnected(false);
}

/** Calls `handler` for every live event while the component is shown. */
export function useLive(handler: Listener): void {
  const onEvent = useEffectEvent(handler);
  useEffect(() => {
    const l: Listener = (e) => onEvent(e);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
}

/** Whether the live stream is connected, for the indicator in the header. */
export function useLiveConnected(): boolean {
  const [value, setValue] = useState(connected);
  useEffect(() => {
    stateListeners.add(setValue);
    return () => void stateListeners.delete(setValue);
  }, []);
  return value;
}

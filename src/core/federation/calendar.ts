// Who is active when: weekly windows in the persona's time zone, with dated exceptions that override them; and
// setting a persona's calendar.
import { FederationError } from '../errors';
import type { FederationContext } from './context';
import { requirePersona } from './context';
import { PersonaCalendar, PersonaCalendarSchema, WEEKDAYS, Weekday } from './state/schemas';

interface LocalTime {
  day: Weekday;
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localTime(at: Date, timezone: string | undefined): LocalTime {
  const key = timezone ?? '';
  let fmt = formatters.get(key);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(key, fmt);
  }
  const parts = fmt.formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = get('weekday').slice(0, 3).toLowerCase() as Weekday;
  return { day, minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** A persona with no calendar is always available. */
export function isAvailable(calendar: PersonaCalendar | undefined, at: Date): boolean {
  if (!calendar) return true;
  const t = at.getTime();
  // The latest-starting exception that covers `at` wins, so a short override inside a long one applies.
  const covering = calendar.exceptions
    .filter((x) => Date.parse(x.from) <= t && t < Date.parse(x.to))
    .sort((a, b) => Date.parse(b.from) - Date.parse(a.from));
  if (covering.length > 0) return covering[0]!.available;
  const local = localTime(at, calendar.timezone);
  return calendar.weekly.some((w) => {
    if (!w.days.includes(local.day)) return false;
    const start = toMinutes(w.start);
    const end = toMinutes(w.end);
    return start <= end ? local.minutes >= start && local.minutes < end : local.minutes >= start || local.minutes < end;
  });
}

/** A one-line summary for tooltips: "mon–fri 09:00–17:00 (Europe/Berlin); 1 exception". */
export function describeCalendar(calendar: PersonaCalendar | undefined): string {
  if (!calendar) return 'always available (no calendar entry)';
  const windows = calendar.weekly.map((w) => `${compactDays(w.days)} ${w.start}–${w.end}`).join(', ') || 'no weekly windows';
  const zone = calendar.timezone ? ` (${calendar.timezone})` : '';
  const ex = calendar.exceptions.length ? `; ${calendar.exceptions.length} exception${calendar.exceptions.length > 1 ? 's' : ''}` : '';
  return `${windows}${zone}${ex}`;
}

function compactDays(days: readonly Weekday[]): string {
  const idx = [...new Set(days)].map((d) => WEEKDAYS.indexOf(d)).sort((a, b) => a - b);
  const contiguous = idx.length > 2 && idx.every((v, i) => i === 0 || v === idx[i - 1]! + 1);
  return contiguous ? `${WEEKDAYS[idx[0]!]}–${WEEKDAYS[idx[idx.length - 1]!]}` : idx.map((i) => WEEKDAYS[i]).join(',');
}

/** Sets (or, with null, removes) a persona's calendar. */
export async function setCalendar(ctx: FederationContext, personaId: string, calendar: PersonaCalendar | null): Promise<void> {
  if (calendar) {
    // What is written must read back: a calendar.json that breaks its schema is refused by every reader.
    const checked = PersonaCalendarSchema.safeParse(calendar);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      const field = issue.path.map(String).join('.');
      throw new FederationError('invalid-input', `Calendar of ${personaId}: ${field ? `field "${field}": ` : ''}${issue.message}.`, { field, persona: personaId });
    }
    calendar = checked.data;
  }
  await ctx.store.transaction(async (tx) => {
    requirePersona((await tx.get('personas')).personas, personaId);
    const file = await tx.get('calendar');
    if (calendar) file.calendars[personaId] = calendar;
    else delete file.calendars[personaId];
    tx.set('calendar', file);
  });
}

import { DateTime } from 'luxon';

/** The viewer's own zone, as the browser knows it. */
export const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** "Tue 3 Mar, 09:00" in the viewer's zone. */
export function localTime(iso: string): string {
  return DateTime.fromISO(iso).setZone(viewerZone).toFormat('ccc d LLL, HH:mm');
}

/** "09:00 Europe/Rome" in the channel's zone. */
export function zonedTime(iso: string, zone: string): string {
  return `${DateTime.fromISO(iso).setZone(zone).toFormat('ccc d LLL, HH:mm')} ${zone}`;
}

/** The time in the viewer's zone, plus the channel's wall clock when the zones differ. */
export function bothZones(iso: string, channelZone: string): string {
  const here = localTime(iso);
  const there = DateTime.fromISO(iso).setZone(channelZone);
  const sameClock = there.toFormat('ccc d LLL, HH:mm') === here;
  return sameClock ? `${here} (${channelZone})` : `${here} your time · ${zonedTime(iso, channelZone)}`;
}

/** A range such as "Mon 2 Mar, 09:00 – Wed 4 Mar, 12:00" in the viewer's zone. */
export function localRange(fromIso: string, toIso: string): string {
  return `${localTime(fromIso)} – ${localTime(toIso)}`;
}

/** The value of an <input type="datetime-local"> for an instant, in the viewer's zone. */
export function toLocalInput(iso: string): string {
  return DateTime.fromISO(iso).setZone(viewerZone).toFormat("yyyy-LL-dd'T'HH:mm");
}

/** The instant an <input type="datetime-local"> value means in the viewer's zone; null when empty or invalid. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const dt = DateTime.fromISO(value, { zone: viewerZone });
  return dt.isValid ? dt.toUTC().toISO() : null;
}

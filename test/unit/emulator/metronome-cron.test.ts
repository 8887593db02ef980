import { describe, expect, it } from 'vitest';
import { cronText, isKnownZone, nextExecution, parseCron } from '../../../emulator/src/metronome/cron.js';

const next = (expr: string, zone: string, after: string) => {
  const c = parseCron(expr);
  if (!c) throw new Error(`refused: ${expr}`);
  const t = nextExecution(c, zone, Date.parse(after));
  return t === undefined ? undefined : new Date(t).toISOString();
};

describe("Metronome's cron dialect", () => {
  it('accepts five fields and an optional year, and refuses what cron-utils refuses', () => {
    expect(parseCron('* * * * *')).toBeDefined();
    expect(parseCron('0 12 * * * 2030')).toBeDefined();
    expect(parseCron('*/15 1-5 L * 1#2')).toBeDefined();
    for (const bad of ['wrong cron', '* * * *', '0 0 * * * * *', '60 * * * *', '0 24 * * *', '0 0 ? * *', '@daily', '0 0 * * 8']) {
      expect(parseCron(bad), bad).toBeUndefined();
    }
  });

  it('refuses a day that none of the months has, such as February 31', () => {
    expect(parseCron('0 0 31 2 *')).toBeUndefined();
    expect(parseCron('0 0 30 2 *')).toBeUndefined();
    expect(parseCron('0 0 29 2 *')).toBeDefined();
    expect(parseCron('0 0 31 1 *')).toBeDefined();
  });

  it("reads L alone in day-of-week as cron-utils' 7: every Sunday", () => {
    expect(cronText(parseCron('0 0 * * L')!)).toBe('0 0 * * 0');
    // 2026-12-02 is a Wednesday: the next two matches are the Sundays 6 and 13 December
    expect(next('0 0 * * L', 'UTC', '2026-12-02T10:00:00Z')).toBe('2026-12-06T00:00:00.000Z');
    expect(next('0 0 * * L', 'UTC', '2026-12-06T00:00:00Z')).toBe('2026-12-13T00:00:00.000Z');
  });

  it('echoes names as numbers and a single Sunday 7 as 0', () => {
    expect(cronText(parseCron('0  0 * JAN MON')!)).toBe('0 0 * 1 1');
    expect(cronText(parseCron('0 0 * * 7')!)).toBe('0 0 * * 0');
    expect(cronText(parseCron('*/5 1-5 * * *')!)).toBe('*/5 1-5 * * *');
  });

  it('finds the next minute strictly after now', () => {
    expect(next('* * * * *', 'UTC', '2024-05-01T10:00:00.000Z')).toBe('2024-05-01T10:01:00.000Z');
    expect(next('* * * * *', 'UTC', '2024-05-01T10:00:30.000Z')).toBe('2024-05-01T10:01:00.000Z');
    expect(next('0 0 1 1 *', 'UTC', '2024-05-01T10:00:00.000Z')).toBe('2025-01-01T00:00:00.000Z');
  });

  it('takes Sunday as 0 or 7 (2024-05-05 is a Sunday)', () => {
    expect(next('0 6 * * 0', 'UTC', '2024-05-01T00:00:00Z')).toBe('2024-05-05T06:00:00.000Z');
    expect(next('0 6 * * 7', 'UTC', '2024-05-01T00:00:00Z')).toBe('2024-05-05T06:00:00.000Z');
    expect(next('0 6 * * 5-7', 'UTC', '2024-05-04T07:00:00Z')).toBe('2024-05-05T06:00:00.000Z');
  });

  it('needs BOTH day fields when both are restricted (Friday the 13th), unlike Vixie cron', () => {
    // 2024-09-13 is the next Friday the 13th after June 2024
    expect(next('0 0 13 * 5', 'UTC', '2024-06-01T00:00:00Z')).toBe('2024-09-13T00:00:00.000Z');
  });

  it('supports L, W and #', () => {
    expect(next('0 0 L * *', 'UTC', '2024-02-01T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
    // 2024-06-15 is a Saturday: the nearest weekday is Friday the 14th
    expect(next('0 0 15W * *', 'UTC', '2024-06-01T00:00:00Z')).toBe('2024-06-14T00:00:00.000Z');
    // the second Monday of June 2024 is the 10th
    expect(next('0 0 * * 1#2', 'UTC', '2024-06-01T00:00:00Z')).toBe('2024-06-10T00:00:00.000Z');
    // the last Friday of June 2024 is the 28th
    expect(next('0 0 * * 5L', 'UTC', '2024-06-01T00:00:00Z')).toBe('2024-06-28T00:00:00.000Z');
  });

  it('reads the expression in the schedule time zone', () => {
    expect(next('0 9 * * *', 'Europe/Berlin', '2024-01-10T12:00:00Z')).toBe('2024-01-11T08:00:00.000Z');
    expect(next('0 9 * * *', 'Europe/Berlin', '2024-07-10T12:00:00Z')).toBe('2024-07-11T07:00:00.000Z');
    expect(next('0 0 * * *', 'Asia/Kolkata', '2024-07-10T12:00:00Z')).toBe('2024-07-10T18:30:00.000Z');
  });

  it('moves a time in the spring-forward gap later by the gap, as java.time does', () => {
    // 2024-03-10 02:30 does not exist in New York: 03:30 EDT = 07:30Z
    expect(next('30 2 * * *', 'America/New_York', '2024-03-10T05:00:00Z')).toBe('2024-03-10T07:30:00.000Z');
  });

  it('fires an ambiguous fall-back time once, at the earlier offset', () => {
    // 2024-11-03 01:30 happens twice in New York; the first is 05:30Z (EDT)
    expect(next('30 1 * * *', 'America/New_York', '2024-11-03T04:00:00Z')).toBe('2024-11-03T05:30:00.000Z');
    expect(next('30 1 * * *', 'America/New_York', '2024-11-03T05:30:00Z')).toBe('2024-11-04T06:30:00.000Z');
  });

  it('knows the time zones java.time knows, by their exact id', () => {
    for (const z of ['UTC', 'Europe/Berlin', 'America/Chicago', 'US/Eastern']) expect(isKnownZone(z), z).toBe(true);
    for (const z of ['Mars/Base', '+01:00', 'europe/berlin', '']) expect(isKnownZone(z), z).toBe(false);
  });
});

import { numberFrom, type WireNumber } from './api';

/** A learning rate or metric as people read them: 6 significant digits, exponents for the small ones. */
export function formatNumber(value: WireNumber | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const n = numberFrom(value);
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '−∞';
  if (n === 0) return '0';
  const rounded = Number(n.toPrecision(6));
  const magnitude = Math.abs(rounded);
  return magnitude < 1e-3 || magnitude >= 1e6 ? rounded.toExponential() : String(rounded);
}

export function formatLrs(lrs: readonly WireNumber[]): string {
  if (lrs.length === 0) return '—';
  const first = formatNumber(lrs[0]);
  return lrs.length === 1 ? first : `${first} +${lrs.length - 1} group${lrs.length > 2 ? 's' : ''}`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "12 seconds ago", "3 days ago". */
export function timeAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(seconds, 'second');
}

export function formatDate(iso: string): string {
  return new Date(iso).toLocaleString();
}

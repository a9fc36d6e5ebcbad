/** Columns padded to their widest cell, two spaces apart, headers in capitals. */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n') + '\n';
}

/** `12s ago`, `5m ago`, `3h ago`, `2d ago`; `-` when there is no time. */
export function ago(iso: string | undefined, now: number): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.floor(s / 60)}m ago`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** `in 59m`, `in 30s`, `expired` */
export function until(iso: string, now: number): string {
  const s = Math.floor((Date.parse(iso) - now) / 1000);
  if (s <= 0) return 'expired';
  return s < 120 ? `in ${s}s` : `in ${Math.floor(s / 60)}m`;
}

export function clip(text: string | undefined, max = 48): string {
  if (!text) return '-';
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

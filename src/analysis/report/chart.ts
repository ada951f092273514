/** The SVG timeline of the HTML report, drawn here: no chart library, no fonts, nothing fetched. */
import type { TimelineBucket } from './timeline.js';

/** Escapes text for HTML content and quoted attribute values alike. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Text with Markdown code spans (`like this`, as reason-code summaries are written) as HTML:
 * each span a `<code>`, everything escaped first, so markup in the text stays text. An
 * unpaired backtick is shown as it is.
 */
export function inlineCode(text: string): string {
  const parts = text.split('`');
  const paired = parts.length % 2 === 1 ? parts : [...parts.slice(0, -2), `${parts[parts.length - 2]}\`${parts[parts.length - 1]}`];
  return paired.map((p, i) => (i % 2 === 1 ? `<code>${esc(p)}</code>` : esc(p))).join('');
}

const W = 900;
const H = 220;
const PAD = { left: 40, right: 10, top: 22, bottom: 34 };
/** At most this many time labels under the axis, so they never overlap. */
const MAX_TICKS = 7;

/**
 * A stacked bar per bucket (a `g.bar`, even when empty, so bars = buckets), each non-empty
 * one labelled with its count above it and a tooltip naming its families; time labels
 * under the axis at round buckets.
 */
export function timelineSvg(buckets: readonly TimelineBucket[], colors: ReadonlyMap<string, string>): string {
  if (buckets.length === 0) return '<p>The log is empty.</p>';
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / buckets.length;
  const barW = Math.max(1, step * 0.8);
  const y = (n: number) => PAD.top + plotH - (n / max) * plotH;
  const bars = buckets.map((b, i) => {
    const x = (PAD.left + i * step + (step - barW) / 2).toFixed(1);
    let below = 0;
    const rects = Object.entries(b.byFamily).map(([family, n]) => {
      const top = y(below + n);
      const rect = `<rect x="${x}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${(y(below) - top).toFixed(1)}" fill="${colors.get(family) ?? '#888'}" data-family="${esc(family)}" data-count="${n}"></rect>`;
      below += n;
      return rect;
    });
    const tip = `${b.start} – ${b.end}: ${b.count} (${Object.entries(b.byFamily).map(([f, n]) => `${f} ${n}`).join(', ') || 'none'})`;
    const mid = (PAD.left + i * step + step / 2).toFixed(1);
    const count = b.count > 0 ? `<text class="count" x="${mid}" y="${(y(b.count) - 3).toFixed(1)}" text-anchor="middle" font-size="10">${b.count}</text>` : '';
    return `<g class="bar" data-start="${esc(b.start)}" data-count="${b.count}"><title>${esc(tip)}</title>${rects.join('')}${count}</g>`;
  });
  const base = PAD.top + plotH;
  const first = buckets[0]!.start;
  const last = buckets[buckets.length - 1]!.end;
  // Within one day the date goes in the caption once; longer spans label the ticks by date.
  const sameDay = Date.parse(last) - Date.parse(first) <= 86_400_000;
  const label = (iso: string) => (sameDay ? iso.slice(11, 19) : iso.slice(0, 10));
  const caption = `UTC${sameDay ? ` ${first.slice(0, 10)}` : ''}, ${bucketLabel(buckets[0]!)} per bar; the number above a bar is its count of anomalies`;
  const every = Math.ceil((buckets.length + 1) / MAX_TICKS);
  const ticks = [...buckets.map((b) => b.start), last]
    .map((t, i) => ({ t, i }))
    .filter(({ i }) => i % every === 0 || i === buckets.length)
    .filter(({ i }) => i === buckets.length || buckets.length - i >= every / 2) // the last label needs room
    .map(({ t, i }) => {
      const x = PAD.left + i * step;
      const anchor = i === 0 ? 'start' : i === buckets.length ? 'end' : 'middle';
      return `<line x1="${x.toFixed(1)}" y1="${base}" x2="${x.toFixed(1)}" y2="${base + 4}" stroke="#999"></line><text class="tick" x="${x.toFixed(1)}" y="${H - 16}" text-anchor="${anchor}" font-size="11">${esc(label(t))}</text>`;
    });
  return `<svg id="timeline-chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="anomalies per time bucket" data-buckets="${buckets.length}">
<line x1="${PAD.left}" y1="${base}" x2="${W - PAD.right}" y2="${base}" stroke="#999"></line>
<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${base}" stroke="#999"></line>
<text x="${PAD.left - 6}" y="${PAD.top + 10}" text-anchor="end" font-size="11">${max}</text>
<text x="${PAD.left - 6}" y="${base}" text-anchor="end" font-size="11">0</text>
${bars.join('\n')}
${ticks.join('\n')}
<text x="${PAD.left + plotW / 2}" y="${H - 2}" text-anchor="middle" font-size="11">${esc(caption)}</text>
</svg>`;
}

function bucketLabel(b: TimelineBucket): string {
  const s = (Date.parse(b.end) - Date.parse(b.start)) / 1000;
  for (const [unit, secs] of [['d', 86_400], ['h', 3_600], ['min', 60]] as const) if (s >= secs && s % secs === 0) return `${s / secs} ${unit}`;
  return `${s} s`;
}

import type { LabelCurves } from './curves.js';
import { esc } from '../util/escape.js';

/** A plot area inside an SVG, in pixels; values in [0, 1]² map onto it. */
interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

const WIDTH = 320;
const TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];
const AXIS = '#9aa3ad';
const GRID = '#e7eaee';
const MUTED = '#6b7480';

/** Coordinates rounded to 0.1 px keep the markup short. */
const px = (v: number): string => String(Math.round(v * 10) / 10);
const f2 = (v: number): string => v.toFixed(2);
const f3 = (v: number): string => v.toFixed(3);
const X = (b: Box, v: number): string => px(b.left + v * b.width);
const Y = (b: Box, v: number): string => px(b.top + (1 - v) * b.height);

/** Whole counts, shortened to fit under a narrow bar: 950, 1.2k, 12k. */
const count = (n: number): string => (n < 1000 ? String(n) : n < 10_000 ? `${(n / 1000).toFixed(1)}k` : `${Math.round(n / 1000)}k`);

/** Charts with nothing to draw are classed `empty`, so checks do not look for their curve. */
function open(cls: string, id: string, height: number, title: string, desc: string, empty: boolean): string {
  return (
    `<svg class="chart ${cls}${empty ? ' empty' : ''}" id="${id}" role="img" aria-labelledby="${id}-title ${id}-desc" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">` +
    `<title id="${id}-title">${esc(title)}</title><desc id="${id}-desc">${esc(desc)}</desc>`
  );
}

/** Grid lines, the frame, and tick labels (x ticks only when `xTicks`). */
function axes(b: Box, xTicks: boolean): string {
  const parts: string[] = [];
  for (const t of TICKS) {
    parts.push(`<line x1="${X(b, t)}" x2="${X(b, t)}" y1="${px(b.top)}" y2="${px(b.top + b.height)}" stroke="${GRID}"/>`);
    parts.push(`<line x1="${px(b.left)}" x2="${px(b.left + b.width)}" y1="${Y(b, t)}" y2="${Y(b, t)}" stroke="${GRID}"/>`);
    parts.push(`<text x="${px(b.left - 6)}" y="${px(b.top + (1 - t) * b.height + 3.5)}" text-anchor="end">${t}</text>`);
    if (xTicks) parts.push(`<text x="${X(b, t)}" y="${px(b.top + b.height + 15)}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<rect x="${px(b.left)}" y="${px(b.top)}" width="${px(b.width)}" height="${px(b.height)}" fill="none" stroke="${AXIS}"/>`);
  return parts.join('');
}

const yTitle = (b: Box, text: string): string =>
  `<text class="axis-title" transform="translate(13 ${px(b.top + b.height / 2)}) rotate(-90)" text-anchor="middle">${esc(text)}</text>`;
const xTitle = (b: Box, y: number, text: string): string =>
  `<text class="axis-title" x="${px(b.left + b.width / 2)}" y="${px(y)}" text-anchor="middle">${esc(text)}</text>`;

/** The model's decision on a label: its threshold and the precision and recall it gives. */
export interface OperatingPoint {
  threshold: number;
  precision: number;
  recall: number;
}

/**
 * A precision-recall curve as an SVG: the step-wise curve (its area is the average precision),
 * the prevalence baseline, and the model's operating point.
 * @internal
 *
 * Example: prChart('coding', '#59a14f', labelCurves(rows).coding, { threshold: 0.42, precision: 0.9, recall: 0.8 })
 *   // → '<svg class="chart pr-curve" id="pr-coding" …'
 */
export function prChart(label: string, color: string, c: LabelCurves, op: OperatingPoint): string {
  const height = 282;
  const b: Box = { left: 46, top: 44, width: 260, height: 196 };
  const id = `pr-${label}`;
  const ap = c.ap === null ? 'n/a' : f3(c.ap);
  const title = `Precision-recall curve for ${label}`;
  const desc =
    c.ap === null
      ? `No row of ${c.n} carries ${label}, so there is no curve.`
      : `Average precision ${ap} over ${c.n} rows with ${c.positives} positives. At threshold ${f3(op.threshold)} the model has precision ${f3(op.precision)} and recall ${f3(op.recall)}.`;
  const parts = [open('pr-curve', id, height, title, desc, c.ap === null), axes(b, true), yTitle(b, 'precision'), xTitle(b, b.top + b.height + 33, 'recall')];
  const first = c.pr[0];
  if (!first) {
    parts.push(`<text x="${X(b, 0.5)}" y="${Y(b, 0.5)}" text-anchor="middle" fill="${MUTED}">no gold positives</text>`);
  } else {
    const prevalence = c.positives / c.n;
    let line = `M${X(b, 0)} ${Y(b, first.precision)}H${X(b, first.recall)}`;
    for (const p of c.pr.slice(1)) line += `V${Y(b, p.precision)}H${X(b, p.recall)}`;
    parts.push(
      `<line x1="${X(b, 0)}" x2="${X(b, 1)}" y1="${Y(b, prevalence)}" y2="${Y(b, prevalence)}" stroke="${MUTED}" stroke-dasharray="4 3"><title>prevalence ${f3(prevalence)}: a random ranking</title></line>`,
      `<text x="${px(b.left + 4)}" y="${px(b.top + (1 - prevalence) * b.height - 4)}" fill="${MUTED}" class="small halo">prevalence ${f2(prevalence)}</text>`,
      `<path d="${line}V${Y(b, 0)}H${X(b, 0)}Z" fill="${color}" fill-opacity="0.12" stroke="none"/>`,
      `<path d="${line}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"><title>${esc(`${label}: AP ${ap}`)}</title></path>`,
    );
    const ox = b.left + op.recall * b.width;
    const oy = b.top + (1 - op.precision) * b.height;
    const right = op.recall > 0.62;
    parts.push(
      `<circle cx="${px(ox)}" cy="${px(oy)}" r="5.5" fill="${color}" stroke="#1f2328" stroke-width="1.5"><title>${esc(`threshold ${f3(op.threshold)}: precision ${f3(op.precision)}, recall ${f3(op.recall)}`)}</title></circle>`,
      `<text x="${px(ox + (right ? -9 : 9))}" y="${px(oy + (op.precision > 0.12 ? 16 : -9))}" text-anchor="${right ? 'end' : 'start'}" class="small strong halo">t = ${f2(op.threshold)}</text>`,
    );
  }
  parts.push(
    `<g class="legend"><line x1="${b.left}" x2="${b.left + 18}" y1="12" y2="12" stroke="${color}" stroke-width="2.5"/>`,
    `<text x="${b.left + 24}" y="16"><tspan class="strong">AP ${ap}</tspan> · ${c.positives} positive of ${c.n}</text>`,
    `<circle cx="${b.left + 9}" cy="30" r="4.5" fill="${color}" stroke="#1f2328" stroke-width="1.2"/>`,
    `<text x="${b.left + 24}" y="34">threshold ${f3(op.threshold)}: P ${f3(op.precision)} · R ${f3(op.recall)}</text></g>`,
    '</svg>',
  );
  return parts.join('');
}

/**
 * A reliability diagram as an SVG: mean score against observed frequency per bin, the diagonal
 * of perfect calibration, and the rows per bin (log scale) in a strip below.
 * @internal
 *
 * Example: calibrationChart('vision', '#b07aa1', labelCurves(rows).vision)
 *   // → '<svg class="chart calibration" id="cal-vision" …'
 */
export function calibrationChart(label: string, color: string, c: LabelCurves): string {
  const height = 326;
  const b: Box = { left: 46, top: 44, width: 260, height: 186 };
  const strip: Box = { left: b.left, top: b.top + b.height + 10, width: b.width, height: 36 };
  const id = `cal-${label}`;
  const filled = c.calibration.filter((bin) => bin.count > 0);
  const title = `Calibration of ${label} scores`;
  const desc = `Expected calibration error ${f3(c.ece)} over ${c.n} rows. ${filled
    .map((bin) => `Scores ${bin.lo.toFixed(1)}–${bin.hi.toFixed(1)}: ${bin.count} rows, ${f3(bin.observed as number)} observed.`)
    .join(' ')}`;
  const parts = [
    open('calibration', id, height, title, desc, filled.length === 0),
    axes(b, false),
    yTitle(b, 'observed frequency'),
    `<line x1="${X(b, 0)}" y1="${Y(b, 0)}" x2="${X(b, 1)}" y2="${Y(b, 1)}" stroke="${MUTED}" stroke-dasharray="4 3"><title>perfect calibration</title></line>`,
  ];
  const maxCount = Math.max(1, ...c.calibration.map((bin) => bin.count));
  const sy = (v: number): string => px(strip.top + (1 - v) * strip.height);
  parts.push(`<rect x="${px(strip.left)}" y="${px(strip.top)}" width="${px(strip.width)}" height="${px(strip.height)}" fill="none" stroke="${AXIS}"/>`);
  for (const bin of c.calibration) {
    const x0 = b.left + bin.lo * b.width + 1.5;
    const w = (bin.hi - bin.lo) * b.width - 3;
    if (bin.count > 0) {
      const h = Math.log1p(bin.count) / Math.log1p(maxCount);
      parts.push(
        `<rect x="${px(x0)}" y="${sy(h * 0.72)}" width="${px(w)}" height="${px(h * 0.72 * strip.height)}" fill="${color}" fill-opacity="0.35"><title>${esc(`${bin.count} rows scored ${bin.lo.toFixed(1)}–${bin.hi.toFixed(1)}`)}</title></rect>`,
        `<text x="${px(x0 + w / 2)}" y="${px(strip.top + (1 - h * 0.72) * strip.height - 2)}" text-anchor="middle" class="tiny">${count(bin.count)}</text>`,
      );
    }
  }
  for (const t of TICKS) parts.push(`<text x="${X(b, t)}" y="${px(strip.top + strip.height + 14)}" text-anchor="middle">${t}</text>`);
  parts.push(
    `<text class="axis-title" transform="translate(13 ${px(strip.top + strip.height / 2)}) rotate(-90)" text-anchor="middle">rows</text>`,
    xTitle(b, strip.top + strip.height + 32, 'predicted probability (bin mean)'),
  );
  if (filled.length) {
    const pts = filled.map((bin) => [b.left + (bin.meanScore as number) * b.width, b.top + (1 - (bin.observed as number)) * b.height] as const);
    for (const [i, bin] of filled.entries()) {
      const [x, y] = pts[i] as readonly [number, number];
      parts.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${px(y)}" y2="${Y(b, bin.meanScore as number)}" stroke="#d1242f" stroke-opacity="0.45" stroke-width="2"/>`);
    }
    parts.push(`<path d="M${pts.map(([x, y]) => `${px(x)} ${px(y)}`).join('L')}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"/>`);
    for (const [i, bin] of filled.entries()) {
      const [x, y] = pts[i] as readonly [number, number];
      const r = 2.5 + 3 * Math.sqrt(bin.count / maxCount);
      parts.push(
        `<circle cx="${px(x)}" cy="${px(y)}" r="${px(r)}" fill="${color}" stroke="#fff" stroke-width="1"><title>${esc(
          `scores ${bin.lo.toFixed(1)}–${bin.hi.toFixed(1)}: ${bin.count} rows, mean score ${f3(bin.meanScore as number)}, observed ${f3(bin.observed as number)}`,
        )}</title></circle>`,
      );
    }
  } else {
    parts.push(`<text x="${X(b, 0.5)}" y="${Y(b, 0.5)}" text-anchor="middle" fill="${MUTED}">no rows</text>`);
  }
  parts.push(
    `<g class="legend"><line x1="${b.left}" x2="${b.left + 18}" y1="12" y2="12" stroke="${color}" stroke-width="2.5"/>`,
    `<text x="${b.left + 24}" y="16"><tspan class="strong">ECE ${f3(c.ece)}</tspan> · ${c.calibration.length} bins · ${c.n} rows</text>`,
    `<line x1="${b.left}" x2="${b.left + 18}" y1="30" y2="30" stroke="#d1242f" stroke-opacity="0.45" stroke-width="2"/>`,
    `<text x="${b.left + 24}" y="34">gap to the diagonal (dashed: calibrated)</text></g>`,
    '</svg>',
  );
  return parts.join('');
}

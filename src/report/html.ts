import { CLASSES, type EvalClass, type EvalReport } from '../eval/metrics.js';
import type { Evidence } from '../tagger/index.js';
import { LABELS, NONE, type Label } from '../tagger/labels.js';
import { labelCurves, type LabelCurves } from './curves.js';
import type { ReportInput, ReportSlice, WorstError } from './data.js';
import { esc } from '../util/escape.js';
import { calibrationChart, prChart } from './svg.js';

/** F1 below this is flagged for the labelers' attention. */
export const LOW_F1 = 0.75;

const COLORS: Record<EvalClass, string> = {
  reasoning: '#4e79a7',
  tool_use: '#f28e2b',
  coding: '#59a14f',
  vision: '#b07aa1',
  censorship_probing: '#e15759',
  none: '#8c8c8c',
};
const SHORT: Record<Label, string> = { reasoning: 'reason', tool_use: 'tool', coding: 'code', vision: 'vision', censorship_probing: 'censor' };

const f3 = (v: number): string => v.toFixed(3);
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const int = (n: number): string => n.toLocaleString('en-US');
/** A class counts in macro-F1 (and gets flagged) only when it occurs in gold or in predictions. */
const present = (r: EvalReport, c: EvalClass): boolean => r.perClass[c].support > 0 || r.perClass[c].fp > 0;
const chip = (c: EvalClass, cls = '', note = ''): string =>
  `<span class="chip${cls ? ` ${cls}` : ''}" style="--c:${COLORS[c]}"${note ? ` title="${esc(note)}"` : ''}>${c}</span>`;
const num = (sortKey: number, text: string, cls = ''): string => `<td class="num${cls ? ` ${cls}` : ''}" data-v="${sortKey}">${text}</td>`;
const sortTh = (text: string, cls = 'num'): string => `<th scope="col" class="${cls}"><button type="button">${esc(text)}</button></th>`;

/**
 * Render the evaluation report as one self-contained HTML page: inline CSS, inline SVG charts,
 * a few lines of inline script for sorting tables, and nothing fetched from anywhere. Every
 * string from the data is escaped.
 *
 * Example:
 *   renderReport(buildReport(rows, { file: 'dev.jsonl', generated: new Date().toISOString(), model }))
 *   // → '<!doctype html><html lang="en">…'
 */
export function renderReport(input: ReportInput): string {
  const curves = labelCurves(input.scored);
  const { overall } = input;
  const title = `distillscope evaluation: ${input.file}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    header(input),
    '<main>',
    perLabel(overall, input, curves),
    confusion(overall),
    prCurves(input, curves),
    calibration(curves),
    slices(input.slices),
    worst(input),
    '</main>',
    `<footer>Made by distillscope on ${esc(input.generated)}. This page is self-contained: it loads nothing from the network.</footer>`,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function prCurves(input: ReportInput, curves: Record<Label, LabelCurves>): string {
  // The operating point is the one the per-label table reports, read from the labels actually given.
  const charts = LABELS.map((l) => {
    const { precision, recall } = input.overall.perClass[l];
    return figure(l, prChart(l, COLORS[l], curves[l], { threshold: input.model.thresholds[l], precision, recall }));
  });
  return section(
    'pr-curves',
    'Precision-recall curves',
    `<p class="note">Rows ranked by each label's calibrated score. The step curve's area is the average precision (AP); the dot is the model's decision at its threshold; the dashed line is what a random ranking gets.</p>`,
    grid(charts),
  );
}

function calibration(curves: Record<Label, LabelCurves>): string {
  return section(
    'calibration',
    'Calibration',
    `<p class="note">Scores in ten equal bins: where a bin's dot sits on the dashed diagonal, a score of p means the label is right p of the time. Red ticks are the gap; the strip shows how many rows each bin holds (log scale). ECE is the row-weighted mean gap.</p>`,
    grid(LABELS.map((l) => figure(l, calibrationChart(l, COLORS[l], curves[l])))),
  );
}

const section = (id: string, heading: string, ...body: string[]): string =>
  `<section id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${heading}</h2>${body.join('')}</section>`;
const grid = (items: string[]): string => `<div class="charts">${items.join('')}</div>`;
const figure = (label: Label, svg: string): string => `<figure><figcaption>${chip(label)}</figcaption>${svg}</figure>`;

function header(input: ReportInput): string {
  const { overall } = input;
  const stat = (name: string, value: string, cls = ''): string => `<div class="stat${cls ? ` ${cls}` : ''}"><dt>${name}</dt><dd>${value}</dd></div>`;
  const nav = [
    ['per-label', 'Per label'],
    ['confusion', 'Confusion'],
    ['pr-curves', 'PR curves'],
    ['calibration', 'Calibration'],
    ['slices', 'Slices'],
    ['errors', 'Worst errors'],
  ];
  return [
    '<header id="summary">',
    `<h1>Evaluation report <span class="file">${esc(input.file)}</span></h1>`,
    '<dl class="stats">',
    stat('macro-F1', f3(overall.macroF1), overall.macroF1 < LOW_F1 ? 'big low' : 'big'),
    stat('exact match', f3(overall.exactMatch), 'big'),
    stat('rows', `${int(overall.n)}${input.unreadable ? ` <small>(${int(input.unreadable)} unreadable, left out)</small>` : ''}`, 'big'),
    stat('file', `<code>${esc(input.file)}</code>`),
    stat('model', esc(input.model.name)),
    stat('generated', `<time>${esc(input.generated)}</time>`),
    '</dl>',
    `<nav aria-label="Sections">${nav.map(([id, name]) => `<a href="#${id}">${name}</a>`).join('')}</nav>`,
    '</header>',
  ].join('');
}

function perLabel(r: EvalReport, input: ReportInput, curves: Record<Label, LabelCurves>): string {
  const rows = CLASSES.map((c) => {
    const m = r.perClass[c];
    if (!present(r, c)) {
      return `<tr class="absent"><th scope="row">${chip(c)}</th><td colspan="10">not in gold and never predicted</td></tr>`;
    }
    const low = m.f1 < LOW_F1;
    const curve = c === NONE ? undefined : curves[c];
    return [
      `<tr${low ? ' class="low"' : ''}><th scope="row">${chip(c)}${low ? ` <span class="flag">F1 &lt; ${LOW_F1}</span>` : ''}</th>`,
      c === NONE ? num(-1, '—') : num(input.model.thresholds[c], f3(input.model.thresholds[c])),
      num(m.precision, f3(m.precision)),
      num(m.recall, f3(m.recall)),
      `<td class="num f1" data-v="${m.f1}"><span class="bar" style="width:${(m.f1 * 100).toFixed(1)}%"></span><span>${f3(m.f1)}</span></td>`,
      num(m.support, int(m.support)),
      num(m.tp, int(m.tp)),
      num(m.fp, int(m.fp)),
      num(m.fn, int(m.fn)),
      curve && curve.ap !== null ? num(curve.ap, f3(curve.ap)) : num(-1, '—'),
      curve ? num(curve.ece, f3(curve.ece)) : num(-1, '—'),
      '</tr>',
    ].join('');
  });
  return section(
    'per-label',
    'Per label',
    `<p class="note">Rows flagged in red have F1 below ${LOW_F1}. <code>none</code> is a prompt with no label. AP and ECE are computed from the scores (see the curves below); the other columns from the labels given at each threshold.</p>`,
    '<div class="scroll"><table class="sortable metrics"><thead><tr>',
    sortTh('class', ''),
    ['threshold', 'precision', 'recall', 'F1', 'support', 'TP', 'FP', 'FN', 'AP', 'ECE'].map((h) => sortTh(h)).join(''),
    `</tr></thead><tbody>${rows.join('')}</tbody>`,
    `<tfoot><tr><th scope="row">macro-F1</th><td></td><td></td><td></td><td class="num strong">${f3(r.macroF1)}</td><td class="num">${int(r.n)}</td><td colspan="5"></td></tr></tfoot>`,
    '</table></div>',
  );
}

function confusion(r: EvalReport): string {
  const head = CLASSES.map((c) => `<th scope="col">${chip(c)}</th>`).join('');
  const rows = CLASSES.map((g) => {
    const total = CLASSES.reduce((s, p) => s + r.confusion[g][p], 0);
    const cells = CLASSES.map((p) => {
      const n = r.confusion[g][p];
      const share = total ? n / total : 0;
      const alpha = n ? 0.1 + 0.8 * share : 0;
      const hue = g === p ? '46,125,50' : '209,36,47';
      const style = n ? ` style="background:rgba(${hue},${alpha.toFixed(3)})${alpha > 0.5 ? ';color:#fff' : ''}"` : '';
      const note = `gold ${g}, predicted ${p}: ${n}${total ? ` (${pct(share)} of the row)` : ''}`;
      return `<td class="num cell${g === p ? ' diag' : ''}"${style} title="${esc(note)}">${int(n)}</td>`;
    }).join('');
    return `<tr><th scope="row">${chip(g)}</th>${cells}<td class="num muted">${int(r.perClass[g].support)}</td></tr>`;
  });
  return section(
    'confusion',
    'Confusion matrix',
    '<p class="note">Rows are gold classes, columns predicted classes. A row with several labels counts once for each pair of its gold and predicted classes. Shade is the share of the row: green on the diagonal (right), red off it (confused).</p>',
    `<div class="scroll"><table class="heatmap"><thead><tr><th scope="col" class="corner">gold ↓ · predicted →</th>${head}<th scope="col" class="muted">gold rows</th></tr></thead>`,
    `<tbody>${rows.join('')}</tbody></table></div>`,
  );
}

function slices(list: readonly ReportSlice[]): string {
  if (!list.length) {
    return section('slices', 'Slices', '<p class="note">No slice field was given (<code>eval --slice FIELD</code>).</p>');
  }
  const tables = list.map((s) => {
    const entries = Object.entries(s.values).sort((a, b) => b[1].n - a[1].n || a[0].localeCompare(b[0]));
    const body = entries.map(([value, r]) => {
      const f1s = CLASSES.map((c) => f1Cell(r, c)).join('');
      return `<tr><th scope="row">${esc(value)}</th>${num(r.n, int(r.n))}${num(r.macroF1, f3(r.macroF1), r.macroF1 < LOW_F1 ? 'low strong' : 'strong')}${num(r.exactMatch, f3(r.exactMatch))}${f1s}</tr>`;
    });
    return [
      `<h3>by <code>${esc(s.field)}</code> <small>(${entries.length} values)</small></h3>`,
      '<div class="scroll"><table class="sortable slice"><thead><tr>',
      sortTh(s.field, ''),
      ['n', 'macro-F1', 'exact'].map((h) => sortTh(h)).join(''),
      CLASSES.map((c) => sortTh(`F1 ${c === 'censorship_probing' ? 'censorship' : c}`)).join(''),
      `</tr></thead><tbody>${body.join('')}</tbody></table></div>`,
    ].join('');
  });
  return section('slices', 'Slices', `<p class="note">Metrics per value of each slice field, largest first. F1 below ${LOW_F1} is red; <q>FP</q> counts false positives of a class that is not in the slice's gold; — means the class does not occur at all.</p>`, ...tables);
}

/** A slice's F1 for a class: — when the class does not occur, the false positives when only they do. */
function f1Cell(r: EvalReport, c: EvalClass): string {
  const m = r.perClass[c];
  if (!present(r, c)) return `<td class="num muted" data-v="-1" title="${c}: not in gold, never predicted">—</td>`;
  if (m.support === 0) return `<td class="num low" data-v="0" title="${c}: not in gold; ${m.fp} false positives">${int(m.fp)} FP</td>`;
  const note = `${c}: F1 ${f3(m.f1)}, precision ${f3(m.precision)}, recall ${f3(m.recall)}, support ${m.support}`;
  return `<td class="num${m.f1 < LOW_F1 ? ' low' : ''}" data-v="${m.f1}" title="${note}">${f3(m.f1)}</td>`;
}

function worst(input: ReportInput): string {
  const list = input.worstErrors;
  if (!list.length) return section('errors', 'Worst errors', '<p class="note">No row was tagged wrongly.</p>');
  const rows = list.map((e, i) => {
    const missed = e.gold.filter((l) => !e.predicted.includes(l));
    const gold = e.gold.length
      ? e.gold.map((l) => (missed.includes(l) ? chip(l, 'miss', 'missed') : chip(l))).join('')
      : chip('none', 'miss', 'missed');
    const pred = e.predicted.length
      ? e.predicted.map((l) => (e.gold.includes(l) ? chip(l) : chip(l, 'extra', 'not in gold'))).join('')
      : chip('none', 'extra', 'not in gold');
    return [
      `<tr><td class="num" data-v="${i + 1}">${i + 1}</td>`,
      num(e.line, String(e.line)),
      `<td class="id">${e.id !== undefined ? esc(e.id) : ''}</td>`,
      `<td class="prompt"><div class="text">${esc(e.text)}</div>${e.truncated ? '<div class="muted small">(cut)</div>' : ''}</td>`,
      `<td class="labels"><div><span class="tag">gold</span>${gold}</div><div><span class="tag">predicted</span>${pred}</div></td>`,
      `<td class="scores">${scores(e, input.model.thresholds)}</td>`,
      `<td class="evidence">${evidence(e, missed, input.model.thresholds)}</td></tr>`,
    ].join('');
  });
  return section(
    'errors',
    'Worst errors',
    `<p class="note">The ${list.length} wrongly tagged rows the model was most sure about (largest |score − gold| on a label it got wrong). Bars are scores, the tick is the threshold; wrong decisions are in red. Dashed gold chips were missed; struck-out predicted chips are not in gold.</p>`,
    '<div class="scroll"><table class="sortable errors"><thead><tr>',
    sortTh('#'),
    sortTh('line'),
    sortTh('id', ''),
    '<th scope="col">prompt</th><th scope="col">gold / predicted</th>',
    '<th scope="col">scores</th>',
    '<th scope="col">evidence</th>',
    `</tr></thead><tbody>${rows.join('')}</tbody></table></div>`,
  );
}

function scores(e: WorstError, thresholds: Record<Label, number>): string {
  return LABELS.map((l) => {
    const s = e.scores[l];
    const wrong = e.predicted.includes(l) !== e.gold.includes(l);
    return (
      `<div class="sc${wrong ? ' wrong' : ''}" title="${l}: ${f3(s)} (threshold ${f3(thresholds[l])})">` +
      `<span class="sc-l">${SHORT[l]}</span><span class="sc-b"><i style="width:${(s * 100).toFixed(1)}%;background:${COLORS[l]}"></i><b style="left:${(thresholds[l] * 100).toFixed(1)}%"></b></span>` +
      `<span class="sc-v">${f3(s)}</span></div>`
    );
  }).join('');
}

function evidence(e: WorstError, missed: readonly Label[], thresholds: Record<Label, number>): string {
  const item = (ev: Evidence): string =>
    `<li><code>${esc(ev.feature)}</code> <span class="w">${ev.weight >= 0 ? '+' : ''}${ev.weight.toFixed(3)}</span>${ev.text !== undefined ? ` <mark>${esc(ev.text)}</mark>` : ''}</li>`;
  const given = e.predicted.map((l) => {
    const list = e.evidence[l];
    return `<div class="ev">${chip(l)}${list?.length ? `<ul>${list.map(item).join('')}</ul>` : '<span class="muted small"> no evidence recorded</span>'}</div>`;
  });
  const lost = missed.map((l) => `<div class="ev muted small">missed ${chip(l, 'miss')} <span class="nowrap">${f3(e.scores[l])} &lt; ${f3(thresholds[l])}</span></div>`);
  return [...given, ...lost].join('');
}

const CSS = `
:root{--fg:#1f2328;--muted:#6b7480;--line:#d8dee4;--bg:#f6f8fa;--low:#fdecec;--lowfg:#a40e26}
*{box-sizing:border-box}
body{margin:0;color:var(--fg);background:#fff;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif}
header,main,footer{max-width:1280px;margin:0 auto;padding:0 24px}
header{padding-top:20px;border-bottom:1px solid var(--line)}
h1{font-size:22px;margin:0 0 14px}
h1 .file{font-weight:400;color:var(--muted);margin-left:6px}
h2{font-size:18px;margin:0 0 6px;padding-top:8px}
h3{font-size:15px;margin:18px 0 6px}
section{padding:18px 0;border-bottom:1px solid var(--line)}
.stats{display:flex;flex-wrap:wrap;gap:10px;margin:0 0 14px}
.stat{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:8px 12px;min-width:120px}
.stat dt{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.stat dd{margin:2px 0 0;word-break:break-all}
.stat.big dd{font-size:24px;font-weight:650;font-variant-numeric:tabular-nums}
.stat.low dd{color:var(--lowfg)}
nav{display:flex;gap:6px;flex-wrap:wrap;padding-bottom:12px}
nav a{color:#0a58ca;text-decoration:none;border:1px solid var(--line);border-radius:999px;padding:2px 10px;font-size:13px}
nav a:hover{background:var(--bg)}
.note{color:var(--muted);margin:0 0 10px;max-width:900px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:5px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{border-bottom:2px solid var(--line);font-size:12px;color:var(--muted);font-weight:600;white-space:nowrap}
th button{all:unset;cursor:pointer}
th button:focus-visible{outline:2px solid #0a58ca}
th[aria-sort=ascending] button::after{content:" ▲"}
th[aria-sort=descending] button::after{content:" ▼"}
.num{text-align:right}
thead th.num{text-align:right}
.strong{font-weight:650}
.muted{color:var(--muted)}
.nowrap{white-space:nowrap}
small,.small{font-size:12px}
tr.low{background:var(--low)}
td.low{background:var(--low);color:var(--lowfg)}
tr.absent td{color:var(--muted);font-style:italic}
.flag{font-size:11px;color:var(--lowfg);border:1px solid currentColor;border-radius:4px;padding:0 4px;margin-left:4px;white-space:nowrap}
td.f1{position:relative;min-width:90px}
td.f1 .bar{position:absolute;left:0;top:4px;bottom:4px;background:#4e79a7;opacity:.16;border-radius:2px}
td.f1 span:last-child{position:relative;font-weight:650}
tfoot th,tfoot td{border-bottom:0}
.chip{display:inline-block;border:1.5px solid var(--c);color:var(--fg);background:color-mix(in srgb,var(--c) 14%,#fff);border-radius:999px;padding:0 8px;margin:1px 3px 1px 0;font-size:12px;white-space:nowrap}
.chip.miss{border-style:dashed;background:#fff}
.chip.extra{text-decoration:line-through;text-decoration-color:var(--lowfg)}
.heatmap td.cell{min-width:78px;text-align:center;border:1px solid #fff}
.heatmap td.diag{font-weight:650}
.heatmap .corner{font-weight:400}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:12px}
figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:8px 4px 2px;background:#fff}
figcaption{padding:0 8px 2px}
svg.chart{display:block;width:100%;max-width:440px;height:auto;margin:0 auto}
svg.chart .halo{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
svg.chart text{font-size:11px;fill:#4b535d}
svg.chart text.axis-title{font-size:12px;fill:var(--fg)}
svg.chart .legend text{font-size:12px;fill:var(--fg)}
svg.chart .small{font-size:10.5px}
svg.chart .tiny{font-size:9px}
svg.chart .strong{font-weight:700;fill:var(--fg)}
table.errors{width:100%;table-layout:fixed}
table.errors th:nth-child(1){width:42px}table.errors th:nth-child(2){width:56px}table.errors th:nth-child(3){width:9%}
table.errors th:nth-child(5){width:150px}table.errors th:nth-child(6){width:170px}table.errors th:nth-child(7){width:22%}
td.labels div+div{margin-top:6px}
td.labels .tag{display:block;font-size:11px;color:var(--muted)}
td.id{word-break:break-all;font-size:12px;color:var(--muted)}
td.prompt .text{white-space:pre-wrap;overflow-wrap:anywhere;max-height:14em;overflow:auto;font-size:13px;background:var(--bg);border-radius:6px;padding:6px 8px}
.sc{display:flex;align-items:center;gap:4px;font-size:11px;line-height:16px}
.sc-l{width:40px;color:var(--muted)}
.sc-b{position:relative;flex:1;height:8px;background:#eef1f4;border-radius:2px}
.sc-b i{position:absolute;left:0;top:0;bottom:0;border-radius:2px}
.sc-b b{position:absolute;top:-3px;bottom:-3px;width:2px;margin-left:-1px;background:var(--fg)}
.sc-v{width:34px;text-align:right}
.sc.wrong .sc-l,.sc.wrong .sc-v{color:var(--lowfg);font-weight:700}
.ev{margin-bottom:4px}
.ev ul{margin:2px 0 0;padding-left:16px;font-size:12px}
.ev code{font-size:11.5px}
.ev .w{color:#116329;font-variant-numeric:tabular-nums}
mark{background:#fff3bf;border-radius:3px;padding:0 2px;overflow-wrap:anywhere}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
footer{color:var(--muted);font-size:12px;padding:16px 24px 32px}
`;

// Sort a table by a column when its header is clicked: numbers by data-v, text otherwise.
const SCRIPT = `
(() => {
  'use strict';
  const key = (cell) => {
    if (!cell) return [2, ''];
    const v = cell.getAttribute('data-v');
    if (v !== null && v.trim() !== '' && !Number.isNaN(Number(v))) return [0, Number(v)];
    return [1, (cell.textContent || '').trim().toLowerCase()];
  };
  for (const table of document.querySelectorAll('table.sortable')) {
    const heads = table.tHead ? Array.from(table.tHead.rows[0].cells) : [];
    heads.forEach((th, col) => {
      const button = th.querySelector('button');
      if (!button) return;
      button.addEventListener('click', () => {
        const dir = th.getAttribute('aria-sort') === 'descending' ? 1 : -1;
        for (const h of heads) h.removeAttribute('aria-sort');
        th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        rows.sort((a, b) => {
          const x = key(a.cells[col]);
          const y = key(b.cells[col]);
          if (x[0] !== y[0]) return x[0] - y[0];
          return (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) * dir;
        });
        for (const r of rows) body.appendChild(r);
      });
    });
  }
})();
`;

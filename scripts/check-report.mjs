#!/usr/bin/env node
// Check an HTML evaluation report in headless Chromium: it must load with no console or page
// errors, make no request other than file://, hold every section and chart with a real size, and
// render to a full-page screenshot.
//
//   node scripts/check-report.mjs report.html shot.png
//
// Prints a JSON summary to stdout and exits 1 when the report fails a check (2 on bad usage).
// CHROMIUM_PATH names the browser (default /usr/bin/chromium).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

/** The sections every report has, by element id. */
export const SECTIONS = Object.freeze(['summary', 'per-label', 'confusion', 'pr-curves', 'calibration', 'slices', 'errors']);
/** Charts of each kind: one per label. */
export const CHARTS_PER_KIND = 5;

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Load `htmlPath` in headless Chromium, check it, and save a full-page screenshot to `pngPath`.
 *
 * Example:
 *   await checkReport('report.html', 'shot.png')
 *   // → { ok: true, consoleErrors: [], pageErrors: [], requests: [], svgs: 10, … }
 *
 * @param {string} htmlPath
 * @param {string} pngPath
 * @param {{ executablePath?: string, width?: number }} [options]
 */
export async function checkReport(htmlPath, pngPath, options = {}) {
  const browser = await chromium.launch({ executablePath: options.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: options.width ?? 1320, height: 900 }, serviceWorkers: 'block' });
    const page = await context.newPage();
    /** @type {string[]} */ const consoleErrors = [];
    /** @type {string[]} */ const pageErrors = [];
    /** @type {Set<string>} */ const requests = new Set();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // Both: the route blocks what it sees, the request event also sees what a route does not (e.g. navigations).
    page.on('request', (r) => {
      if (!isLocal(r.url())) requests.add(r.url());
    });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (isLocal(url)) return route.continue();
      requests.add(url);
      return route.abort('blockedbyclient');
    });
    await page.goto(pathToFileURL(resolve(htmlPath)).href, { waitUntil: 'load' });
    const dom = await page.evaluate(inspect, { sections: [...SECTIONS] });
    await page.screenshot({ path: pngPath, fullPage: true });
    const screenshotBytes = statSync(pngPath).size;
    const chartsOk = (/** @type {{ width: number, height: number, paths: number, empty: boolean }[]} */ list) =>
      list.length === CHARTS_PER_KIND && list.every((c) => c.width > 0 && c.height > 0 && (c.empty || c.paths > 0));
    const summary = {
      consoleErrors,
      pageErrors,
      requests: [...requests],
      svgs: dom.svgs,
      prCurves: dom.prCurves,
      calibration: dom.calibration,
      missingSections: dom.missingSections,
      untitledSvgs: dom.untitledSvgs,
      externalRefs: dom.externalRefs,
      title: dom.title,
      lang: dom.lang,
      screenshot: { path: pngPath, bytes: screenshotBytes },
      ok: false,
    };
    summary.ok =
      consoleErrors.length === 0 &&
      pageErrors.length === 0 &&
      requests.size === 0 &&
      dom.missingSections.length === 0 &&
      dom.untitledSvgs === 0 &&
      dom.externalRefs.length === 0 &&
      dom.title !== '' &&
      dom.lang !== '' &&
      chartsOk(dom.prCurves) &&
      chartsOk(dom.calibration) &&
      screenshotBytes > 0;
    return summary;
  } finally {
    await browser.close();
  }
}

/** Anything that is not read from disk or inline counts as a request. */
const isLocal = (/** @type {string} */ url) => url.startsWith('file:') || url.startsWith('data:') || url.startsWith('about:');

/**
 * Runs in the page: what the report holds.
 * @param {{ sections: string[] }} args
 */
function inspect({ sections }) {
  const chart = (/** @type {Element} */ svg) => {
    const box = svg.getBoundingClientRect();
    const paths = [...svg.querySelectorAll('path')].filter((p) => (p.getAttribute('d') ?? '').length > 1 && p.getBBox().width + p.getBBox().height > 0);
    return { id: svg.id, width: Math.round(box.width), height: Math.round(box.height), paths: paths.length, empty: svg.classList.contains('empty') };
  };
  const svgs = [...document.querySelectorAll('svg')];
  const external = /^\s*(https?:|\/\/|ftp:|ws:|wss:)/i;
  const externalRefs = [];
  for (const el of document.querySelectorAll('[src], [href], [action], [poster], [srcset]')) {
    for (const name of ['src', 'href', 'action', 'poster', 'srcset']) {
      const v = el.getAttribute(name);
      if (v && external.test(v)) externalRefs.push(`${el.tagName.toLowerCase()} ${name}=${v}`);
    }
  }
  for (const el of document.querySelectorAll('*')) {
    const href = el.getAttributeNS('http://www.w3.org/1999/xlink', 'href');
    if (href && external.test(href)) externalRefs.push(`${el.tagName.toLowerCase()} xlink:href=${href}`);
  }
  for (const style of document.querySelectorAll('style')) {
    if (/url\(\s*['"]?\s*(https?:|\/\/)/i.test(style.textContent ?? '')) externalRefs.push('style url()');
  }
  return {
    title: document.title,
    lang: document.documentElement.lang,
    missingSections: sections.filter((id) => !document.getElementById(id)),
    svgs: svgs.filter((s) => chart(s).paths > 0).length,
    untitledSvgs: svgs.filter((s) => !s.querySelector(':scope > title')?.textContent).length,
    prCurves: [...document.querySelectorAll('svg.pr-curve')].map(chart),
    calibration: [...document.querySelectorAll('svg.calibration')].map(chart),
    externalRefs,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [html, png] = process.argv.slice(2);
  if (!html || !png) {
    process.stderr.write('usage: node scripts/check-report.mjs REPORT.html SHOT.png\n');
    process.exit(2);
  }
  if (!existsSync(html)) {
    process.stderr.write(`check-report: no such file: "${html}"\n`);
    process.exit(2);
  }
  const summary = await checkReport(html, png).catch((/** @type {Error} */ err) => {
    process.stderr.write(`check-report: ${err.message}\n`);
    process.exit(2);
  });
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  process.exit(summary.ok ? 0 : 1);
}

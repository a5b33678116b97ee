// tests/site/check.mjs: checks the static site written by `charter publish`
// in a real browser (Chromium through playwright-core) and prints one line
// per failure, naming the page.
//
//   node tests/site/check.mjs SITE_DIR ARTIFACT_DIR
//
// Normally run by scripts/site-check, which installs Chromium and the npm
// packages first and validates the HTML with vnu. Environment:
//   SITE_EXPECT_HOSTILE=1  some page must show the hostile test text, as text
//   SITE_CHECK_JOBS=N      pages checked at once (default 2: the machines have 2 cores)
//   CHROMIUM=PATH          the browser (default /usr/bin/chromium)
//
// Checks: relative links and fragments resolve to files and ids (static, all
// pages); no script, no on* attribute, no javascript: URL (static, all pages,
// and again in the browser's DOM); axe (WCAG 2.0/2.1/2.2 A and AA) with
// JavaScript on and off; no horizontal scroll at phone width; no request
// that fails or leaves the site; the Atom feed. The site is served under
// /sub/path/ so that any root-absolute link breaks.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

const [siteArg, artifactArg] = process.argv.slice(2);
if (!siteArg || !artifactArg) {
  console.error('usage: node check.mjs SITE_DIR ARTIFACT_DIR');
  process.exit(2);
}
const SITE = path.resolve(siteArg);
const ARTIFACTS = path.resolve(artifactArg);
const EXPECT_HOSTILE = process.env.SITE_EXPECT_HOSTILE === '1';
const JOBS = Math.max(1, Number(process.env.SITE_CHECK_JOBS) || 2);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps trying to reach
// Google's services, which on a closed network stalls or crashes it.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync'];
const PREFIX = '/sub/path/';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const HOSTILE_TEXT = '<script>window.__charter_pwned=1</script>';
// Above this many pages, sample SAMPLE_PER_KIND pages of each kind.
const MAX_ALL_PAGES = 400;
const SAMPLE_PER_KIND = 20;
// A page's three loads and two axe runs take about a second; a stuck one
// (a dialog left open, a hung axe) must not hang CI.
const PAGE_TIMEOUT_MS = 120_000;
const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

const failures = [];
// One line per failure, naming the page first: `PAGE: msg` or `PAGE (LABEL): msg`.
const fail = (page, msg, label) => failures.push(`${page}${label ? ` (${label})` : ''}: ${msg}`);
const started = Date.now();

if (!fs.existsSync(SITE) || !fs.statSync(SITE).isDirectory()) {
  console.error(`site-check: ${SITE} is not a directory`);
  process.exit(2);
}
fs.mkdirSync(ARTIFACTS, { recursive: true });
// No stale screenshot from an earlier run may pass for this one's.
for (const f of ['home-phone.png', 'diff-phone.png']) fs.rmSync(path.join(ARTIFACTS, f), { force: true });

// ---------------------------------------------------------------------------
// The site's files
// ---------------------------------------------------------------------------

function listFiles(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, r));
    else if (e.isFile()) out.push(r);
  }
  return out;
}
const files = new Set(listFiles(SITE));
const pages = [...files].filter((f) => f.endsWith('.html')).sort();
const source = new Map(pages.map((p) => [p, fs.readFileSync(path.join(SITE, p), 'utf8')]));

// ---------------------------------------------------------------------------
// A small HTML tokenizer: enough for the attributes of a generated site.
// ---------------------------------------------------------------------------

function decodeEntities(s) {
  const named = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e) => {
    if (e[0] === '#') {
      const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(n) && n <= 0x10ffff ? String.fromCodePoint(n) : m;
    }
    return named[e.toLowerCase()] ?? m;
  });
}

// Yields { name, attrs: [[name, value]] } for every start tag. Comments and the
// raw text of <script>/<style> are skipped so their contents aren't read as tags.
function* startTags(html) {
  html = html.replace(/<!--[\s\S]*?-->/g, '');
  const lower = html.toLowerCase();
  const tagRe = /<([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
  const attrRe = /([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  let m;
  while ((m = tagRe.exec(html))) {
    const name = m[1].toLowerCase();
    const attrs = [];
    for (const a of m[2].matchAll(attrRe)) {
      attrs.push([a[1].toLowerCase(), decodeEntities(a[2] ?? a[3] ?? a[4] ?? '')]);
    }
    yield { name, attrs };
    if (name === 'script' || name === 'style') {
      const end = lower.indexOf(`</${name}`, tagRe.lastIndex);
      tagRe.lastIndex = end < 0 ? html.length : end;
    }
  }
}

const idsCache = new Map();
function idsOf(page) {
  if (!idsCache.has(page)) {
    const ids = new Set();
    for (const t of startTags(source.get(page))) {
      for (const [n, v] of t.attrs) if (n === 'id') ids.add(v);
    }
    idsCache.set(page, ids);
  }
  return idsCache.get(page);
}

// Browsers ignore ASCII tabs, newlines and leading spaces in a URL's scheme.
const isJavascriptUrl = (v) => /^javascript:/i.test(v.replace(/[\u0000-\u0020]/g, ''));

// ---------------------------------------------------------------------------
// Static checks of every page: links, fragments, nothing executable
// ---------------------------------------------------------------------------

const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'poster', 'data', 'cite']);
let linksChecked = 0;

function checkLink(page, href) {
  const broken = (why) => fail(page, `broken link ${href} (${why})`);
  const h = href.trim();
  if (/^(https?:)?\/\//i.test(h) || /^mailto:/i.test(h)) return; // leaves the site: not ours to check
  if (isJavascriptUrl(h)) return broken('javascript: URL');
  if (/^data:/i.test(h)) return; // inline resource
  if (/^[a-z][a-z0-9+.-]*:/i.test(h)) return broken('not a relative link');
  if (h.startsWith('/')) return broken('root-absolute: breaks under a sub-path and from file://');
  linksChecked++;
  const hashAt = h.indexOf('#');
  const beforeHash = hashAt < 0 ? h : h.slice(0, hashAt);
  const fragment = hashAt < 0 ? null : h.slice(hashAt + 1);
  const relPath = beforeHash.split('?')[0];
  let target;
  if (relPath === '') {
    target = page; // "#x" or "": this page
  } else {
    let decoded;
    try { decoded = decodeURIComponent(relPath); } catch { return broken('bad percent-encoding'); }
    target = path.posix.normalize(path.posix.join(path.posix.dirname(page), decoded));
    if (target.startsWith('../') || target === '..') return broken('outside the site');
    if (relPath.endsWith('/') || target === '.' || (!files.has(target) && fs.existsSync(path.join(SITE, target)))) {
      return broken('names a directory, not a file');
    }
    if (!files.has(target)) return broken('no such file');
  }
  if (fragment) {
    let id;
    try { id = decodeURIComponent(fragment); } catch { return broken('bad percent-encoding'); }
    if (!target.endsWith('.html')) return broken(`fragment into ${target}, not a page`);
    if (!idsOf(target).has(id)) return broken(`no id "${id}" in ${target}`);
  }
}

function staticChecks(page) {
  for (const { name, attrs } of startTags(source.get(page))) {
    if (name === 'script') fail(page, '<script> element in the HTML');
    for (const [n, v] of attrs) {
      if (n.startsWith('on')) fail(page, `${n} attribute on <${name}> in the HTML`);
      if (URL_ATTRS.has(n)) checkLink(page, v);
      if (n === 'srcset') for (const c of v.split(',')) if (c.trim()) checkLink(page, c.trim().split(/\s+/)[0]);
    }
  }
}

if (pages.length === 0) fail('SITE', 'no .html page');
if (!files.has('index.html')) fail('index.html', 'missing (the home page)');
if (!files.has('feed.xml')) fail('feed.xml', 'missing');
for (const p of pages) staticChecks(p);

// ---------------------------------------------------------------------------
// Which pages go to the browser
// ---------------------------------------------------------------------------

// A page's kind is its path with the variable parts removed: the top folder
// and index.html are kept, other folders and file names become '*', e.g.
// versions/3/en.html -> versions/*/*.html, decisions/7/index.html ->
// decisions/*/index.html, members/index.html stays as it is.
function kindOf(p) {
  const parts = p.split('/');
  if (parts.length === 1) return p;
  return parts.map((s, i) => {
    if (i === 0) return s;
    if (i === parts.length - 1) return s === 'index.html' ? s : '*.html';
    return '*';
  }).join('/');
}

function choosePages() {
  if (pages.length <= MAX_ALL_PAGES) return pages;
  const byKind = new Map();
  for (const p of pages) {
    const k = kindOf(p);
    if (!byKind.has(k)) byKind.set(k, []);
    byKind.get(k).push(p);
  }
  const chosen = new Set();
  for (const list of byKind.values()) {
    // Evenly spread over the sorted list, first and last included, so both
    // the oldest and the newest versions, members, ... are seen.
    const n = Math.min(SAMPLE_PER_KIND, list.length);
    for (let i = 0; i < n; i++) chosen.add(list[n === 1 ? 0 : Math.round((i * (list.length - 1)) / (n - 1))]);
  }
  const counts = [...byKind].map(([k, list]) => `${k} ${Math.min(SAMPLE_PER_KIND, list.length)}/${list.length}`);
  console.error(`site-check: ${pages.length} pages, over ${MAX_ALL_PAGES}: the browser sees a sample: ${counts.join(', ')}`);
  // At least one page carrying the hostile test text must be looked at in
  // the browser (every charter and version page may carry it: not all).
  const hostile = (p) => source.get(p).includes('__charter_pwned');
  if (![...chosen].some(hostile)) {
    const first = pages.find(hostile);
    if (first) chosen.add(first);
  }
  return [...chosen].sort();
}
const tested = choosePages();
const firstDiffPage = pages.find((p) => /^principles\/[^/]+\/[^/]+\.html$/.test(p));
if (!firstDiffPage) console.error('site-check: no principles/*/*.html page: no diff-phone.png');

// ---------------------------------------------------------------------------
// The server: the site under /sub/path/, nothing else
// ---------------------------------------------------------------------------

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.msg': 'text/plain; charset=utf-8',
  '.sig': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};
const typeOf = (rel) => (path.posix.basename(rel) === 'allowed_signers' ? 'text/plain; charset=utf-8' : TYPES[path.posix.extname(rel)]);

const server = http.createServer((req, res) => {
  const notFound = () => { res.writeHead(404, { 'content-type': 'text/plain' }); res.end('not found\n'); };
  let pathname;
  try { pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { return notFound(); }
  if (!pathname.startsWith(PREFIX)) return notFound();
  const rel = path.posix.normalize(pathname.slice(PREFIX.length));
  // No index.html for a directory: every link must name a file, as from file://.
  if (rel.startsWith('..') || !files.has(rel) || !typeOf(rel)) return notFound();
  res.writeHead(200, { 'content-type': typeOf(rel), 'cache-control': 'no-store' });
  fs.createReadStream(path.join(SITE, rel)).pipe(res);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const ORIGIN = `http://127.0.0.1:${server.address().port}`;
const BASE = `${ORIGIN}${PREFIX}`;

// ---------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
const ctxOn = await browser.newContext({ javaScriptEnabled: true });
// Not `javaScriptEnabled: false`: in such a context Chromium never fires a
// timer, not even for our own evaluate(), so axe hangs. The JavaScript-off
// run instead turns scripts off through CDP (as Playwright does for that
// option) while the page loads, and back on for axe only: see Tab.load().
const ctxOff = await browser.newContext({ javaScriptEnabled: true });
const ctxPhone = await browser.newContext({ ...PHONE, javaScriptEnabled: true });
let axeRuns = 0;
let hostileSeenOn = null;

// One browser tab, reused from page to page (a new tab costs ~300 ms, a
// navigation ~70 ms), watching for dialogs, script errors and failed or
// outside requests; LABEL names its run in failures.
class Tab {
  static async open(ctx, label, noScript = false) {
    const t = new Tab();
    t.label = label;
    t.page = null; // the site page being loaded or checked
    t.tab = await ctx.newPage();
    t.cdp = noScript ? await ctx.newCDPSession(t.tab) : null;
    const fail1 = (msg) => fail(t.page, msg, label);
    t.tab.on('dialog', (d) => { fail1(`a ${d.type()} dialog opened: ${d.message()}`); d.dismiss().catch(() => {}); });
    t.tab.on('pageerror', (e) => fail1(`script error: ${e.message.split('\n')[0]}`));
    // The site must be self-contained: nothing is fetched from anywhere else.
    await t.tab.route((u) => !u.href.startsWith(ORIGIN), (route) => {
      fail1(`request outside the site: ${route.request().url()}`);
      return route.abort().catch(() => {});
    });
    t.tab.on('response', (r) => { if (r.status() >= 400) fail1(`HTTP ${r.status()} for ${r.url().replace(BASE, '')}`); });
    return t;
  }

  async load(page) {
    this.page = page;
    if (this.cdp) await this.cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
    const resp = await this.tab.goto(BASE + page, { waitUntil: 'load', timeout: 30_000 });
    if (!resp || !resp.ok()) fail(page, 'could not be loaded', this.label);
    // Parsed and loaded without scripts (<noscript> shown, no handler run);
    // axe needs them back.
    if (this.cdp) await this.cdp.send('Emulation.setScriptExecutionDisabled', { value: false });
    return this.tab;
  }

  async axe() {
    axeRuns++;
    // Legacy mode runs axe in the page alone: the site has no frames, and the
    // default mode opens a blank page per run to merge frame results (twice
    // as slow). Only violations list their nodes: less to send back.
    const { violations } = await new AxeBuilder({ page: this.tab }).withTags(AXE_TAGS)
      .options({ resultTypes: ['violations'] }).setLegacyMode(true).analyze();
    for (const v of violations) {
      const where = v.nodes[0]?.target?.join(' ') ?? '';
      fail(this.page, `${v.id}: ${v.help} (${v.nodes.length} nodes) e.g. ${where}`, this.label);
    }
  }
}

// What the DOM holds that could run: the browser's parse, not our tokenizer's.
function domHazards() {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.toLowerCase().startsWith('on')) found.push(`${a.name} attribute on <${el.localName}>`);
      if (/^javascript:/i.test(a.value.replace(/[\u0000-\u0020]/g, ''))) found.push(`javascript: URL in ${a.name} of <${el.localName}>`);
    }
  }
  const scripts = document.getElementsByTagName('script').length;
  if (scripts) found.push(`${scripts} <script> element(s)`);
  return { found, pwned: typeof window.__charter_pwned, text: document.body ? document.body.innerText : '' };
}

async function checkPage(tabs, page) {
  // JavaScript on: the hostile text must stay inert, and axe must pass.
  const on = await tabs.on.load(page);
  const dom = await on.evaluate(domHazards);
  if (dom.pwned !== 'undefined') fail(page, `window.__charter_pwned is ${dom.pwned}: hostile text ran`);
  for (const f of dom.found) fail(page, `in the DOM: ${f}`);
  if (dom.text.includes(HOSTILE_TEXT)) hostileSeenOn ??= page;
  await tabs.on.axe();

  // JavaScript off: the site needs none, so it must be just as accessible.
  // (axe treats <noscript> content as hidden, so this run can only differ
  // where a script would have changed the page.)
  await tabs.off.load(page);
  await tabs.off.axe();

  // Phone width. Compared with the phone's 360px, not innerWidth: on a
  // mobile viewport Chromium widens the layout to fit wide content (so
  // scrollWidth == innerWidth == 616 for a 600px-wide box), and without a
  // viewport meta lays the page out 980px wide, zoomed out.
  const phone = await tabs.phone.load(page);
  const m = await phone.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    viewportMeta: document.querySelector('meta[name="viewport" i]') !== null,
  }));
  const phoneWidth = PHONE.viewport.width;
  if (!m.viewportMeta) fail(page, `no <meta name="viewport">: a phone lays it out ${m.innerWidth}px wide, zoomed out`);
  else if (Math.max(m.scrollWidth, m.innerWidth) > phoneWidth + 1) {
    fail(page, `horizontal scroll at ${phoneWidth}px (document is ${m.scrollWidth}px wide)`);
  }
  if (page === 'index.html') await phone.screenshot({ path: path.join(ARTIFACTS, 'home-phone.png'), fullPage: true });
  if (page === firstDiffPage) await phone.screenshot({ path: path.join(ARTIFACTS, 'diff-phone.png'), fullPage: true });
}

async function checkFeed() {
  const res = await fetch(BASE + 'feed.xml');
  const type = res.headers.get('content-type') || '';
  const text = await res.text();
  if (!res.ok) return fail('feed.xml', `HTTP ${res.status}`);
  if (!/xml/.test(type)) fail('feed.xml', `served as ${type}`);
  if (!text.startsWith('<?xml')) fail('feed.xml', 'does not start with <?xml');
  // Parse it as XML in the browser: well-formed, with an Atom <feed> root.
  const tab = await ctxOn.newPage();
  const root = await tab.evaluate((t) => {
    const doc = new DOMParser().parseFromString(t, 'application/xml');
    const err = doc.getElementsByTagName('parsererror')[0];
    // Chromium wraps the parser's message in a sentence of its own.
    if (err) return { error: (err.textContent.match(/error on line [^\n]*?(?=Below is|\n|$)/) || [err.textContent])[0].trim() };
    return { ns: doc.documentElement.namespaceURI, name: doc.documentElement.localName };
  }, text);
  await tab.close();
  if (root.error) fail('feed.xml', `not well-formed XML: ${root.error}`);
  else if (root.name !== 'feed' || root.ns !== 'http://www.w3.org/2005/Atom') {
    fail('feed.xml', `root is <${root.name} xmlns="${root.ns}">, not an Atom <feed>`);
  }
}

try {
  if (files.has('feed.xml')) await checkFeed();
  let next = 0;
  let done = 0;
  const openTabs = async () => ({
    on: await Tab.open(ctxOn, 'js on'),
    off: await Tab.open(ctxOff, 'js off', true),
    phone: await Tab.open(ctxPhone, 'phone'),
  });
  const worker = async () => {
    let tabs = await openTabs();
    while (next < tested.length) {
      const page = tested[next++];
      let timer;
      try {
        await Promise.race([
          checkPage(tabs, page),
          new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${PAGE_TIMEOUT_MS / 1000}s`)), PAGE_TIMEOUT_MS); }),
        ]);
      } catch (e) {
        fail(page, `could not be checked: ${e.message.split('\n')[0]}`);
        // The tabs may be stuck or gone: start the next page afresh.
        for (const t of Object.values(tabs)) await t.tab.close().catch(() => {});
        tabs = await openTabs();
      } finally {
        clearTimeout(timer);
      }
      if (++done % 50 === 0) console.error(`site-check: ${done}/${tested.length} pages in the browser`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(JOBS, tested.length) }, worker));
} finally {
  await browser.close();
  server.close();
}

if (EXPECT_HOSTILE && !hostileSeenOn) {
  fail('SITE', `no page shows the hostile text ${HOSTILE_TEXT} as text (SITE_EXPECT_HOSTILE=1): was it dropped?`);
}

// Failures sorted by page, so two runs' outputs compare.
const unique = [...new Set(failures)].sort();
for (const f of unique) console.log(f);
const secs = ((Date.now() - started) / 1000).toFixed(1);
const sampled = tested.length < pages.length ? ` (sampled from ${pages.length})` : '';
console.log(`site-check: ${tested.length} pages checked${sampled}, ${axeRuns} axe runs, ${linksChecked} links checked, ${unique.length} failures, ${secs}s`);
process.exit(unique.length ? 1 : 0);

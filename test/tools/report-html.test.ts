import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import type { AnomalyReport } from '../../src/index.js';
import { launchChromium } from '../helpers/browser.js';
import { tempDir } from '../helpers/tmp.js';

const CLI = fileURLToPath(new URL('../../tools/cli.js', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../../../docs/samples/semi-trusted-impersonation.ndjson', import.meta.url));
function cli(args: readonly string[], input?: string): string {
  const env = { ...process.env };
  delete env.KEYLEDGER_DB;
  delete env.KEYLEDGER_STORE_KEY;
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', env });
  assert.equal(r.status, 0, `keyledger ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

let browser: Browser;

/** The page's DOM after Chromium has rendered it, serialized. */
async function renderedDom(url: string): Promise<string> {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    return await page.content();
  } finally {
    await page.close();
  }
}

/** A PNG screenshot of the page in a window of `width`×`height`. */
async function screenshot(url: string, path: string, width: number, height: number): Promise<void> {
  const page = await browser.newPage({ viewport: { width, height } });
  try {
    await page.goto(url);
    await page.screenshot({ path });
  } finally {
    await page.close();
  }
}

/** `data-count` of the first element matching `attrs` in the rendered DOM (attributes as Chromium serializes them). */
function countIn(dom: string, attrs: string): number {
  const m = new RegExp(`${attrs} data-count="(\\d+)"`).exec(dom);
  assert.ok(m, `no element with ${attrs} in the rendered page`);
  return Number(m[1]);
}

/** Checks the rendered page against `--json`: totals, families, codes, incidents, bars, rows. */
function assertMatches(dom: string, json: AnomalyReport): void {
  assert.equal(countIn(dom, 'id="total"'), json.totals.anomalies);
  for (const f of json.totals.byFamily) {
    assert.equal(countIn(dom, `<td class="n" data-family="${f.family}"`), f.count, `family ${f.family}`);
    assert.match(dom, new RegExp(`<section class="family" id="family-${f.family}"`), `no section for family ${f.family}`);
    assert.equal(dom.match(new RegExp(`<tr class="(cause|effect)" data-seq="\\d+" data-code="[^"]*" data-family="${f.family}"`, 'g'))?.length ?? 0, f.count, `rows of ${f.family}`);
  }
  const articles = [...dom.matchAll(/<article class="incident" id="incident-\d+" data-seq="(\d+)" data-effects="(\d+)"/g)];
  assert.deepEqual(articles.map((m) => [Number(m[1]), Number(m[2])]), json.incidents.map((i) => [i.cause.seq, i.effects.length]), 'one incident per cause, as --json says');
  for (const c of json.totals.byCode) assert.equal(countIn(dom, `<td class="n" data-code="${c.code}"`), c.count, `code ${c.code}`);
  const bars = [...dom.matchAll(/<g class="bar" data-start="([^"]+)" data-count="(\d+)">/g)];
  assert.deepEqual(bars.map((m) => [m[1], Number(m[2])]), json.timeline.map((b) => [b.start, b.count]), 'one bar per time bucket');
  assert.equal(dom.match(/<rect /g)?.length ?? 0, json.timeline.reduce((n, b) => n + Object.keys(b.byFamily).length, 0), 'one segment per family in each bar');
  const labels = [...dom.matchAll(/<text class="count"[^>]*>(\d+)<\/text>/g)].map((m) => Number(m[1]));
  assert.deepEqual(labels, json.timeline.filter((b) => b.count > 0).map((b) => b.count), 'each non-empty bar is labelled with its count');
}

/** Nothing in the page can make a request: no script, no external URL, a CSP that forbids loading. */
function assertOffline(html: string, dom: string): void {
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/);
  assert.doesNotMatch(html, /https?:|\/\//i, 'no URL at all in the file');
  assert.doesNotMatch(dom, /<(script|img|link|iframe|object|embed|image|use)\b/i, 'no element that loads or runs anything');
  for (const m of dom.matchAll(/\s(?:src|href|xlink:href)="([^"]*)"/g)) assert.match(m[1]!, /^#/, `only in-page links: ${m[0]}`);
}

const at = (s: number) => Date.UTC(2025, 10, 27, 8, 0, s);
/** Inputs from a hostile network: markup in user and room IDs, spread over a minute. */
const HOSTILE = [
  { kind: 'keys_query', received_at: at(1), response: { device_keys: { '@<script>alert(1)</script>:evil.org': { EVILDEV: { user_id: '@<script>alert(1)</script>:evil.org', device_id: 'EVILDEV', algorithms: [], keys: { 'curve25519:EVILDEV': 'AAAA', 'ed25519:EVILDEV': 'BBBB' }, signatures: {} } } } } },
  ...[5, 6, 40].map((s) => ({
    kind: 'to_device',
    received_at: at(s),
    event: { type: 'm.room_key', sender: '@mallory:evil.org', content: { algorithm: 'm.megolm.v1.aes-sha2', room_id: `!<img src=x onerror=alert(${s})>:evil.org`, session_id: `S${s}`, session_key: 'SECRETKEYMATERIAL' } },
  })),
].map((e) => JSON.stringify(e));

describe('keyledger report --html, in headless Chromium', function () {
  this.timeout(120_000);
  before(async () => (browser = await launchChromium()));
  after(async () => browser?.close());
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.cleanup());

  it('renders the tables and the timeline, counts as --json says, with hostile subjects as text and nothing loaded', async () => {
    const db = join(dir.path, 'ledger');
    cli(['--db', db, 'init', '--user', '@me:example.org', '--device', 'ME']);
    cli(['--db', db, 'ingest', '-'], `${[...HOSTILE, '{"kind":"to_device","received_at":1764230460000,"event":'].join('\n')}\n`);
    const html = join(dir.path, 'report.html');
    const json = JSON.parse(cli(['report', '--source', db, '--json', '--html', html])) as AnomalyReport;
    assert.ok(json.totals.anomalies >= 5 && json.timeline.length > 1, 'the log has anomalies over time');
    const dom = await renderedDom(pathToFileURL(html).href);
    assert.match(dom, /<table id="families">/);
    assertMatches(dom, json);
    const text = readFileSync(html, 'utf8');
    assertOffline(text, dom);
    assert.match(dom, /device @&lt;script&gt;alert\(1\)&lt;\/script&gt;:evil\.org EVILDEV/, 'the user ID is shown as text');
    assert.match(dom, /!&lt;img src=x onerror=alert\(5\)&gt;:evil\.org/);
    assert.doesNotMatch(text, /SECRETKEYMATERIAL/);
  });

  it('draws a page a screenshot can be taken of', async () => {
    const html = join(dir.path, 'report.html');
    cli(['report', '--source', SAMPLE, '--html', html]);
    const shot = join(dir.path, 'shot.png');
    await screenshot(pathToFileURL(html).href, shot, 1200, 1600);
    const png = readFileSync(shot);
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1200, 1600]);
    assert.ok(png.length > 20_000, `a near-empty screenshot (${png.length} bytes)`);
  });

  it('shows the shipped sample attack: one forged forwarded key, three messages that fail because of it', async () => {
    const html = join(dir.path, 'sample.html');
    const json = JSON.parse(cli(['report', '--source', SAMPLE, '--json', '--html', html])) as AnomalyReport;
    const codes = Object.fromEntries(json.totals.byCode.map((c) => [c.code, c.count]));
    assert.equal(codes['forwarded_key.untrusted_sender'], 1);
    const utd = json.anomalies.filter((a) => a.code === 'megolm.undecryptable');
    assert.deepEqual(utd.map((a) => a.subject), ['event $forged-1', 'event $forged-2', 'event $forged-3']);
    assert.ok(utd.every((a) => a.detail.cause === 'session_rejected'));
    assert.equal(json.log.verify.ok, true);
    const dom = await renderedDom(pathToFileURL(html).href);
    assertMatches(dom, json);
    assertOffline(readFileSync(html, 'utf8'), dom);
    assert.doesNotMatch(readFileSync(SAMPLE, 'utf8'), /"(session_key|private_key|pickle)":"(?!\[redacted\])/, 'the shipped sample holds no secret');
  });

  it('shows the refused forwarded key above the three messages that failed because of it, each with the command that goes deeper', async () => {
    const html = join(dir.path, 'sample.html');
    const json = JSON.parse(cli(['report', '--source', SAMPLE, '--json', '--html', html])) as AnomalyReport;
    const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
    try {
      await page.goto(pathToFileURL(html).href);
      /** Where each row of the story is drawn, top to bottom, with what it says. */
      const rows = await page.$$eval('#incidents tr[data-seq]', (trs) =>
        trs.map((tr) => ({ seq: Number(tr.getAttribute('data-seq')), code: tr.getAttribute('data-code'), role: tr.className, top: tr.getBoundingClientRect().top, text: (tr as unknown as { innerText: string }).innerText })),
      );
      const cause = rows.find((r) => r.code === 'forwarded_key.untrusted_sender')!;
      const effects = rows.filter((r) => r.code === 'megolm.undecryptable');
      assert.equal(cause.role, 'cause');
      assert.deepEqual(effects.map((e) => e.role), ['effect', 'effect', 'effect']);
      assert.ok(effects.every((e) => e.top > cause.top), 'the cause is drawn above its effects');
      const familyTables = await page.$$eval('section.family', (ss) => ss.map((s) => [s.getAttribute('data-family'), s.getBoundingClientRect().top] as const));
      assert.ok(familyTables.every(([, top]) => top > effects[effects.length - 1]!.top), 'the story comes before the reference by family');
      assert.deepEqual(familyTables.map(([f]) => f), ['forwarded_key', 'megolm', 'input'], 'families in the order the story meets them');
      const intro = await page.$eval('#incident-9 .effects-intro', (p) => (p as unknown as { innerText: string }).innerText);
      assert.equal(intro, 'Because of it: 3 × megolm.undecryptable.');
      assert.deepEqual(
        await page.$$eval('#incidents article', (as) => as.map((a) => a.querySelectorAll('tr[data-seq]').length)),
        json.incidents.map((i) => 1 + i.effects.length),
        'the rows of each incident, as --json says',
      );
      assert.ok(cause.text.includes(`$ keyledger explain --source ${SAMPLE} 9`), cause.text);
      assert.ok(effects[0]!.text.includes(`$ keyledger why-utd --source ${SAMPLE} '$forged-1'`), effects[0]!.text);
      // Markdown code spans are <code>, and no backtick is left in the text.
      const heading = await page.$eval('#incident-9 h3', (h) => h.innerHTML);
      assert.match(heading, /<code>m\.forwarded_room_key<\/code>/);
      assert.doesNotMatch(await page.$eval('body', (b) => (b as unknown as { innerText: string }).innerText), /`/);
      const bars = await page.$$eval('#timeline-chart text.count', (ts) => ts.map((t) => Number(t.textContent)));
      assert.deepEqual(bars, json.timeline.filter((b) => b.count > 0).map((b) => b.count));
      const ticks = await page.$$eval('#timeline-chart text.tick', (ts) => ts.map((t) => t.textContent));
      assert.ok(ticks.length >= 2 && ticks.every((t) => /^\d\d:\d\d:\d\d$/.test(t ?? '')), `time labels: ${ticks.join(', ')}`);
    } finally {
      await page.close();
    }
  });
});

describe('README incident walkthrough', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('## Incident walkthrough');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  /** What each command must print, in the README's words (so the two stay in step). */
  const SHOWN: Readonly<Record<string, readonly string[]>> = {
    report: ['integrity: hash chain intact; no signed checkpoints to check', '6 anomalies in 3 families', "→ seq 11  megolm.undecryptable  event $forged-1\n        $ keyledger why-utd --source docs/samples/semi-trusted-impersonation.ndjson '$forged-1'", 'event $forged-3', 'cause=session_rejected', 'Forwarded room keys (forwarded_key): 1', 'forwarder=BOBTABLET'],
    'why-utd': ['$forged-1 in !lunch:example.org from @alice:example.org: NOT decrypted', 'Cause: session_rejected: a key for this session arrived at seq 9 and was refused: forwarded_key.untrusted_sender', 'event $forged-3 arrived → megolm_undecryptable'],
    explain: ['device_id=BOBTABLET', 'trust=cross_signed_tofu', 'request_id=null', 'keys_query  /keys/query: @alice:example.org, @bob:example.org  [raw input]'],
  };

  it('runs as written on the shipped sample, and prints what it says', () => {
    const commands = [...section.matchAll(/^npx keyledger (.*?)(?:\s+#.*)?$/gm)].map((m) => [...m[1]!.matchAll(/'([^']*)'|(\S+)/g)].map((w) => w[1] ?? w[2]!));
    assert.deepEqual(commands.map((c) => c[0]), ['report', 'why-utd', 'explain']);
    for (const args of commands) {
      const env = { ...process.env };
      delete env.KEYLEDGER_DB;
      const r = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8', env });
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      const squash = (t: string) => t.replace(/\s+/g, ' ');
      for (const phrase of SHOWN[args[0]!]!) {
        assert.ok(squash(r.stdout).includes(squash(phrase)), `keyledger ${args[0]} no longer prints: ${phrase}`);
        assert.ok(squash(section).includes(squash(phrase)), `the README no longer shows: ${phrase}`);
      }
    }
  });
});

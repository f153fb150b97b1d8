// The web dashboard (/ui/) in a real browser: Debian's chromium driven by playwright-core,
// against the real stack at JOBWORKER_URL (run.sh starts it). Each user's browser context
// presents that user's client certificate (clientCertificates); NODE_EXTRA_CA_CERTS=certs/ca.crt
// makes the Node side trust the server. Tests wait for conditions with bounded timeouts, never
// for a time.
//
// The tests marked [needs GET /jobs/events] need the event stream (issue 15): until the server
// has it they fail with "GET /jobs/events not available", on purpose, rather than pass or skip.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = process.env.JOBWORKER_URL;
if (!BASE) throw new Error('JOBWORKER_URL is not set: run tests/browser/run.sh (make browser-test)');
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CERTS = path.join(REPO, 'certs');
const SHOTS = process.env.JOBWORKER_SHOTS || path.join(REPO, 'build', 'browser');
const WAIT = 20000; // the bound on any one condition

// ---- the API from Node, as a given user (not through the page) ----
function call(user, method, p, body) {
	return new Promise((resolve, reject) => {
		const data = body === undefined ? null : JSON.stringify(body);
		const req = https.request(new URL(p, BASE), {
			method,
			cert: fs.readFileSync(path.join(CERTS, `${user}.crt`)),
			key: fs.readFileSync(path.join(CERTS, `${user}.key`)),
			headers: data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {},
		}, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (c) => (text += c));
			res.on('end', () => {
				let json = null;
				try { json = JSON.parse(text); } catch { /* not JSON */ }
				resolve({ status: res.statusCode, headers: res.headers, text, json });
			});
		});
		req.on('error', reject);
		req.end(data ?? undefined);
	});
}

// Jobs the tests started through the API: those still active are killed after each test.
const started = [];
async function start(user, command, extra = {}) {
	const r = await call(user, 'POST', '/jobs', { command, ...extra });
	assert.equal(r.status, 201, `POST /jobs as ${user}: ${r.text}`);
	started.push(r.json);
	return r.json;
}
afterEach(async () => {
	for (const job of started.splice(0)) await call(job.owner, 'DELETE', `/jobs/${job.id}?signal=KILL`);
});

// Whether the server has the event stream: the first bytes of GET /jobs/events' answer.
let eventsStatus = null;
function probeEvents() {
	return new Promise((resolve) => {
		const req = https.request(new URL('/jobs/events', BASE), {
			cert: fs.readFileSync(path.join(CERTS, 'user1.crt')),
			key: fs.readFileSync(path.join(CERTS, 'user1.key')),
		}, (res) => {
			const ok = res.statusCode === 200 && /^text\/event-stream/.test(res.headers['content-type'] ?? '');
			res.destroy();
			resolve(ok ? 'ok' : `answered ${res.statusCode} ${res.headers['content-type'] ?? ''}`);
		});
		req.on('error', (e) => resolve(`failed: ${e.message}`));
		req.end();
	});
}
function needsEvents() {
	if (eventsStatus !== 'ok') {
		throw new Error(`GET /jobs/events not available (${eventsStatus}): this test waits for the event stream (issue 15)`);
	}
}

// ---- the browser ----
let browser;
let profiles;
before(async () => {
	eventsStatus = await probeEvents();
	profiles = fs.mkdtempSync(path.join(os.tmpdir(), 'jobworker-chromium-'));
	browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		headless: true,
		// Without the background-networking flags, Chromium's own connections (updates, sync,
		// QUIC) are refused by this machine's closed network.
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		env: { ...process.env, HOME: profiles },
	});
	fs.mkdirSync(SHOTS, { recursive: true });
});
after(async () => {
	await browser?.close();
	if (profiles) fs.rmSync(profiles, { recursive: true, force: true });
});

// open(user, hash): a fresh context presenting USER's certificate, a page on /ui/#HASH, and what
// it saw: dialogs (dismissed), script errors, Content-Security-Policy violations.
async function open(user, hash = '#/') {
	const context = await browser.newContext({
		clientCertificates: [{ origin: new URL(BASE).origin, certPath: path.join(CERTS, `${user}.crt`), keyPath: path.join(CERTS, `${user}.key`) }],
		viewport: { width: 1280, height: 860 },
	});
	const page = await context.newPage();
	const seen = { dialogs: [], errors: [], csp: [] };
	page.on('dialog', (d) => { seen.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
	page.on('pageerror', (e) => seen.errors.push(e.message));
	page.on('console', (m) => { if (/Content.Security.Policy/i.test(m.text())) seen.csp.push(m.text()); });
	const response = await page.goto(`${BASE}/ui/${hash}`);
	await page.waitForSelector('#app section, #app .notice', { state: 'attached', timeout: WAIT });
	return { context, page, seen, response };
}

const clean = (seen) => {
	assert.deepEqual(seen.dialogs, [], 'no dialog');
	assert.deepEqual(seen.errors, [], 'no script error');
	assert.deepEqual(seen.csp, [], 'no Content-Security-Policy violation');
};

// The list has been read (the summary says so) on the jobs page.
const listed = (page) => page.waitForFunction(() => {
	const s = document.querySelector('.summary');
	return s && !s.textContent.includes('loading');
}, null, { timeout: WAIT });

const rowState = (page, id, state) => page.waitForSelector(`#jobs tr[data-id="${id}"][data-state="${state}"]`, { timeout: WAIT });

// A marker in the page's window: still there, the page was not reloaded.
const mark = (page) => page.evaluate(() => { window.notReloaded = true; });
const stillSamePage = async (page) => assert.equal(await page.evaluate(() => window.notReloaded), true, 'the page was not reloaded');

// ---- the tests ----

test('the page loads for user1 with its security headers, and is refused without a certificate', async () => {
	const { context, page, seen, response } = await open('user1');
	try {
		assert.equal(response.status(), 200);
		const h = response.headers();
		assert.match(h['content-type'], /^text\/html/);
		assert.match(h['content-security-policy'], /default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'/);
		assert.equal(h['x-content-type-options'], 'nosniff');
		const js = await page.request.get(`${BASE}/ui/app.js`);
		assert.match(js.headers()['content-type'], /^text\/javascript/);
		await page.waitForSelector('#jobs', { timeout: WAIT });
		await listed(page);
		assert.equal(await page.locator('form.job-form').count(), 1);
		assert.equal(await page.title(), 'Job worker');
		// /ui goes to /ui/.
		await page.goto(`${BASE}/ui`);
		assert.equal(new URL(page.url()).pathname, '/ui/');
		await page.waitForSelector('#jobs', { timeout: WAIT });
		clean(seen);
	} finally {
		await context.close();
	}
	// Without a certificate nginx answers its JSON error and no page is served.
	const bare = await browser.newContext({ ignoreHTTPSErrors: true });
	try {
		const p = await bare.newPage();
		const r = await p.goto(`${BASE}/ui/`);
		assert.equal(r.status(), 400);
		assert.match(await r.text(), /"code":"bad_certificate"/);
		assert.equal(await p.locator('#app').count(), 0);
	} finally {
		await bare.close();
	}
});

test('a job started from the form appears in the table without a reload, its output shows while it runs, and Stop ends it', async () => {
	const { context, page, seen } = await open('user1');
	try {
		await listed(page);
		await mark(page);
		const script = 'i=0; while :; do echo "tick $i"; i=$((i+1)); sleep 0.2; done';
		await page.fill('#command-line', `sh -c '${script}'`);
		// The argv is shown before it is sent.
		await page.waitForFunction((want) => JSON.stringify([...document.querySelectorAll('#argv-preview li code')].map((c) => c.textContent)) === want,
			JSON.stringify(['sh', '-c', script]), { timeout: WAIT });
		await page.fill('#f-timeout_s', '120');
		await page.click('form.job-form button[type=submit]');
		const link = await page.waitForSelector('.form-done a', { timeout: WAIT });
		const id = (await link.textContent()).replace(/^job /, '');
		started.push({ id, owner: 'user1' });
		await page.waitForSelector(`#jobs tr[data-id="${id}"]`, { timeout: WAIT });
		await stillSamePage(page);

		await page.click(`#jobs tr[data-id="${id}"] td.id a`);
		await page.waitForSelector('#job-fields', { timeout: WAIT });
		await page.waitForFunction(() => /tick 2\n/.test(document.querySelector('pre.output')?.textContent ?? ''), null, { timeout: WAIT });
		// The output came while the job runs: the server says it still does.
		assert.equal((await call('user1', 'GET', `/jobs/${id}`)).json.state, 'running');
		assert.equal(await page.textContent('#job-fields tr[data-field=state] td'), 'running');
		assert.equal(await page.textContent('#output-state'), 'following…');

		await page.selectOption('#stop-signal', 'INT');
		await page.click('#stop');
		await page.waitForFunction(() => document.querySelector('#job-fields tr[data-field=state] td')?.textContent === 'stopped', null, { timeout: WAIT });
		await page.waitForFunction(() => document.querySelector('#output-state')?.textContent === 'ended', null, { timeout: WAIT });
		assert.match(await page.textContent('#job-fields tr[data-field=error] td'), /stopped by user1/);
		assert.equal(await page.isDisabled('#stop'), true);

		await page.click('.back a');
		await rowState(page, id, 'stopped');
		await stillSamePage(page);
		clean(seen);
	} finally {
		await context.close();
	}
});

test('[needs GET /jobs/events] jobs started and ended elsewhere show in the open table without a reload', async () => {
	needsEvents();
	const { context, page, seen } = await open('user1');
	try {
		await page.waitForSelector('#live[data-state="live"]', { timeout: WAIT });
		await listed(page);
		await mark(page);
		const sleeper = await start('user1', ['sleep', '300']);
		await rowState(page, sleeper.id, 'running');
		const quick = await start('user1', ['true']);
		await rowState(page, quick.id, 'succeeded');
		assert.equal((await call('user1', 'DELETE', `/jobs/${sleeper.id}`)).status, 200);
		await rowState(page, sleeper.id, 'stopped');
		// A job's page follows its state too.
		const other = await start('user1', ['sleep', '300']);
		await page.goto(`${BASE}/ui/#/jobs/${other.id}`);
		await mark(page);
		await page.waitForFunction(() => document.querySelector('#job-fields tr[data-field=state] td')?.textContent === 'running', null, { timeout: WAIT });
		await call('user1', 'DELETE', `/jobs/${other.id}?signal=KILL`);
		await page.waitForFunction(() => document.querySelector('#job-fields tr[data-field=state] td')?.textContent === 'stopped', null, { timeout: WAIT });
		await stillSamePage(page);
		clean(seen);
	} finally {
		await context.close();
	}
});

test('the page applies the stream\'s events as the contract says (a stand-in stream, until the real one is in main)', async () => {
	// GET /jobs/events answered by the test itself: the events of a job the server does not have,
	// then, on the page's reconnection (with Last-Event-ID), a reset that makes it list again.
	const fake = { id: '90001', owner: 'user1', command: ['fake', '<b>job</b>'], state: 'running', exit_code: null, signal: null, error: null, created_at: new Date().toISOString() };
	const asked = [];
	let letReconnect;
	const checked = new Promise((resolve) => (letReconnect = resolve));
	const context = await browser.newContext({
		clientCertificates: [{ origin: new URL(BASE).origin, certPath: path.join(CERTS, 'user1.crt'), keyPath: path.join(CERTS, 'user1.key') }],
	});
	try {
		await context.route('**/jobs/events', async (route) => {
			asked.push(route.request().headers()['last-event-id'] ?? null);
			if (asked.length > 1) await checked; // the reconnection is answered once the test has looked
			const body = asked.length === 1
				? `: keep-alive\n\nretry: 200\nid: 7\nevent: created\ndata: ${JSON.stringify(fake)}\n\nid: 8\nevent: ended\ndata: ${JSON.stringify({ ...fake, state: 'succeeded', exit_code: 0 })}\n\n`
				: 'id: 9\nevent: reset\ndata: {}\n\n';
			return route.fulfill({ status: 200, headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' }, body });
		});
		const page = await context.newPage();
		const errors = [];
		page.on('pageerror', (e) => errors.push(e.message));
		await page.goto(`${BASE}/ui/#/`);
		await page.waitForSelector('#jobs', { timeout: WAIT });
		await rowState(page, fake.id, 'succeeded');
		assert.match(await page.textContent(`#jobs tr[data-id="${fake.id}"] td.cmd`), /<b>job<\/b>/);
		assert.equal(await page.locator('#jobs b').count(), 0);
		letReconnect();
		// Reconnected after the stream ended, sending the last id; the reset took the job away.
		await page.waitForSelector(`#jobs tr[data-id="${fake.id}"]`, { state: 'detached', timeout: WAIT });
		assert.deepEqual(asked.slice(0, 2), [null, '8']);
		assert.deepEqual(errors, []);
	} finally {
		await context.close();
	}
});

test("user2's page never shows user1's job", async () => {
	const theirs = await start('user1', ['sleep', '300']);
	const mine = await start('user2', ['sleep', '300']);
	const { context, page, seen } = await open('user2');
	try {
		await listed(page);
		await page.waitForSelector(`#jobs tr[data-id="${mine.id}"]`, { timeout: WAIT });
		assert.equal(await page.locator(`#jobs tr[data-id="${theirs.id}"]`).count(), 0);
		assert.equal(await page.locator('#jobs tr[data-owner="user1"]').count(), 0);
		assert.equal(await page.locator('#filter-owner').isVisible(), false);
		// Its page is answered as a job that does not exist.
		await page.goto(`${BASE}/ui/#/jobs/${theirs.id}`);
		await page.waitForSelector('.job .form-error:not([hidden])', { timeout: WAIT });
		assert.match(await page.textContent('.job .form-error'), /no job/);
		assert.equal(await page.locator('#job-fields tr').count(), 0);
		assert.equal(await page.textContent('pre.output'), '');
		clean(seen);
	} finally {
		await context.close();
	}
});

test("[needs GET /jobs/events] user2's open page never receives user1's new job", async () => {
	needsEvents();
	const { context, page, seen } = await open('user2');
	try {
		await page.waitForSelector('#live[data-state="live"]', { timeout: WAIT });
		await listed(page);
		const theirs = await start('user1', ['true']);
		const mine = await start('user2', ['true']);
		// Events come in order: user2's own job, created after user1's, has arrived.
		await rowState(page, mine.id, 'succeeded');
		assert.equal(await page.locator(`#jobs tr[data-id="${theirs.id}"]`).count(), 0);
		assert.equal(await page.locator('#jobs tr[data-owner="user1"]').count(), 0);
		clean(seen);
	} finally {
		await context.close();
	}
});

test("an admin's page shows every owner's jobs and filters them by owner and state", async () => {
	const a = await start('user1', ['sleep', '300']);
	const b = await start('user2', ['echo', 'from user2']);
	await call('user2', 'GET', `/jobs/${b.id}?wait=10`);
	const { context, page, seen } = await open('admin');
	try {
		await listed(page);
		await page.waitForSelector(`#jobs tr[data-id="${a.id}"][data-owner="user1"]`, { timeout: WAIT });
		await page.waitForSelector(`#jobs tr[data-id="${b.id}"][data-owner="user2"]`, { timeout: WAIT });
		await page.waitForSelector('#role:not([hidden])', { timeout: WAIT });
		await page.waitForSelector('#filter-owner', { state: 'visible', timeout: WAIT });
		await page.selectOption('#filter-owner', 'user2');
		await page.waitForSelector(`#jobs tr[data-id="${a.id}"]`, { state: 'detached', timeout: WAIT });
		assert.equal(await page.locator('#jobs tr[data-owner="user1"]').count(), 0);
		assert.ok(await page.locator('#jobs tr[data-owner="user2"]').count() >= 1);
		assert.match(page.url(), /owner=user2/);
		await page.selectOption('#filter-owner', '');
		await page.selectOption('#filter-state', 'running');
		await page.waitForSelector(`#jobs tr[data-id="${b.id}"]`, { state: 'detached', timeout: WAIT });
		await page.waitForSelector(`#jobs tr[data-id="${a.id}"]`, { timeout: WAIT });
		assert.equal(await page.locator('#jobs tbody tr:not([data-state="running"])').count(), 0);
		clean(seen);
	} finally {
		await context.close();
	}
});

test('hostile output and commands are shown as text: no dialog, no new element, no escape sequence acted on', async () => {
	const evil = '<img src=x onerror=alert(1)>';
	const script = `printf '%s\\n' '${evil}'; printf '\\033[31mred\\033[0m \\033[1mbold\\033[0m\\n'; ` +
		`printf '\\033]0;pwned-title\\007\\033[2J\\033[Hafter-clear\\n'; ` +
		`printf '\\033]8;;javascript:alert(2)\\033\\\\link\\033]8;;\\033\\\\\\n'; printf 'bell\\007back\\010\\n'`;
	const job = await start('user1', ['sh', '-c', script, '<script>alert(3)</script>']);
	const done = await call('user1', 'GET', `/jobs/${job.id}?wait=20`);
	assert.equal(done.json.state, 'succeeded', done.text);
	const { context, page, seen } = await open('user1');
	try {
		await page.evaluate(() => {
			window.added = [];
			new MutationObserver((ms) => ms.forEach((m) => m.addedNodes.forEach((n) => {
				if (n.nodeType === 1) window.added.push(n.tagName, ...[...n.querySelectorAll('*')].map((e) => e.tagName));
			}))).observe(document, { childList: true, subtree: true });
		});
		await listed(page);
		const cell = await page.waitForSelector(`#jobs tr[data-id="${job.id}"] td.cmd`, { timeout: WAIT });
		assert.match(await cell.textContent(), /'<script>alert\(3\)<\/script>'/);
		await page.click(`#jobs tr[data-id="${job.id}"] td.id a`);
		await page.waitForFunction(() => document.querySelector('#output-state')?.textContent === 'ended', null, { timeout: WAIT });
		const out = await page.textContent('pre.output');
		assert.ok(out.includes(`${evil}\n`), out);
		assert.ok(out.includes('after-clear') && out.includes('link') && out.includes('bell^Gback^H'), out);
		assert.ok(!out.includes('\x1b') && !out.includes('pwned-title') && !out.includes('javascript:'), out);
		assert.equal(await page.textContent('pre.output span.fg-1'), 'red');
		assert.equal(await page.textContent('pre.output span.b'), 'bold');
		assert.deepEqual(await page.$$eval('pre.output span.ctl', (s) => s.map((e) => e.textContent)), ['^G', '^H']);
		assert.match(await page.textContent('#job-fields tr[data-field=command] td'), /<script>alert\(3\)<\/script>/);
		// Nothing but text and the page's own spans and rows was made.
		const added = await page.evaluate(() => window.added);
		const allowed = new Set(['SECTION', 'P', 'A', 'DIV', 'H1', 'H2', 'LABEL', 'SELECT', 'OPTION', 'BUTTON', 'TABLE', 'TBODY', 'THEAD', 'TR', 'TH', 'TD', 'SPAN', 'CODE', 'OL', 'UL', 'LI', 'DL', 'DT', 'DD', 'PRE', 'FORM', 'FIELDSET', 'LEGEND', 'INPUT']);
		assert.deepEqual(added.filter((t) => !allowed.has(t)), []);
		assert.deepEqual(await page.evaluate(() => [...document.querySelectorAll('pre.output *')].filter((e) => e.tagName !== 'SPAN' || e.children.length).length), 0);
		assert.equal(await page.locator('img, iframe, object, embed').count(), 0);
		assert.equal(await page.locator('script').count(), 1);
		assert.ok(!(await page.title()).includes('pwned'));
		clean(seen);
		await page.screenshot({ path: path.join(SHOTS, 'job-hostile.png'), fullPage: true });
	} finally {
		await context.close();
	}
});

test("an API error is shown next to the field it concerns, and a line that cannot be split is not sent", async () => {
	const { context, page, seen } = await open('user1');
	try {
		await listed(page);
		const before = (await call('user1', 'GET', '/jobs/logs')).json.logs.length;
		await page.fill('#command-line', 'echo "unclosed');
		await page.click('form.job-form button[type=submit]');
		await page.waitForSelector('.field-error[data-for="command"]:not([hidden])', { timeout: WAIT });
		assert.match(await page.textContent('.field-error[data-for="command"]'), /double quote/);

		await page.fill('#command-line', 'true');
		await page.fill('#f-timeout_s', '999999999');
		await page.click('form.job-form button[type=submit]');
		await page.waitForSelector('.field-error[data-for="timeout_s"]:not([hidden])', { timeout: WAIT });
		assert.match(await page.textContent('.field-error[data-for="timeout_s"]'), /timeout_s.*400 invalid_request/);
		assert.equal(await page.getAttribute('#f-timeout_s', 'aria-invalid'), 'true');

		await page.fill('#f-timeout_s', '');
		await page.fill('#f-cpu_percent', '0');
		await page.click('form.job-form button[type=submit]');
		await page.waitForSelector('.field-error[data-for="limits.cpu_percent"]:not([hidden])', { timeout: WAIT });
		assert.match(await page.textContent('.field-error[data-for="limits.cpu_percent"]'), /limits\.cpu_percent/);
		assert.equal(await page.isHidden('.field-error[data-for="timeout_s"]'), true);

		// One field per argument: the line's argv carried over, an empty first one refused by the API.
		await page.fill('#f-cpu_percent', '');
		await page.fill('#command-line', `printf '%s|' 'a b' c`);
		await page.check('input[name=mode][value=args]');
		assert.deepEqual(await page.$$eval('input.arg', (is) => is.map((i) => i.value)), ['printf', '%s|', 'a b', 'c']);
		await page.fill('input.arg >> nth=0', '');
		await page.click('form.job-form button[type=submit]');
		await page.waitForSelector('.field-error[data-for="command"]:not([hidden])', { timeout: WAIT });
		assert.match(await page.textContent('.field-error[data-for="command"]'), /command\[0\]/);
		assert.equal((await call('user1', 'GET', '/jobs/logs')).json.logs.length, before, 'nothing was started');
		clean(seen);
	} finally {
		await context.close();
	}
});

test('Restart starts the same command again as a new job', async () => {
	const job = await start('user1', ['echo', 'once more'], { timeout_s: 60 });
	await call('user1', 'GET', `/jobs/${job.id}?wait=20`);
	const { context, page, seen } = await open('user1', `#/jobs/${job.id}`);
	try {
		await page.waitForFunction(() => document.querySelector('#output-state')?.textContent === 'ended', null, { timeout: WAIT });
		assert.equal(await page.textContent('pre.output'), 'once more\n');
		await page.click('#restart');
		await page.waitForFunction((old) => /^#\/jobs\//.test(location.hash) && location.hash !== `#/jobs/${old}`, job.id, { timeout: WAIT });
		const id = decodeURIComponent(new URL(page.url()).hash.slice('#/jobs/'.length));
		const next = (await call('user1', 'GET', `/jobs/${id}`)).json;
		assert.deepEqual(next.command, ['echo', 'once more']);
		assert.equal(next.timeout_s, 60);
		await page.waitForFunction(() => document.querySelector('pre.output')?.textContent === 'once more\n', null, { timeout: WAIT });
		clean(seen);
	} finally {
		await context.close();
	}
});

test('screenshots of the pages land in build/ (and, asked for, docs/)', async () => {
	const jobs = [
		await start('user1', ['sh', '-c', 'printf "\\033[32mok\\033[0m building\\n"; sleep 300']),
		await start('user2', ['make', '-C', '/srv/project', 'test']),
		await start('user1', ['sh', '-c', 'echo "\\033[1;31merror:\\033[0m missing file" >&2; exit 2']),
	];
	await start('user2', ['python3', '-c', 'print("hello from user2")']);
	await call('user1', 'GET', `/jobs/${jobs[2].id}?wait=10`);
	const { context, page } = await open('admin');
	try {
		await listed(page);
		await page.waitForSelector(`#jobs tr[data-id="${jobs[2].id}"][data-state="failed"]`, { timeout: WAIT });
		const file = path.join(SHOTS, 'dashboard.png');
		await page.screenshot({ path: file, fullPage: false });
		assert.ok(fs.statSync(file).size > 10000);
		if (process.env.DOCS_SCREENSHOT) fs.copyFileSync(file, path.join(REPO, 'docs', 'dashboard.png'));
		await page.goto(`${BASE}/ui/#/jobs/${jobs[0].id}`);
		await page.waitForFunction(() => /building/.test(document.querySelector('pre.output')?.textContent ?? ''), null, { timeout: WAIT });
		await page.screenshot({ path: path.join(SHOTS, 'job.png'), fullPage: true });
	} finally {
		await context.close();
	}
});

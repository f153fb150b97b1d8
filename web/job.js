// A job's page (#/jobs/ID): its fields (those the page knows, then any other the API has, shown
// generically), its output followed live while it runs, Stop with a choice of signal, Restart.
import { api, jobPath, ApiError } from './api.js';
import { h, jobHref } from './dom.js';
import { isActive, jobId } from './store.js';
import { OutputView } from './output.js';
import * as fmt from './format.js';

export const SIGNALS = ['TERM', 'INT', 'HUP', 'QUIT', 'USR1', 'USR2', 'KILL'];

// The fields the page lays out itself, in order; any other is listed after them. "output" (the
// ended job's kept output as escaped text) is shown by the output panel instead.
const KNOWN = ['id', 'state', 'exit_code', 'signal', 'error', 'owner', 'command', 'pid', 'created_at',
	'started_at', 'finished_at', 'timeout_s', 'limits', 'containment', 'usage', 'output_bytes',
	'output_truncated', 'output', 'executor', 'slurm'];

// Where the job runs: this host, or a Slurm job on its node (jobsupd --executor slurm).
function runsOn(job) {
	const s = job.slurm;
	if (job.executor !== 'slurm' || !s || typeof s !== 'object') {
		return job.executor === 'local' ? 'this host' : fmt.generic(job.executor);
	}
	const where = typeof s.job_id === 'number'
		? `Slurm job ${fmt.generic(s.job_id)} on ${fmt.generic(s.node)} (partition ${fmt.generic(s.partition)})`
		: 'Slurm, waiting in its queue';
	const n = s.cpus_per_task;
	return typeof n === 'number' ? `${where}, ${fmt.generic(n)} CPU${n === 1 ? '' : 's'} per task` : where;
}

// A value of a field the page does not know: objects and arrays as nested lists, the rest as text.
function genericValue(v, depth = 0) {
	if (v && typeof v === 'object' && depth < 4) {
		const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
		if (!entries.length) return h('span', { class: 'muted' }, Array.isArray(v) ? '(none)' : '{}');
		return h('dl', { class: 'nested' }, entries.map(([k, x]) => [h('dt', {}, k), h('dd', {}, genericValue(x, depth + 1))]));
	}
	return fmt.generic(v);
}

function fields(job) {
	const rows = [];
	const f = (key, label, value, cls) => rows.push(h('tr', { dataset: { field: key } }, h('th', { scope: 'row', title: key }, label), h('td', { class: cls }, value)));
	const state = typeof job.state === 'string' ? job.state : 'unknown';
	f('state', 'State', h('span', { class: ['state', `state-${state}`] }, state));
	f('exit_code', 'Exit code', fmt.generic(job.exit_code));
	f('signal', 'Signal', fmt.generic(job.signal));
	f('error', 'Error', fmt.generic(job.error), job.error ? 'error-text' : null);
	f('owner', 'Owner', fmt.generic(job.owner));
	f('command', 'Command', Array.isArray(job.command)
		? h('div', {}, h('code', { class: 'cmdline' }, fmt.command(job.command)),
			h('ol', { class: 'argv', 'aria-label': 'argv' }, job.command.map((a) => h('li', {}, h('code', {}, fmt.generic(a))))))
		: genericValue(job.command));
	f('pid', 'PID', fmt.generic(job.pid));
	f('created_at', 'Created', h('span', { title: fmt.generic(job.created_at) }, fmt.time(job.created_at)));
	f('started_at', 'Started', h('span', { title: fmt.generic(job.started_at) }, fmt.time(job.started_at)));
	f('finished_at', 'Finished', h('span', { title: fmt.generic(job.finished_at) }, fmt.time(job.finished_at)));
	if (job.started_at && job.finished_at) f('duration', 'Ran for', fmt.between(job.started_at, job.finished_at));
	f('timeout_s', 'Timeout', typeof job.timeout_s === 'number' ? `${job.timeout_s} s` : fmt.generic(job.timeout_s));
	f('limits', 'Limits', job.limits && typeof job.limits === 'object'
		? h('dl', { class: 'nested' }, Object.entries(job.limits).map(([k, v]) => [h('dt', {}, k), h('dd', {}, fmt.limit(k, v))]))
		: 'none');
	f('containment', 'Containment', fmt.generic(job.containment));
	f('executor', 'Runs on', runsOn(job));
	f('usage', 'Usage', job.usage && typeof job.usage === 'object'
		? h('dl', { class: 'nested' }, Object.entries(job.usage).map(([k, v]) => [h('dt', {}, k),
			h('dd', {}, k === 'cpu_ms' && typeof v === 'number' ? `${v} ms of CPU` : /bytes/.test(k) ? fmt.bytes(v) : fmt.generic(v))]))
		: fmt.generic(job.usage));
	f('output_bytes', 'Output', `${fmt.bytes(job.output_bytes)} written` + (job.output_truncated === true ? '; only the most recent are kept' : ''));
	for (const [k, v] of Object.entries(job)) if (!KNOWN.includes(k)) f(k, k, genericValue(v));
	return rows;
}

export function jobView(store, id) {
	const title = h('h1', {}, `Job ${id}`);
	const problem = h('p', { class: 'form-error', role: 'alert', hidden: true });
	const table = h('table', { class: 'fields', id: 'job-fields' });
	const signal = h('select', { id: 'stop-signal', 'aria-label': 'signal' }, SIGNALS.map((s) => h('option', { value: s }, `SIG${s}`)));
	const stop = h('button', { type: 'button', id: 'stop', class: 'danger', text: 'Stop' });
	const restart = h('button', { type: 'button', id: 'restart', text: 'Restart' });
	const out = new OutputView();
	const outState = h('span', { class: 'output-state', id: 'output-state', role: 'status' });
	let job = store.get(id) ?? null;
	let ctl = null; // the output request
	let following = false;
	let gone = false;

	const say = (msg) => {
		problem.textContent = msg;
		problem.hidden = !msg;
	};

	function render() {
		if (!job) return;
		table.replaceChildren(...fields(job));
		const active = isActive(job);
		stop.disabled = !active || stop.dataset.busy === '1';
		signal.disabled = stop.disabled;
		document.title = `Job ${id} (${job.state}): job worker`;
	}

	async function load() {
		try {
			job = await api('GET', jobPath(id));
			store.put(job);
			render();
			return true;
		} catch (e) {
			if (e instanceof ApiError && e.status === 404) {
				say(`There is no job ${id} that you may see (it may have left the log).`);
				table.replaceChildren();
				stop.disabled = restart.disabled = signal.disabled = true;
			} else say(e.message);
			return false;
		}
	}

	// The output: what is kept, then live until the job ends (?follow=1), decoded as it comes.
	async function follow() {
		ctl?.abort();
		ctl = new AbortController();
		out.reset();
		following = true;
		outState.textContent = 'following…';
		outState.dataset.state = 'following';
		let res;
		try {
			res = await fetch(`${jobPath(id)}/output?follow=1`, { cache: 'no-store', signal: ctl.signal });
			if (!res.ok) {
				let msg = `GET output answered ${res.status}`;
				try { msg = (await res.json()).error.message; } catch { /* not JSON */ }
				throw new Error(msg);
			}
			const reader = res.body.getReader();
			for (;;) {
				const { value, done } = await reader.read();
				if (done) break;
				out.write(value);
			}
			out.write(null, true);
			outState.textContent = 'ended';
			outState.dataset.state = 'ended';
		} catch (e) {
			if (gone) return;
			outState.textContent = `interrupted: ${e.message}`;
			outState.dataset.state = 'interrupted';
			outState.append(' ', h('button', { type: 'button', class: 'small', text: 'follow again', onclick: follow }));
		} finally {
			following = false;
		}
		// The output ends when the job does: read its final state (also when no event stream).
		if (!gone) await load();
	}

	stop.addEventListener('click', async () => {
		stop.dataset.busy = '1';
		render();
		say('');
		stop.textContent = 'Stopping…';
		try {
			job = await api('DELETE', `${jobPath(id)}?signal=${encodeURIComponent(signal.value)}`);
			store.put(job);
		} catch (e) {
			say(`${e.message}${e.status ? ` (${e.status} ${e.code})` : ''}`);
		} finally {
			stop.dataset.busy = '';
			stop.textContent = 'Stop';
			render();
		}
	});

	restart.addEventListener('click', async () => {
		say('');
		restart.disabled = true;
		try {
			const next = await api('POST', `${jobPath(id)}/restart`);
			store.put(next, true);
			location.hash = jobHref(jobId(next));
		} catch (e) {
			say(`${e.message}${e.status ? ` (${e.status} ${e.code})` : ''}`);
		} finally {
			restart.disabled = false;
		}
	});

	const unsubscribe = store.subscribe((change) => {
		if (change.type === 'put' && change.id === String(id)) {
			job = change.job;
			render();
		} else if (change.type === 'reset' && store.get(id)) {
			job = store.get(id);
			render();
		}
	});

	render();
	load().then((ok) => { if (ok && !gone) follow(); });

	const el = h('section', { class: 'job' },
		h('p', { class: 'back' }, h('a', { href: '#/' }, '← all jobs')),
		h('div', { class: 'toolbar' }, title,
			h('div', { class: 'buttons' }, h('label', {}, 'Signal ', signal), stop, restart)),
		problem, table,
		h('h2', {}, 'Output ', outState), out.box);
	return {
		el,
		destroy() {
			gone = true;
			unsubscribe();
			ctl?.abort();
		},
		get following() { return following; },
	};
}

// The dashboard: routes (#/ the jobs table and the form, #/jobs/ID a job's page), the jobs store
// kept current by the event stream (GET /jobs/events) over the list (GET /jobs/logs), and the
// caller's role. No polling: the list is read at start and when the stream says to (reset, or
// a connection without Last-Event-ID); everything else arrives on the stream or as answers.
import { api } from './api.js';
import { h } from './dom.js';
import { JobStore } from './store.js';
import { EventStream } from './sse.js';
import { listView } from './list.js';
import { jobView } from './job.js';
import { jobForm } from './form.js';

const store = new JobStore();
const app = document.getElementById('app');
const live = document.getElementById('live');
const roleEl = document.getElementById('role');

// What the page knows of its caller: admin when GET /metrics answers 200 (it is for admins only).
const session = {
	admin: false,
	listeners: new Set(),
	onChange(fn) {
		this.listeners.add(fn);
		return () => this.listeners.delete(fn);
	},
};

// The list, with the events that arrive while it is read applied over it.
let syncing = null; // the events buffered during a sync, or null
let listProblem = null;
async function sync() {
	if (syncing) {
		syncing.again = true;
		return;
	}
	syncing = { events: [], again: false };
	try {
		const data = await api('GET', '/jobs/logs');
		const list = Array.isArray(data?.logs) ? data.logs : [];
		const after = syncing.events;
		const again = syncing.again;
		syncing = null;
		store.replace(list, after);
		setListProblem(null);
		if (again) sync();
	} catch (e) {
		syncing = null;
		setListProblem(`The jobs could not be listed: ${e.message}`);
	}
}

function setListProblem(msg) {
	listProblem = msg;
	const el = document.getElementById('list-problem');
	if (el) {
		el.textContent = msg ?? '';
		el.hidden = !msg;
	}
}

function onEvent(ev) {
	if (ev.type === 'reset') return void sync();
	if (!['created', 'started', 'ended', 'removed'].includes(ev.type)) return;
	let job;
	try {
		job = JSON.parse(ev.data);
	} catch {
		return;
	}
	if (!job || typeof job !== 'object') return;
	if (syncing) syncing.events.push([ev.type, job]);
	else store.apply(ev.type, job);
}

const LIVE_TEXT = {
	connecting: 'connecting…',
	live: 'live',
	waiting: 'reconnecting…',
	unavailable: 'no live updates',
};
let listed = false;
const stream = new EventStream('/jobs/events', {
	onEvent,
	onOpen(resumed) {
		// Resumed with Last-Event-ID, the server sends what was missed (or a reset); a new
		// stream starts now, so the list is read now.
		if (!resumed || !listed) {
			listed = true;
			sync();
		}
	},
	onStatus(state, detail) {
		live.dataset.state = state;
		live.textContent = LIVE_TEXT[state] ?? state;
		live.title = detail || 'live updates from GET /jobs/events';
		if (state !== 'live' && state !== 'connecting' && !listed) {
			listed = true;
			sync();
		}
	},
});

async function whoAmI() {
	try {
		const res = await fetch('/metrics', { cache: 'no-store', headers: { Accept: 'text/plain' } });
		res.body?.cancel().catch(() => {});
		session.admin = res.status === 200;
	} catch {
		session.admin = false;
	}
	roleEl.hidden = !session.admin;
	roleEl.textContent = session.admin ? 'admin: every owner\'s jobs' : '';
	for (const fn of session.listeners) fn();
}

// Routing on the address's fragment.
let view = null;
function route() {
	view?.destroy();
	view = null;
	const hash = location.hash || '#/';
	const [path, query = ''] = hash.slice(1).split('?');
	const m = /^\/jobs\/([^/]+)$/.exec(path);
	if (m) {
		let id;
		try {
			id = decodeURIComponent(m[1]);
		} catch {
			id = m[1];
		}
		view = jobView(store, id);
		app.replaceChildren(view.el);
	} else if (path === '/' || path === '') {
		const list = listView(store, session, new URLSearchParams(query));
		const problem = h('p', { class: 'form-error', id: 'list-problem', role: 'alert', hidden: !listProblem }, listProblem ?? '');
		view = { destroy: list.destroy };
		app.replaceChildren(problem, list.el, jobForm(store));
	} else {
		app.replaceChildren(h('p', { class: 'notice' }, 'No such page. ', h('a', { href: '#/' }, 'All jobs')));
	}
	window.scrollTo(0, 0);
}

window.addEventListener('hashchange', route);
route();
stream.start();
whoAmI();
// Should the stream neither open nor fail soon (an answer slow to come), list anyway; once it
// opens, the list is read again.
setTimeout(() => {
	if (!listed) {
		listed = true;
		sync();
	}
}, 3000);

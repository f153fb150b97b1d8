// The jobs table: every job the caller may see (running, queued and the log), newest first,
// kept current from the store; filters by state and (when jobs of more than one owner are
// seen, or the caller is an admin) by owner, kept in the page's address (#/?state=..&owner=..).
import { h, jobHref } from './dom.js';
import { STATES, isActive } from './store.js';
import * as fmt from './format.js';

// Newest first: by creation time, then by id (decimal today, opaque in general).
function newestFirst(a, b) {
	const ta = Date.parse(a.created_at) || 0;
	const tb = Date.parse(b.created_at) || 0;
	if (ta !== tb) return tb - ta;
	return String(b.id).localeCompare(String(a.id), 'en', { numeric: true });
}

export function listView(store, session, params) {
	const filter = { state: params.get('state') ?? '', owner: params.get('owner') ?? '' };
	const stateSel = h('select', { id: 'filter-state', 'aria-label': 'filter by state' },
		h('option', { value: '' }, 'all states'),
		h('option', { value: 'active' }, 'active (running or queued)'),
		STATES.map((s) => h('option', { value: s }, s)));
	stateSel.value = filter.state;
	const ownerSel = h('select', { id: 'filter-owner', 'aria-label': 'filter by owner' });
	const ownerBox = h('label', { class: 'owner-filter', hidden: true }, 'Owner ', ownerSel);
	const summary = h('p', { class: 'summary', role: 'status' });
	const tbody = h('tbody');
	const empty = h('p', { class: 'empty', hidden: true });
	const table = h('table', { class: 'jobs', id: 'jobs' },
		h('thead', {}, h('tr', {}, ['Job', 'State', 'Owner', 'Command', 'Created', 'Ran for', 'Ended'].map((c) => h('th', { scope: 'col' }, c)))),
		tbody);
	const rows = new Map(); // id -> tr

	const keepInAddress = () => {
		const q = new URLSearchParams();
		if (filter.state) q.set('state', filter.state);
		if (filter.owner) q.set('owner', filter.owner);
		const hash = q.toString() ? `#/?${q}` : '#/';
		if (location.hash !== hash) history.replaceState(null, '', hash);
	};
	stateSel.addEventListener('change', () => { filter.state = stateSel.value; keepInAddress(); render(); });
	ownerSel.addEventListener('change', () => { filter.owner = ownerSel.value; keepInAddress(); render(); });

	const shown = (job) => (filter.state === '' || (filter.state === 'active' ? isActive(job) : job.state === filter.state)) &&
		(filter.owner === '' || job.owner === filter.owner);

	function row(job) {
		const tr = rows.get(String(job.id)) ?? h('tr');
		const state = typeof job.state === 'string' ? job.state : 'unknown';
		tr.dataset.id = String(job.id);
		tr.dataset.state = state;
		tr.dataset.owner = String(job.owner ?? '');
		const cmd = fmt.command(job.command);
		tr.replaceChildren(
			h('td', { class: 'id' }, h('a', { href: jobHref(job.id) }, String(job.id))),
			h('td', {}, h('span', { class: ['state', `state-${state}`] }, state)),
			h('td', { class: 'owner' }, fmt.generic(job.owner)),
			h('td', { class: 'cmd', title: cmd }, h('code', {}, cmd)),
			h('td', { class: 'time', title: fmt.generic(job.created_at) }, fmt.time(job.created_at)),
			h('td', { class: 'time' }, job.started_at ? fmt.between(job.started_at, job.finished_at) : '—'),
			h('td', { class: 'outcome', title: fmt.generic(job.error) }, fmt.outcome(job) || (job.finished_at ? fmt.time(job.finished_at) : '')));
		rows.set(String(job.id), tr);
		return tr;
	}

	function owners() {
		const seen = new Set();
		for (const job of store.jobs.values()) if (typeof job.owner === 'string') seen.add(job.owner);
		if (filter.owner) seen.add(filter.owner);
		return [...seen].sort();
	}

	function renderOwners() {
		const all = owners();
		ownerBox.hidden = !(session.admin || all.length > 1 || filter.owner);
		const want = ['', ...all];
		const have = [...ownerSel.options].map((o) => o.value);
		if (want.join('\0') !== have.join('\0')) {
			ownerSel.replaceChildren(...want.map((o) => h('option', { value: o }, o || 'all owners')));
			ownerSel.value = filter.owner;
		}
	}

	function render() {
		const jobs = [...store.jobs.values()].sort(newestFirst);
		for (const id of rows.keys()) if (!store.jobs.has(id)) rows.delete(id);
		const visible = jobs.filter(shown);
		const trs = visible.map((j) => rows.get(String(j.id)) ?? row(j));
		// Moves only what is out of place, so that a row keeps its focus and selection.
		trs.forEach((tr, i) => { if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] ?? null); });
		while (tbody.children.length > trs.length) tbody.lastChild.remove();
		const count = (s) => jobs.filter((j) => j.state === s).length;
		summary.textContent = store.loaded
			? `${count('running')} running, ${count('queued')} queued, ${jobs.length} kept in all` + (visible.length !== jobs.length ? `; ${visible.length} shown` : '')
			: 'loading…';
		empty.hidden = !store.loaded || visible.length > 0;
		empty.textContent = jobs.length ? 'No job matches the filter.' : 'No jobs yet: start one below.';
		renderOwners();
	}

	const unsubscribe = store.subscribe((change) => {
		if (change.type === 'put' && rows.has(change.id)) row(change.job);
		if (change.type === 'reset') rows.clear();
		render();
	});
	const unwatch = session.onChange(render);
	render();

	const el = h('section', { class: 'list' },
		h('div', { class: 'toolbar' }, h('h1', {}, 'Jobs'), h('label', {}, 'State ', stateSel), ownerBox, summary),
		h('div', { class: 'table-wrap' }, table), empty);
	return { el, destroy: () => { unsubscribe(); unwatch(); } };
}

// The form that starts a job: the command as one line split as a shell would (the argv shown
// before it is sent) or as one field per argument; timeout; limits. POST /jobs with a JSON body;
// an API error is shown next to the field it concerns, else at the top of the form.
import { api } from './api.js';
import { h, jobHref } from './dom.js';
import { splitCommand, joinCommand } from './shell.js';

const LIMITS = [
	['memory_bytes', 'memory', 'bytes; K, M, G allowed (512M)', true],
	['cpu_percent', 'CPU', '% of one CPU (200 is two)', false],
	['pids', 'processes', 'at most this many', false],
	['io_bytes_per_s', 'disk I/O', 'bytes per second; K, M, G allowed', true],
];

// A whole number as typed, with K/M/G/T (powers of 1024) where sizes are allowed; null when empty;
// undefined when it is not a number.
export function parseCount(text, sizes) {
	const t = text.trim();
	if (t === '') return null;
	const m = /^(\d+)\s*(?:([kmgt])(?:i?b)?|b)?$/i.exec(t);
	if (!m || (m[2] && !sizes) || (!sizes && /b$/i.test(t))) return undefined;
	const n = Number(m[1]) * 1024 ** (m[2] ? 'kmgt'.indexOf(m[2].toLowerCase()) + 1 : 0);
	return Number.isSafeInteger(n) ? n : undefined;
}

// Which field an API error is about, from its message (the API names the field: "timeout_s",
// "limits.memory_bytes", "command[0]"): a key of the form's error slots, or 'form'.
export function fieldOf(err) {
	const msg = String(err.message ?? '');
	const lim = /\blimits\.([a-z_]+)/.exec(msg);
	if (lim) return LIMITS.some(([k]) => k === lim[1]) ? `limits.${lim[1]}` : 'limits';
	if (/\btimeout_s\b/.test(msg)) return 'timeout_s';
	if (err.code === 'command_too_long' || /\bcommand\b|\bargv\b|\bargument/.test(msg)) return 'command';
	if (/\blimits\b/.test(msg)) return 'limits';
	return 'form';
}

export function jobForm(store) {
	const errors = {}; // field key -> element
	const slot = (key) => (errors[key] = h('p', { class: 'field-error', role: 'alert', hidden: true, dataset: { for: key } }));
	const topError = slot('form');
	const done = h('p', { class: 'form-done', hidden: true, role: 'status' });

	// The command, as a line...
	let mode = 'line';
	const line = h('input', { type: 'text', name: 'command-line', id: 'command-line', autocomplete: 'off', spellcheck: 'false', placeholder: "sh -c 'echo hello; sleep 5'", 'aria-describedby': 'argv-preview' });
	const lineBox = h('div', { class: 'command-line' }, line);
	// ...or as one field per argument.
	const argList = h('ol', { class: 'arg-fields' });
	const addArg = (value = '') => {
		const input = h('input', { type: 'text', class: 'arg', autocomplete: 'off', spellcheck: 'false', value, 'aria-label': 'argument' });
		const li = h('li', {}, input, h('button', { type: 'button', class: 'small', title: 'remove this argument', text: '−', onclick: () => { li.remove(); if (!argList.children.length) addArg(); preview(); } }));
		input.addEventListener('input', preview);
		argList.append(li);
		return input;
	};
	const argsBox = h('div', { class: 'command-args', hidden: true }, argList,
		h('button', { type: 'button', class: 'small', text: '+ argument', onclick: () => { addArg().focus(); preview(); } }));

	const argvOf = () => (mode === 'line' ? splitCommand(line.value) : { argv: [...argList.querySelectorAll('input.arg')].map((i) => i.value), error: null, notes: [] });
	const argvList = h('ol', { class: 'argv', id: 'argv-preview', 'aria-label': 'the argv that will be sent' });
	const argvNotes = h('ul', { class: 'notes' });
	const argvError = h('p', { class: 'field-error', hidden: true });
	function preview() {
		const { argv, error, notes } = argvOf();
		argvList.replaceChildren(...argv.map((a) => h('li', {}, h('code', {}, a))));
		argvError.hidden = !error;
		argvError.textContent = error ? `${error}: fix it before starting` : '';
		argvNotes.replaceChildren(...notes.map((n) => h('li', {}, n)));
		if (!argv.length) argvList.append(h('li', { class: 'empty' }, 'no arguments yet'));
	}
	line.addEventListener('input', preview);
	addArg();

	const modeRadio = (value, label) => h('label', {}, h('input', { type: 'radio', name: 'mode', value, checked: value === mode, onchange: () => switchMode(value) }), ` ${label}`);
	function switchMode(next) {
		if (next === mode) return;
		const { argv } = argvOf();
		mode = next;
		if (mode === 'args') {
			argList.replaceChildren();
			(argv.length ? argv : ['']).forEach((a) => addArg(a));
		} else {
			line.value = joinCommand(argv.filter((a, i) => a !== '' || i > 0));
		}
		lineBox.hidden = mode !== 'line';
		argsBox.hidden = mode !== 'args';
		preview();
	}

	const number = (name, sizes, hint) => h('input', { type: 'text', inputmode: 'numeric', name, id: `f-${name}`, autocomplete: 'off', placeholder: hint });
	const timeout = number('timeout_s', false, 'server default');
	const limitInputs = Object.fromEntries(LIMITS.map(([k, , hint, sizes]) => [k, number(k, sizes, hint)]));

	const submit = h('button', { type: 'submit', class: 'primary', text: 'Start' });
	const form = h('form', { class: 'job-form', novalidate: true, 'aria-label': 'start a job' },
		h('h2', {}, 'Start a job'),
		topError,
		h('fieldset', { class: 'command' },
			h('legend', {}, 'Command ', h('span', { class: 'hint' }, '(run directly, no shell)')),
			h('div', { class: 'modes' }, modeRadio('line', 'one line, split as a shell would'), modeRadio('args', 'one field per argument')),
			lineBox, argsBox,
			h('div', { class: 'argv-box' }, h('span', { class: 'label' }, 'argv:'), argvList),
			argvError, argvNotes, slot('command')),
		h('div', { class: 'row' },
			h('label', { for: 'f-timeout_s' }, 'Timeout (s)'), timeout, slot('timeout_s')),
		h('fieldset', { class: 'limits' },
			h('legend', {}, 'Limits ', h('span', { class: 'hint' }, '(empty: the server\'s default)')),
			LIMITS.map(([k, label]) => h('div', { class: 'row' },
				h('label', { for: `f-${k}` }, label, h('code', { class: 'key' }, k)), limitInputs[k], slot(`limits.${k}`))),
			slot('limits')),
		h('div', { class: 'actions' }, submit, done));
	preview();

	function showError(key, message) {
		const el = errors[key] ?? errors.form;
		el.textContent = message;
		el.hidden = false;
		const input = key === 'timeout_s' ? timeout : key.startsWith('limits.') ? limitInputs[key.slice(7)] : key === 'command' ? (mode === 'line' ? line : argList.querySelector('input')) : null;
		input?.setAttribute('aria-invalid', 'true');
	}
	function clearErrors() {
		for (const el of Object.values(errors)) {
			el.hidden = true;
			el.textContent = '';
		}
		form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
	}

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors();
		done.hidden = true;
		const { argv, error } = argvOf();
		let bad = false;
		if (error) {
			showError('command', `${error}: fix it before starting`);
			bad = true;
		}
		const body = { command: argv };
		const t = parseCount(timeout.value, false);
		if (t === undefined) {
			showError('timeout_s', 'a whole number of seconds');
			bad = true;
		} else if (t !== null) body.timeout_s = t;
		const limits = {};
		for (const [k, , , sizes] of LIMITS) {
			const v = parseCount(limitInputs[k].value, sizes);
			if (v === undefined) {
				showError(`limits.${k}`, sizes ? 'a whole number of bytes, or with K, M or G' : 'a whole number');
				bad = true;
			} else if (v !== null) limits[k] = v;
		}
		if (Object.keys(limits).length) body.limits = limits;
		if (bad) return;
		submit.disabled = true;
		try {
			const job = await api('POST', '/jobs', body);
			store.put(job, true);
			done.replaceChildren('Started ', h('a', { href: jobHref(job.id) }, `job ${job.id}`), ` (${job.state}).`);
			done.hidden = false;
		} catch (e) {
			showError(e.status === 400 ? fieldOf(e) : 'form', e.status ? `${e.message} (${e.status} ${e.code})` : e.message);
		} finally {
			submit.disabled = false;
		}
	});

	return form;
}

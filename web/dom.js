// Building DOM from code: every string becomes text (a Text node or textContent), never markup.
// No innerHTML anywhere in the page: server data (commands, output, errors, owners) is hostile.

// h(tag, props, ...children): an element. props: class, text, on<event> (a function), dataset,
// hidden/disabled/checked/value/... (set as properties), anything else as an attribute.
// Children: nodes, strings (as text), arrays of them, null/false (skipped).
export function h(tag, props = {}, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(props ?? {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
		else if (k === 'text') el.textContent = String(v);
		else if (k === 'dataset') Object.assign(el.dataset, v);
		else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
		else if (['hidden', 'disabled', 'checked', 'value', 'selected', 'open', 'required'].includes(k)) el[k] = v;
		else el.setAttribute(k, v === true ? '' : String(v));
	}
	add(el, children);
	return el;
}

// add(parent, children): append children as h() takes them.
export function add(parent, children) {
	for (const c of [children].flat(Infinity)) {
		if (c === undefined || c === null || c === false) continue;
		parent.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return parent;
}

// The href of a job's page.
export function jobHref(id) {
	return `#/jobs/${encodeURIComponent(id)}`;
}

// How values of the job object read on the page. Every result is a string (shown as text).
import { joinCommand } from './shell.js';

export function time(iso) {
	if (typeof iso !== 'string' || iso === '') return '—';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return iso;
	const p = (n, w = 2) => String(n).padStart(w, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function duration(ms) {
	if (!Number.isFinite(ms) || ms < 0) return '—';
	if (ms < 1000) return `${Math.round(ms)} ms`;
	const s = ms / 1000;
	if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
	const m = Math.floor(s / 60);
	if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
	return `${Math.floor(m / 60)} h ${m % 60} min`;
}

// The time between two of a job's timestamps, or '—'.
export function between(from, to) {
	const a = Date.parse(from);
	const b = Date.parse(to);
	return Number.isNaN(a) || Number.isNaN(b) ? '—' : duration(b - a);
}

export function bytes(n) {
	if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
	const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
	let v = n;
	let u = 0;
	while (v >= 1024 && u < units.length - 1) {
		v /= 1024;
		u++;
	}
	return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]} (${n})`;
}

// A command (argv) on one line, quoted as a shell would need it.
export function command(argv) {
	if (!Array.isArray(argv)) return generic(argv);
	return joinCommand(argv.map(String));
}

// How the job ended, in a few words: "exit 0", "SIGKILL", or ''.
export function outcome(job) {
	if (typeof job.signal === 'string' && job.signal) return job.signal;
	if (job.exit_code !== null && job.exit_code !== undefined) return `exit ${job.exit_code}`;
	return '';
}

// Any value as text: what a field the page does not know yet shows.
export function generic(v) {
	if (v === null || v === undefined) return '—';
	if (typeof v === 'string') return v;
	if (typeof v === 'number' || typeof v === 'boolean') return String(v);
	return JSON.stringify(v);
}

// A limit's value: bytes for the byte ones.
export function limit(key, v) {
	if (v === null || v === undefined) return 'none';
	if (typeof v === 'number' && /bytes/.test(key)) return bytes(v);
	if (typeof v === 'number' && key === 'cpu_percent') return `${v} % of one CPU`;
	return generic(v);
}

// The jobs the page knows, kept current from the list (GET /jobs/logs), the event stream
// (GET /jobs/events) and the page's own answers (POST, DELETE). Views subscribe to changes.

export const FINAL_STATES = ['succeeded', 'failed', 'stopped', 'timed_out'];
export const STATES = ['queued', 'running', ...FINAL_STATES];

export const isActive = (job) => job && (job.state === 'queued' || job.state === 'running');

// How far along its life a job is: an answer or event never takes a job back (an event that
// was in flight while the list was read may be older than the list).
export function progress(job) {
	if (!job || job.state === 'queued') return 0;
	if (FINAL_STATES.includes(job.state)) return 2;
	return 1;
}

export const jobId = (job) => (job && (typeof job.id === 'string' || typeof job.id === 'number') ? String(job.id) : null);

export class JobStore {
	jobs = new Map();
	loaded = false;
	#listeners = new Set();

	subscribe(fn) {
		this.#listeners.add(fn);
		return () => this.#listeners.delete(fn);
	}

	#emit(change) {
		for (const fn of [...this.#listeners]) fn(change);
	}

	get(id) {
		return this.jobs.get(String(id));
	}

	// put(job, fresh): a job as an answer or event had it. fresh: a newly created job (an id a
	// restarted jobsupd gives again is a new job), taken whatever the one held.
	put(job, fresh = false) {
		const id = jobId(job);
		if (id === null) return;
		const old = this.jobs.get(id);
		if (old && !fresh && progress(job) < progress(old)) return;
		this.jobs.set(id, job);
		this.#emit({ type: 'put', id, job });
	}

	remove(id) {
		if (this.jobs.delete(String(id))) this.#emit({ type: 'remove', id: String(id) });
	}

	// replace(list, after): the whole list as the server had it, then the events that came
	// while it was read (after: [[type, job], ...]) applied over it.
	replace(list, after = []) {
		const next = new Map();
		for (const job of list) {
			const id = jobId(job);
			if (id !== null) next.set(id, job);
		}
		this.jobs = next;
		this.loaded = true;
		for (const [type, job] of after) this.apply(type, job, false);
		this.#emit({ type: 'reset' });
	}

	// apply(type, job): one event of the stream.
	apply(type, job, emit = true) {
		const id = jobId(job);
		if (id === null) return;
		if (type === 'removed') {
			if (emit) this.remove(id);
			else this.jobs.delete(id);
			return;
		}
		const old = this.jobs.get(id);
		if (old && type !== 'created' && progress(job) < progress(old)) return;
		this.jobs.set(id, job);
		if (emit) this.#emit({ type: 'put', id, job });
	}
}

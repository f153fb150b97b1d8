// A Server-Sent Events client over fetch, for GET /jobs/events. Unlike EventSource it sees the
// answer's status: a server without the stream (404) is said so and not asked again, a full one
// (503) is asked again after Retry-After. Like EventSource it reconnects after the stream ends
// or breaks, sending Last-Event-ID, and follows the stream's `retry:`.

// SseParser: the text/event-stream format (WHATWG HTML, "Server-sent events"), fed decoded text
// in chunks of any size; calls onEvent({type, data, id}) for each event.
export class SseParser {
	#buf = '';
	#data = [];
	#type = '';
	lastId = null;
	retry = null;

	constructor(onEvent) {
		this.onEvent = onEvent;
	}

	push(text) {
		this.#buf += text;
		let start = 0;
		for (;;) {
			const m = /\r\n|\r|\n/g;
			m.lastIndex = start;
			const hit = m.exec(this.#buf);
			if (!hit) break;
			// A CR at the very end may be half of a CRLF: wait for the next chunk.
			if (hit[0] === '\r' && hit.index === this.#buf.length - 1) break;
			this.#line(this.#buf.slice(start, hit.index));
			start = hit.index + hit[0].length;
		}
		this.#buf = this.#buf.slice(start);
	}

	#line(line) {
		if (line === '') return this.#dispatch();
		if (line.startsWith(':')) return; // a comment: keep-alive
		const colon = line.indexOf(':');
		const field = colon < 0 ? line : line.slice(0, colon);
		let value = colon < 0 ? '' : line.slice(colon + 1);
		if (value.startsWith(' ')) value = value.slice(1);
		if (field === 'event') this.#type = value;
		else if (field === 'data') this.#data.push(value);
		else if (field === 'id') {
			if (!value.includes('\0')) this.lastId = value;
		} else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
	}

	#dispatch() {
		const type = this.#type || 'message';
		const data = this.#data;
		this.#type = '';
		this.#data = [];
		if (data.length === 0) return;
		this.onEvent({ type, data: data.join('\n'), id: this.lastId });
	}
}

// EventStream(url, {onEvent, onOpen, onStatus}): start() connects. onOpen(resumed) when an
// answer 200 text/event-stream arrives (resumed: Last-Event-ID was sent); onStatus(state,
// detail) with state one of connecting, live, waiting, unavailable.
export class EventStream {
	#ctl = null;
	#timer = null;
	#failures = 0;
	#stopped = false;

	constructor(url, handlers) {
		this.url = url;
		this.h = handlers;
		this.parser = new SseParser((ev) => this.h.onEvent(ev));
	}

	start() {
		this.#stopped = false;
		this.#connect();
	}

	stop() {
		this.#stopped = true;
		clearTimeout(this.#timer);
		this.#ctl?.abort();
	}

	async #connect() {
		clearTimeout(this.#timer);
		this.#ctl = new AbortController();
		const headers = { Accept: 'text/event-stream' };
		const resumed = this.parser.lastId !== null;
		if (resumed) headers['Last-Event-ID'] = this.parser.lastId;
		this.h.onStatus('connecting', '');
		let res;
		try {
			res = await fetch(this.url, { headers, cache: 'no-store', signal: this.#ctl.signal });
		} catch (e) {
			if (!this.#stopped) this.#again(`the stream could not be reached (${e.message})`);
			return;
		}
		const type = res.headers.get('Content-Type') || '';
		if (res.status === 404) {
			res.body?.cancel().catch(() => {});
			this.h.onStatus('unavailable', `GET ${this.url} answered 404: this server has no event stream`);
			return;
		}
		if (!res.ok || !type.toLowerCase().startsWith('text/event-stream')) {
			const wait = Number(res.headers.get('Retry-After'));
			res.body?.cancel().catch(() => {});
			this.#again(`GET ${this.url} answered ${res.status}`, Number.isFinite(wait) && wait > 0 ? wait * 1000 : 0);
			return;
		}
		this.#failures = 0;
		this.h.onStatus('live', '');
		this.h.onOpen(resumed);
		const reader = res.body.getReader();
		const decoder = new TextDecoder('utf-8');
		try {
			for (;;) {
				const { value, done } = await reader.read();
				if (done) break;
				this.parser.push(decoder.decode(value, { stream: true }));
			}
			this.parser.push(decoder.decode());
		} catch (e) {
			if (this.#stopped) return;
			this.#again(`the stream broke off (${e.message})`);
			return;
		}
		if (!this.#stopped) this.#again('the server ended the stream');
	}

	// Connect again after the stream's retry (3 s by default), doubled after each failure in a
	// row up to a minute: a reconnection as EventSource makes, not polling.
	#again(why, atLeast = 0) {
		this.#failures++;
		const base = this.parser.retry ?? 3000;
		const delay = Math.max(atLeast, Math.min(60000, base * 2 ** Math.min(this.#failures - 1, 5)));
		this.h.onStatus('waiting', `${why}; connecting again in ${Math.round(delay / 1000)} s`);
		this.#timer = setTimeout(() => this.#connect(), delay);
	}
}

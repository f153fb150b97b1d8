// A job's output on the page: text decoded as it streams in, through the ANSI parser, into
// spans with classes (never markup). Keeps at most MAX_CHARS on the page, the most recent.
import { AnsiParser } from './ansi.js';
import { h } from './dom.js';

const MAX_CHARS = 2_000_000;

export class OutputView {
	constructor() {
		this.el = h('pre', { class: 'output', tabindex: '0', 'aria-label': 'output' });
		this.trimmed = h('p', { class: 'notice', hidden: true, text: 'Earlier output is not shown here (over 2 million characters); GET /jobs/{id}/output has what is kept.' });
		this.box = h('div', { class: 'output-box' }, this.trimmed, this.el);
		this.reset();
	}

	reset() {
		this.parser = new AnsiParser();
		this.decoder = new TextDecoder('utf-8');
		this.chars = 0;
		this.last = null; // the last span, extended while the style stays
		this.el.replaceChildren();
		this.trimmed.hidden = true;
	}

	// bytes: a Uint8Array as it came; end: the stream ended (flush the decoder).
	write(bytes, end = false) {
		const text = end ? this.decoder.decode() : this.decoder.decode(bytes, { stream: true });
		if (text) this.text(text);
	}

	text(text) {
		const atBottom = this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight < 40;
		for (const piece of this.parser.push(text)) {
			if (!piece.control && this.last && this.last.dataset.cls === piece.cls) {
				this.last.firstChild.appendData(piece.text);
			} else {
				const span = h('span', { class: piece.cls || null, dataset: { cls: piece.cls } }, piece.text);
				if (piece.control) span.title = 'a control character, shown and not acted on';
				this.el.append(span);
				this.last = piece.control ? null : span;
			}
			this.chars += piece.text.length;
		}
		while (this.chars > MAX_CHARS && this.el.firstChild) {
			this.chars -= this.el.firstChild.textContent.length;
			if (this.el.firstChild === this.last) this.last = null;
			this.el.firstChild.remove();
			this.trimmed.hidden = false;
		}
		if (atBottom) this.el.scrollTop = this.el.scrollHeight;
	}
}

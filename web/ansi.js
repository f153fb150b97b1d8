// Terminal output made safe to show: SGR colour sequences (30-37, 90-97, 40-47, 100-107, bold,
// dim, italic, underline, reset) become styles; every other escape sequence (cursor moves,
// screen clears, titles, hyperlinks, device queries) is removed; other control characters are
// shown visibly (^G); carriage returns are dropped. Pure: no DOM, so that it is
// tested without a browser. Fed text in chunks of any size, as it arrives.

const ESC = '\x1b';
const MAX_SEQ = 256; // a longer CSI is not a real one: shown as text from there on
const MAX_STRING = 4096; // an OSC/DCS longer than this, or one cut by a newline, ends

// Characters that reorder text (bidi overrides and isolates): shown, as they could make output
// read other than it is.
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;

const plainStyle = () => ({ fg: null, bg: null, bold: false, dim: false, italic: false, underline: false });

// The CSS classes of a style: fg-0..fg-15, bg-0..bg-15, b, dim, i, u.
export function styleClasses(s) {
	const c = [];
	if (s.fg !== null) c.push(`fg-${s.fg}`);
	if (s.bg !== null) c.push(`bg-${s.bg}`);
	if (s.bold) c.push('b');
	if (s.dim) c.push('dim');
	if (s.italic) c.push('i');
	if (s.underline) c.push('u');
	return c.join(' ');
}

// How a control character is shown: caret notation (^G for BEL, ^[ for ESC, ^? for DEL), which
// every font has; others (C1 controls, bidi overrides) as <U+XXXX>.
export function visibleControl(ch) {
	const n = ch.codePointAt(0);
	if (n < 0x20) return `^${String.fromCharCode(n + 0x40)}`;
	if (n === 0x7f) return '^?';
	return `<U+${n.toString(16).toUpperCase().padStart(4, '0')}>`;
}

// AnsiParser: push(text) returns pieces {text, cls, control}: text with the classes of its
// style, or a control character shown visibly (control: true).
export class AnsiParser {
	#state = 'text'; // text, esc, escint, csi, string
	#seq = '';
	#style = plainStyle();

	push(text) {
		const out = [];
		let run = '';
		const flush = () => {
			if (run) out.push({ text: run, cls: styleClasses(this.#style), control: false });
			run = '';
		};
		const control = (ch) => {
			flush();
			out.push({ text: visibleControl(ch), cls: 'ctl', control: true });
		};
		for (const ch of text) {
			const n = ch.codePointAt(0);
			switch (this.#state) {
			case 'text':
				if (ch === ESC) {
					this.#state = 'esc';
				} else if (ch === '\n' || ch === '\t') {
					run += ch;
				} else if (ch === '\r') {
					// dropped: a line a progress bar rewrites reads on
				} else if (n < 0x20 || (n >= 0x7f && n < 0xa0) || BIDI.test(ch)) {
					control(ch);
				} else {
					run += ch;
				}
				break;
			case 'esc':
				if (ch === '[') {
					this.#state = 'csi';
					this.#seq = '';
				} else if (ch === ']' || ch === 'P' || ch === 'X' || ch === '^' || ch === '_') {
					this.#state = 'string';
					this.#seq = '';
				} else if (n >= 0x20 && n <= 0x2f) {
					this.#state = 'escint';
				} else if (n >= 0x30 && n <= 0x7e) {
					this.#state = 'text'; // a two-character sequence (ESC 7, ESC c, ...): removed
				} else if (ch === ESC) {
					// ESC ESC: the first one removed
				} else {
					this.#state = 'text';
					if (ch === '\n' || ch === '\t') run += ch;
					else if (ch !== '\r') control(ch);
				}
				break;
			case 'escint': // ESC ( B and the like: intermediates, then one final byte
				if (n >= 0x30 && n <= 0x7e) this.#state = 'text';
				else if (!(n >= 0x20 && n <= 0x2f)) {
					this.#state = 'text';
					if (ch === '\n' || ch === '\t') run += ch;
				}
				break;
			case 'csi':
				if (n >= 0x40 && n <= 0x7e) {
					this.#state = 'text';
					if (ch === 'm' && /^[0-9;:]*$/.test(this.#seq)) {
						flush();
						this.#sgr(this.#seq);
					}
				} else if (n >= 0x20 && n <= 0x3f && this.#seq.length < MAX_SEQ) {
					this.#seq += ch;
				} else {
					// Not a sequence after all: what follows is text again.
					this.#state = 'text';
					if (ch === '\n' || ch === '\t') run += ch;
					else if (n >= 0x20 && ch !== '\x7f') run += ch;
				}
				break;
			case 'string': // OSC, DCS, SOS, PM, APC: removed up to BEL (OSC) or ST (ESC \)
				if (ch === '\x07' || ch === '\x9c') {
					this.#state = 'text';
				} else if (ch === ESC) {
					this.#state = 'esc'; // ESC \ ends it; any other ESC starts the next one
				} else if (ch === '\n' || this.#seq.length >= MAX_STRING) {
					this.#state = 'text';
					if (ch === '\n') run += ch;
				} else {
					this.#seq += ch;
				}
				break;
			}
		}
		flush();
		return out;
	}

	#sgr(params) {
		const p = params === '' ? [0] : params.split(';').map((x) => (x.includes(':') ? -1 : x === '' ? 0 : Number(x)));
		const s = this.#style;
		for (let i = 0; i < p.length; i++) {
			const n = p[i];
			if (n === 0) Object.assign(s, plainStyle());
			else if (n === 1) s.bold = true;
			else if (n === 2) s.dim = true;
			else if (n === 3) s.italic = true;
			else if (n === 4) s.underline = true;
			else if (n === 22) s.bold = s.dim = false;
			else if (n === 23) s.italic = false;
			else if (n === 24) s.underline = false;
			else if (n >= 30 && n <= 37) s.fg = n - 30;
			else if (n === 39) s.fg = null;
			else if (n >= 40 && n <= 47) s.bg = n - 40;
			else if (n === 49) s.bg = null;
			else if (n >= 90 && n <= 97) s.fg = n - 90 + 8;
			else if (n >= 100 && n <= 107) s.bg = n - 100 + 8;
			else if (n === 38 || n === 48 || n === 58) {
				// 256-colour and RGB forms: not shown, their arguments skipped
				if (p[i + 1] === 5) i += 2;
				else if (p[i + 1] === 2) i += 4;
			}
		}
	}
}

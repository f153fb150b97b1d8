// A command line split into argv the way a POSIX shell splits words, without running a shell:
// blanks separate words; '...' keeps everything; "..." keeps everything but \" \\ \$ \` and
// a backslash-newline; a backslash outside quotes keeps the next character; an unquoted # at
// the start of a word starts a comment. Nothing is expanded: $VAR, ~, * and | reach the command
// as they are written (the command is executed directly, with no shell), and notes say so.

// splitCommand(line): {argv, error, notes}; error is a message when the line cannot be split
// (an unclosed quote, a trailing backslash), and argv is then what was read so far.
export function splitCommand(line) {
	const argv = [];
	const notes = new Set();
	let word = '';
	let inWord = false;
	let i = 0;
	const end = () => {
		if (inWord) argv.push(word);
		word = '';
		inWord = false;
	};
	while (i < line.length) {
		const ch = line[i];
		if (ch === ' ' || ch === '\t' || ch === '\n') {
			end();
			i++;
		} else if (ch === '#' && !inWord) {
			const nl = line.indexOf('\n', i);
			if (nl < 0) break;
			i = nl;
		} else if (ch === "'") {
			const close = line.indexOf("'", i + 1);
			if (close < 0) return { argv: [...argv, word + line.slice(i + 1)], error: 'a single quote (\') is not closed', notes: [...notes] };
			word += line.slice(i + 1, close);
			inWord = true;
			i = close + 1;
		} else if (ch === '"') {
			inWord = true;
			i++;
			for (;;) {
				if (i >= line.length) return { argv: [...argv, word], error: 'a double quote (") is not closed', notes: [...notes] };
				const c = line[i];
				if (c === '"') {
					i++;
					break;
				}
				if (c === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1])) {
					if (line[i + 1] !== '\n') word += line[i + 1];
					i += 2;
					continue;
				}
				if (c === '$' || c === '`') notes.add(noteFor(c));
				word += c;
				i++;
			}
		} else if (ch === '\\') {
			if (i + 1 >= line.length) return { argv: [...argv, word], error: 'the line ends with a backslash (\\)', notes: [...notes] };
			if (line[i + 1] !== '\n') {
				word += line[i + 1];
				inWord = true;
			}
			i += 2;
		} else {
			const note = noteFor(ch, inWord);
			if (note) notes.add(note);
			word += ch;
			inWord = true;
			i++;
		}
	}
	end();
	return { argv, error: null, notes: [...notes] };
}

function noteFor(ch, inWord = true) {
	if ('|&;<>()'.includes(ch)) return `no shell runs the command: ${ch} reaches it as an argument (to use a shell, run sh -c '...')`;
	if (ch === '$' || ch === '`') return `nothing is expanded: ${ch} reaches the command as it is`;
	if (ch === '*' || ch === '?' || ch === '[') return `no file names are matched: ${ch} reaches the command as it is`;
	if (ch === '~' && !inWord) return 'nothing is expanded: ~ reaches the command as it is';
	return null;
}

// quoteArg(arg): the argument written so that splitCommand gives it back (and a shell would).
export function quoteArg(arg) {
	if (arg === '') return "''";
	if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
	return `'${arg.replaceAll("'", "'\\''")}'`;
}

export const joinCommand = (argv) => argv.map(quoteArg).join(' ');

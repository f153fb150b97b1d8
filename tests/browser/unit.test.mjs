// web/'s modules that need no browser (splitting a command line, the ANSI parser, the event
// stream's parser, the store's ordering, the form's numbers and error placement), and the
// PKCS#12 files of certs/. Run with node --test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { splitCommand, joinCommand, quoteArg } from '../../web/shell.js';
import { AnsiParser } from '../../web/ansi.js';
import { SseParser } from '../../web/sse.js';
import { JobStore } from '../../web/store.js';
import { parseCount, fieldOf } from '../../web/form.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('a command line is split as a POSIX shell splits words, expanding nothing', () => {
	const argv = (l) => splitCommand(l).argv;
	assert.deepEqual(argv('ls  -la\t/'), ['ls', '-la', '/']);
	assert.deepEqual(argv(`sh -c 'echo "a b"; exit 3'`), ['sh', '-c', 'echo "a b"; exit 3']);
	assert.deepEqual(argv(`echo "say \\"hi\\" \\$HOME \\\\ \\n"`), ['echo', 'say "hi" $HOME \\ \\n']);
	assert.deepEqual(argv(`a\\ b 'c'"d"e '' ""`), ['a b', 'cde', '', '']);
	assert.deepEqual(argv(`echo it\\'s # a comment`), ['echo', "it's"]);
	assert.deepEqual(argv('echo a#b'), ['echo', 'a#b']);
	assert.deepEqual(argv('a \\\nb'), ['a', 'b']);
	assert.deepEqual(argv('   '), []);
	assert.match(splitCommand(`echo 'open`).error, /single quote/);
	assert.match(splitCommand('echo "open').error, /double quote/);
	assert.match(splitCommand('echo \\').error, /backslash/);
	assert.ok(splitCommand('ls | wc -l').notes.some((n) => n.includes('|')));
	assert.ok(splitCommand('echo $HOME *').notes.length === 2);
	assert.equal(splitCommand("echo '$HOME'").notes.length, 0);
});

test('an argv written back as a line splits into the same argv', () => {
	for (const argv of [['a', 'b c', '', "it's", '"q"', '$x', 'a\\b', 'ü ✓', '-n', '\n', '#x']]) {
		assert.deepEqual(splitCommand(joinCommand(argv)).argv, argv);
	}
	assert.equal(quoteArg('plain-arg_1.txt'), 'plain-arg_1.txt');
});

const render = (pieces) => pieces.map((p) => (p.control ? `{${p.text}}` : p.cls ? `[${p.cls}:${p.text}]` : p.text)).join('');

test('ANSI colours become classes, every other sequence is removed or shown', () => {
	const p = new AnsiParser();
	assert.equal(render(p.push('a\x1b[31mred\x1b[0m \x1b[1;44mB\x1b[m.')), 'a[fg-1:red] [bg-4 b:B].');
	assert.equal(render(p.push('\x1b[92mg\x1b[39;101mh\x1b[22;0m')), '[fg-10:g][bg-9:h]');
	// Cursor moves, clears, titles, hyperlinks, charsets, private modes: removed.
	assert.equal(render(p.push('\x1b[2J\x1b[H\x1b[?25l\x1b]0;title\x07x\x1b]8;;http://e\x1b\\l\x1b]8;;\x1b\\\x1b(By\x1b7')), 'xly');
	// Other controls are shown, not acted on; CR is dropped; tab and newline stay.
	assert.equal(render(p.push('a\x07b\x08\x00\r\n\t\x7f\u009b\u202e')), 'a{^G}b{^H}{^@}\n\t{^?}{<U+009B>}{<U+202E>}');
	// 256-colour and RGB forms are not shown and do not leak their numbers.
	assert.equal(render(p.push('\x1b[38;5;1mz\x1b[48;2;1;2;3;4mw\x1b[0m')), 'z[u:w]');
});

test('a sequence split across chunks is still one sequence', () => {
	const p = new AnsiParser();
	const text = 'x\x1b[3;31mred\x1b]0;t\x07\x1b[0mok';
	const whole = render(new AnsiParser().push(text));
	let pieces = '';
	for (const ch of text) pieces += render(p.push(ch));
	assert.equal(pieces.replace(/\]\[fg-1 i:/g, ''), whole);
	assert.equal(whole, 'x[fg-1 i:red]ok');
});

test('an unterminated string sequence ends at a newline; a runaway CSI becomes text', () => {
	const p = new AnsiParser();
	assert.equal(render(p.push('a\x1b]0;no end\nb')), 'a\nb');
	assert.equal(render(p.push(`\x1b[${'1'.repeat(300)}m!`)), `${'1'.repeat(44)}m!`);
});

test('the event stream parser follows the text/event-stream format', () => {
	const events = [];
	const p = new SseParser((e) => events.push(e));
	p.push(': keep-alive\n\nid: 1\nevent: created\ndata: {"id":"1"}\n\n');
	p.push('id: 2\r\nevent: ended\r\ndata: {"id"');
	p.push(':"2"}\r');
	p.push('\n\r\ndata: a\ndata: b\n\nretry: 500\nevent: reset\ndata: {}\n\n');
	assert.deepEqual(events, [
		{ type: 'created', data: '{"id":"1"}', id: '1' },
		{ type: 'ended', data: '{"id":"2"}', id: '2' },
		{ type: 'message', data: 'a\nb', id: '2' },
		{ type: 'reset', data: '{}', id: '2' },
	]);
	assert.equal(p.retry, 500);
	assert.equal(p.lastId, '2');
});

test('the store never takes a job back to an earlier state', () => {
	const s = new JobStore();
	const seen = [];
	s.subscribe((c) => seen.push(c.type));
	s.put({ id: '1', state: 'running' });
	s.apply('ended', { id: '1', state: 'stopped' });
	s.apply('started', { id: '1', state: 'running' }); // late: ignored
	assert.equal(s.get('1').state, 'stopped');
	s.replace([{ id: '2', state: 'queued' }, { id: '1', state: 'running' }], [['ended', { id: '1', state: 'succeeded' }], ['removed', { id: '3' }]]);
	assert.equal(s.get('1').state, 'succeeded');
	assert.equal(s.get('2').state, 'queued');
	s.apply('removed', { id: '2', state: 'queued' });
	assert.equal(s.get('2'), undefined);
	s.apply('created', { id: '1', state: 'queued' }); // an id given again (a new jobsupd)
	assert.equal(s.get('1').state, 'queued');
	assert.deepEqual(seen, ['put', 'put', 'reset', 'remove', 'put']);
});

test('the form reads sizes and places API errors next to their field', () => {
	assert.equal(parseCount('', true), null);
	assert.equal(parseCount('512M', true), 512 * 1024 ** 2);
	assert.equal(parseCount('2 GiB', true), 2 * 1024 ** 3);
	assert.equal(parseCount('30', false), 30);
	assert.equal(parseCount('30s', false), undefined);
	assert.equal(parseCount('1M', false), undefined);
	assert.equal(parseCount('-1', true), undefined);
	assert.equal(fieldOf({ message: '"timeout_s" must be between 1 and 86400 (--max-timeout)' }), 'timeout_s');
	assert.equal(fieldOf({ message: 'limits.memory_bytes must be at most 1 (--max-memory)' }), 'limits.memory_bytes');
	assert.equal(fieldOf({ message: 'limits.swap must be ...' }), 'limits');
	assert.equal(fieldOf({ message: 'command[0] must not be empty' }), 'command');
	assert.equal(fieldOf({ code: 'command_too_long', message: 'over 4096 bytes' }), 'command');
	assert.equal(fieldOf({ message: 'the queue is full' }), 'form');
});

test('each client has a PKCS#12 file holding its committed certificate and key', () => {
	const pass = 'pass:jobworker';
	for (const who of ['user1', 'user2', 'admin']) {
		const p12 = path.join(repo, 'certs', `${who}.p12`);
		const cert = execFileSync('openssl', ['pkcs12', '-in', p12, '-passin', pass, '-nokeys', '-clcerts'], { encoding: 'utf8' });
		const fp = (pem) => execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], { input: pem, encoding: 'utf8' });
		assert.equal(fp(cert), execFileSync('openssl', ['x509', '-in', path.join(repo, 'certs', `${who}.crt`), '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }));
		const key = execFileSync('openssl', ['pkcs12', '-in', p12, '-passin', pass, '-nocerts', '-nodes'], { encoding: 'utf8' });
		const pub = (args, input) => execFileSync('openssl', ['pkey', '-pubout', ...args], { input, encoding: 'utf8' });
		assert.equal(pub([], key), pub(['-in', path.join(repo, 'certs', `${who}.key`)]));
	}
});

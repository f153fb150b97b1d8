/* show: jobs for people; see show.h. */
#include "show.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "joblimits.h"
#include "json.h"
#include "states.h"

#define COMMAND_COLUMN_MAX 60

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool jnum(const cJSON *o, const char *key, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v))
		return false;
	*out = v->valuedouble;
	return true;
}

void show_escape(struct buf *out, const char *s, size_t n, bool keep_lines)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		if (c >= 0x80) {
			size_t len = utf8_seq_len(u + i, n - i);
			/* C1 controls (U+0080..U+009F) are terminal escapes too. */
			if (len > 0 && !(len == 2 && c == 0xc2 && u[i + 1] < 0xa0)) {
				buf_append(out, s + i, len);
				i += len;
				continue;
			}
			buf_printf(out, "\\x%02x", c);
		} else if (c >= 0x20 && c != 0x7f) {
			buf_putc(out, (char)c);
		} else if (keep_lines && (c == '\n' || c == '\t')) {
			buf_putc(out, (char)c);
		} else if (c == '\n') {
			buf_puts(out, "\\n");
		} else if (c == '\t') {
			buf_puts(out, "\\t");
		} else if (c == '\r') {
			buf_puts(out, "\\r");
		} else {
			buf_printf(out, "\\x%02x", c);
		}
		i++;
	}
}

/* Does a word need quotes for a shell to read it back as one word? */
static bool needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    !strchr("-_./=:,+@%^", c) && c < 0x80)
			return true;
	}
	return false;
}

void show_command(struct buf *out, const cJSON *command)
{
	const cJSON *arg;
	bool first = true;
	cJSON_ArrayForEach(arg, command) {
		const char *s = cJSON_IsString(arg) ? arg->valuestring : "?";
		if (!first)
			buf_putc(out, ' ');
		first = false;
		if (!needs_quotes(s)) {
			show_escape(out, s, strlen(s), false);
			continue;
		}
		buf_putc(out, '\'');
		for (const char *p = s; *p; p++) {
			if (*p == '\'')
				buf_puts(out, "'\\''");
			else
				show_escape(out, p, 1, false);
		}
		buf_putc(out, '\'');
	}
}

/* An RFC 3339 UTC time as seconds and milliseconds; false when it is not one. */
static bool parse_time(const char *rfc3339, time_t *t, int *ms)
{
	struct tm tm = {0};
	if (!rfc3339 || sscanf(rfc3339, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon,
			       &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, ms) != 7)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = timegm(&tm);
	return true;
}

/* "10:00:05" for today, "2026-11-28 10:00" otherwise, in local time; "-" for none. */
static void show_time(char *dst, size_t cap, const char *rfc3339)
{
	struct tm now_tm, local;
	time_t t, now = time(NULL);
	int ms;
	if (!parse_time(rfc3339, &t, &ms)) {
		snprintf(dst, cap, "-");
		return;
	}
	localtime_r(&t, &local);
	localtime_r(&now, &now_tm);
	bool today = local.tm_year == now_tm.tm_year && local.tm_yday == now_tm.tm_yday;
	strftime(dst, cap, today ? "%H:%M:%S" : "%Y-%m-%d %H:%M", &local);
}

void show_ago(char *dst, size_t cap, const char *rfc3339, time_t now)
{
	time_t t;
	int ms;
	if (!parse_time(rfc3339, &t, &ms)) {
		snprintf(dst, cap, "-");
		return;
	}
	long d = (long)(now - t);
	if (d < 1)
		snprintf(dst, cap, "just now");
	else if (d < 60)
		snprintf(dst, cap, "%lds ago", d);
	else if (d < 3600)
		snprintf(dst, cap, "%ldm ago", d / 60);
	else if (d < 86400)
		snprintf(dst, cap, "%ldh ago", d / 3600);
	else
		snprintf(dst, cap, "%ldd ago", d / 86400);
}

void show_duration(char *dst, size_t cap, const char *from, const char *to)
{
	time_t a, b;
	int ma, mb;
	if (!parse_time(from, &a, &ma) || !parse_time(to, &b, &mb)) {
		snprintf(dst, cap, "-");
		return;
	}
	long ms = (long)(b - a) * 1000 + (mb - ma);
	if (ms < 0)
		ms = 0;
	if (ms < 10000)
		snprintf(dst, cap, "%.1fs", (double)ms / 1000);
	else if (ms < 60000)
		snprintf(dst, cap, "%lds", ms / 1000);
	else if (ms < 3600000)
		snprintf(dst, cap, "%ldm%02lds", ms / 60000, ms / 1000 % 60);
	else
		snprintf(dst, cap, "%ldh%02ldm", ms / 3600000, ms / 60000 % 60);
}

/* "0", "SIGKILL", or "-" */
static void show_exit(char *dst, size_t cap, const cJSON *job)
{
	double code;
	const char *sig = jstr(job, "signal");
	if (jnum(job, "exit_code", &code) && code >= -1e9 && code <= 1e9)
		snprintf(dst, cap, "%.0f", code);
	else
		snprintf(dst, cap, "%s", sig ? sig : "-");
}

/* Tables: cells are escaped text; widths count UTF-8 characters, not bytes. */

static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* A copy of text (already escaped) cut to max characters, the cut marked with "…". */
static char *cut(const char *t, size_t max)
{
	struct buf b = BUF_INIT;
	size_t i = 0;
	for (size_t w = 0; w < max - 1 && t[i]; w++)
		for (i++; ((unsigned char)t[i] & 0xc0) == 0x80; i++)
			;
	buf_append(&b, t, i);
	buf_puts(&b, "\xe2\x80\xa6");
	return buf_take(&b, NULL);
}

/* Escaped text for a table cell, at most max characters wide (0: no limit). */
static char *cell(const char *s, size_t max)
{
	struct buf b = BUF_INIT;
	show_escape(&b, s, strlen(s), false);
	char *text = buf_take(&b, NULL);
	if (text && max && text_width(text) > max) {
		char *short_text = cut(text, max);
		free(text);
		text = short_text;
	}
	return text;
}

bool show_job_matches(const cJSON *job, const char *state, const char *owner)
{
	const char *st = jstr(job, "state"), *ow = jstr(job, "owner");
	return (!state || (st && strcmp(st, state) == 0)) &&
	       (!owner || (ow && strcmp(ow, owner) == 0));
}

void show_filter(cJSON *jobs, const char *state, const char *owner)
{
	cJSON *j = jobs ? jobs->child : NULL;
	while (j) {
		cJSON *next = j->next;
		if (!show_job_matches(j, state, owner))
			cJSON_Delete(cJSON_DetachItemViaPointer(jobs, j));
		j = next;
	}
}

/* The state's colour from the states table; NULL for a state it does not know. */
static const char *state_color(const char *state)
{
	int s = state ? job_state_parse(state) : -1;
	return s < 0 ? NULL : job_state_info[s].sgr;
}

enum { COL_ID, COL_STATE, COL_NUM, COL_OWNER, COL_WHEN, COL_TOOK, COL_COMMAND, TABLE_COLS };

/* One job's cells, each escaped and allocated (NULL when out of memory). */
static void table_row(char **r, const cJSON *job, const struct table_opts *o)
{
	char num[32], when[32], took[32] = "";
	double pid;
	struct buf cmd = BUF_INIT;
	const char *state = jstr(job, "state");

	if (o->finished)
		show_exit(num, sizeof num, job);
	else if (jnum(job, "pid", &pid))
		snprintf(num, sizeof num, "%.0f", pid);
	else
		snprintf(num, sizeof num, "-");
	if (o->finished) {
		show_ago(when, sizeof when, jstr(job, "finished_at"), o->now);
		show_duration(took, sizeof took, jstr(job, "started_at"), jstr(job, "finished_at"));
	} else {
		show_ago(when, sizeof when, jstr(job, "started_at"), o->now);
	}
	show_command(&cmd, cJSON_GetObjectItemCaseSensitive(job, "command"));
	buf_putc(&cmd, '\0');
	r[COL_ID] = cell(jstr(job, "id") ? jstr(job, "id") : "?", 0);
	r[COL_STATE] = cell(state ? state : "?", 0);
	r[COL_NUM] = cell(num, 0);
	r[COL_OWNER] = cell(jstr(job, "owner") ? jstr(job, "owner") : "?", 24);
	r[COL_WHEN] = cell(when, 0);
	r[COL_TOOK] = cell(took, 0);
	/* The command is escaped already: take it as it is. */
	r[COL_COMMAND] = buf_ok(&cmd) ? strdup(buf_head(&cmd)) : NULL;
	if (r[COL_COMMAND] && text_width(r[COL_COMMAND]) > COMMAND_COLUMN_MAX) {
		free(r[COL_COMMAND]);
		r[COL_COMMAND] = cut(buf_head(&cmd), COMMAND_COLUMN_MAX);
	}
	buf_free(&cmd);
}

void show_jobs_table(FILE *f, const cJSON *jobs, const struct table_opts *o)
{
	const char *head[TABLE_COLS] = {"ID",
					"STATE",
					o->finished ? "EXIT" : "PID",
					"OWNER",
					o->finished ? "FINISHED" : "STARTED",
					o->finished ? "TOOK" : "",
					"COMMAND"};
	size_t n = (size_t)cJSON_GetArraySize(jobs), width[TABLE_COLS];
	char **cells = calloc((n + 1) * TABLE_COLS, sizeof *cells);
	const char **colors = calloc(n + 1, sizeof *colors);
	const cJSON *job;
	size_t row = 1;

	if (!cells || !colors) {
		free(cells);
		free(colors);
		return;
	}
	for (int c = 0; c < TABLE_COLS; c++)
		cells[c] = strdup(head[c]);
	cJSON_ArrayForEach(job, jobs) {
		table_row(cells + row * TABLE_COLS, job, o);
		colors[row] = o->color ? state_color(jstr(job, "state")) : NULL;
		row++;
	}
	for (int c = 0; c < TABLE_COLS; c++) {
		width[c] = 0;
		for (size_t i = 0; i < row; i++) {
			size_t w =
			    cells[i * TABLE_COLS + c] ? text_width(cells[i * TABLE_COLS + c]) : 0;
			if (w > width[c])
				width[c] = w;
		}
	}
	for (size_t i = 0; i < row; i++) {
		for (int c = 0; c < TABLE_COLS; c++) {
			const char *s = cells[i * TABLE_COLS + c] ? cells[i * TABLE_COLS + c] : "";
			if (width[c] == 0)
				continue; /* a column nothing fills (TOOK in the list) */
			if (c == TABLE_COLS - 1) {
				fprintf(f, "%s\n", s);
				continue;
			}
			/* Colour wraps the text, the padding stays outside it. */
			if (c == COL_STATE && colors[i])
				fprintf(f, "\033[%sm%s\033[0m", colors[i], s);
			else
				fputs(s, f);
			fprintf(f, "%*s  ", (int)(width[c] - text_width(s)), "");
		}
	}
	for (size_t i = 0; i < row * TABLE_COLS; i++)
		free(cells[i]);
	free(cells);
	free(colors);
}

static void field(FILE *f, const char *name, const char *value)
{
	struct buf b = BUF_INIT;
	show_escape(&b, value ? value : "-", strlen(value ? value : "-"), false);
	buf_putc(&b, '\0');
	fprintf(f, "%-10s %s\n", name, buf_ok(&b) ? buf_head(&b) : "?");
	buf_free(&b);
}

/* "memory 256 MiB, cpu 50%": each limit of the table the job has, as limit_format shows it. */
static void limits_text(struct buf *b, const cJSON *lim)
{
	for (int i = 0; i < NLIMITS; i++) {
		char text[64];
		double v;
		if (!jnum(lim, limit_info[i].key, &v))
			continue;
		/* Anything but a whole number in range came from a confused server: shown raw. */
		if (v >= 0 && v < 0x1p64 && v == (double)(uint64_t)v)
			limit_format(i, (uint64_t)v, text, sizeof text);
		else
			snprintf(text, sizeof text, "%.0f", v);
		buf_printf(b, "%s%s %s", buf_used(b) ? ", " : "", limit_info[i].name, text);
	}
}

/* "run as: alice (uid 1000, gid 1000)" and "isolation: user, pid, ..." (or "none"). */
static void show_run_as(FILE *f, const cJSON *job, struct buf *b)
{
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(job, "run_as"), *item;
	double uid, gid;
	buf_reset(b);
	if (jnum(run, "uid", &uid) && jnum(run, "gid", &gid))
		buf_printf(b, "%s%s(uid %.0f, gid %.0f)",
			   jstr(run, "user") ? jstr(run, "user") : "", jstr(run, "user") ? " " : "",
			   uid, gid);
	buf_putc(b, '\0');
	if (buf_used(b) > 1)
		field(f, "run as:", buf_head(b));
	buf_reset(b);
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(job, "isolation"))
		if (cJSON_IsString(item))
			buf_printf(b, "%s%s", buf_used(b) ? ", " : "", item->valuestring);
	buf_putc(b, '\0');
	field(f, "isolation:", buf_used(b) > 1 ? buf_head(b) : "none");
}

/* On Slurm: "executor: slurm, job 12 on node1 (partition debug), 2 CPUs per task". */
static void show_executor(FILE *f, const cJSON *job, struct buf *b)
{
	const cJSON *sl = cJSON_GetObjectItemCaseSensitive(job, "slurm");
	double id, cpus;
	if (!cJSON_IsObject(sl))
		return;
	buf_reset(b);
	if (jnum(sl, "job_id", &id))
		buf_printf(b, "slurm, job %.0f on %s (partition %s)", id,
			   jstr(sl, "node") ? jstr(sl, "node") : "?",
			   jstr(sl, "partition") ? jstr(sl, "partition") : "?");
	else
		buf_printf(b, "slurm, not allocated");
	if (jnum(sl, "cpus_per_task", &cpus))
		buf_printf(b, ", %.0f CPU%s per task", cpus, cpus == 1 ? "" : "s");
	buf_putc(b, '\0');
	field(f, "executor:", buf_ok(b) ? buf_head(b) : "slurm");
}

static void show_limits_and_usage(FILE *f, const cJSON *job)
{
	const cJSON *lim = cJSON_GetObjectItemCaseSensitive(job, "limits");
	const cJSON *use = cJSON_GetObjectItemCaseSensitive(job, "usage");
	struct buf b = BUF_INIT;
	double v;

	limits_text(&b, lim);
	buf_putc(&b, '\0');
	field(f, "limits:", buf_used(&b) > 1 ? buf_head(&b) : "none");
	field(f, "contained:", jstr(job, "containment"));
	show_executor(f, job, &b);
	show_run_as(f, job, &b);
	buf_reset(&b);
	if (jnum(use, "cpu_ms", &v))
		buf_printf(&b, "cpu %.3f s", v / 1000);
	if (jnum(use, "max_memory_bytes", &v))
		buf_printf(&b, "%speak memory %.1f MiB", buf_used(&b) ? ", " : "", v / 1048576);
	buf_putc(&b, '\0');
	if (buf_used(&b) > 1)
		field(f, "usage:", buf_head(&b));
	buf_free(&b);
}

void show_job(FILE *f, const cJSON *job)
{
	char tmp[64];
	double v, bytes = 0;
	struct buf b = BUF_INIT;

	field(f, "id:", jstr(job, "id"));
	field(f, "owner:", jstr(job, "owner"));
	show_command(&b, cJSON_GetObjectItemCaseSensitive(job, "command"));
	buf_putc(&b, '\0');
	fprintf(f, "%-10s %s\n", "command:", buf_ok(&b) ? buf_head(&b) : "?");
	buf_free(&b);
	field(f, "state:", jstr(job, "state"));
	show_exit(tmp, sizeof tmp, job);
	field(f, "exit:", tmp);
	if (jstr(job, "error"))
		field(f, "error:", jstr(job, "error"));
	if (jnum(job, "pid", &v)) {
		snprintf(tmp, sizeof tmp, "%.0f", v);
		field(f, "pid:", tmp);
	}
	if (jnum(job, "timeout_s", &v)) {
		snprintf(tmp, sizeof tmp, "%.0f s", v);
		field(f, "timeout:", tmp);
	}
	show_time(tmp, sizeof tmp, jstr(job, "created_at"));
	field(f, "created:", tmp);
	show_time(tmp, sizeof tmp, jstr(job, "started_at"));
	field(f, "started:", tmp);
	show_time(tmp, sizeof tmp, jstr(job, "finished_at"));
	field(f, "finished:", tmp);
	show_limits_and_usage(f, job);
	jnum(job, "output_bytes", &bytes);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(job, "output_truncated")))
		snprintf(tmp, sizeof tmp, "%.0f bytes, the most recent kept", bytes);
	else
		snprintf(tmp, sizeof tmp, "%.0f bytes", bytes);
	field(f, "output:", tmp);
}

void show_output(FILE *f, const char *p, size_t n)
{
	struct buf b = BUF_INIT;
	fprintf(f, "--- output ---\n");
	show_escape(&b, p, n, true);
	if (buf_used(&b) > 0 && buf_head(&b)[buf_used(&b) - 1] != '\n')
		buf_putc(&b, '\n');
	if (buf_ok(&b))
		fwrite(buf_head(&b), 1, buf_used(&b), f);
	buf_free(&b);
}

void show_job_line(FILE *f, const cJSON *job)
{
	struct buf b = BUF_INIT;
	char exit_text[32];
	const char *err = jstr(job, "error");

	const char *id = jstr(job, "id"), *state = jstr(job, "state");
	show_exit(exit_text, sizeof exit_text, job);
	buf_puts(&b, "job ");
	show_escape(&b, id ? id : "?", strlen(id ? id : "?"), false);
	buf_putc(&b, ' ');
	show_escape(&b, state ? state : "?", strlen(state ? state : "?"), false);
	if (strcmp(exit_text, "-") != 0)
		buf_printf(&b, " (%s)", exit_text);
	if (err) {
		buf_puts(&b, ": ");
		show_escape(&b, err, strlen(err), false);
	}
	buf_putc(&b, '\0');
	if (buf_ok(&b))
		fprintf(f, "%s\n", buf_head(&b));
	buf_free(&b);
}

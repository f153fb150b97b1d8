/* config: jobctl's settings and their sources; see config.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static const char *const names[SET_COUNT] = {"url", "cert", "key", "cacert"};
static const char *const envs[SET_COUNT] = {"JOBCTL_URL", "JOBCTL_CERT", "JOBCTL_KEY",
					    "JOBCTL_CACERT"};

const char *setting_name(enum setting_key k)
{
	return names[k];
}

static void set(struct settings *st, int k, const char *value, const char *source)
{
	st->s[k].value = value;
	snprintf(st->s[k].source, sizeof st->s[k].source, "%s", source);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *text = malloc(cap);
	size_t got;
	while (text && (got = fread(text + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0) {
			char *bigger = cap < (1 << 20) ? realloc(text, cap *= 2) : NULL;
			if (!bigger) {
				free(text);
				text = NULL;
			}
			text = bigger;
		}
	}
	fclose(f);
	if (text)
		text[n] = '\0';
	return text;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Parse the file's lines in place. 0, or -1 after saying which line is wrong. */
static int parse_file(struct settings *st)
{
	char where[600];
	int lineno = 0;
	for (char *line = st->file_text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *l = trim(line);
		if (!*l)
			continue;
		char *eq = strchr(l, '=');
		if (!eq) {
			fprintf(stderr, "jobctl: %s:%d: expected key = value\n", st->file, lineno);
			return -1;
		}
		*eq = '\0';
		char *k = trim(l), *v = trim(eq + 1);
		int i = 0;
		while (i < SET_COUNT && strcmp(k, names[i]) != 0)
			i++;
		if (i == SET_COUNT) {
			fprintf(stderr,
				"jobctl: %s:%d: unknown key \"%s\" (url, cert, key, cacert)\n",
				st->file, lineno, k);
			return -1;
		}
		snprintf(where, sizeof where, "%s:%d", st->file, lineno);
		set(st, i, v, where);
	}
	return 0;
}

int settings_load(struct settings *st, const char *certdir)
{
	static char defaults[SET_COUNT][600];
	char dir[512] = "";
	memset(st, 0, sizeof *st);

	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(dir, sizeof dir, "%s/jobctl", xdg);
	else if (home && *home)
		snprintf(dir, sizeof dir, "%s/.config/jobctl", home);
	if (dir[0])
		snprintf(st->file, sizeof st->file, "%s/config", dir);

	snprintf(defaults[SET_URL], sizeof defaults[0], "https://localhost:8443");
#ifdef JOBCTL_INSTALLED
	/* Installed: a user's certificate is theirs, in their config directory. */
	snprintf(defaults[SET_CERT], sizeof defaults[0], "%s/client.crt", dir);
	snprintf(defaults[SET_KEY], sizeof defaults[0], "%s/client.key", dir);
#else
	/* From a checkout: the checkout's certificates. */
	snprintf(defaults[SET_CERT], sizeof defaults[0], "%s/user1.crt", certdir);
	snprintf(defaults[SET_KEY], sizeof defaults[0], "%s/user1.key", certdir);
#endif
	snprintf(defaults[SET_CACERT], sizeof defaults[0], "%s/ca.crt", certdir);
	for (int i = 0; i < SET_COUNT; i++)
		set(st, i, defaults[i], "default");

	if (st->file[0] && (st->file_text = read_all(st->file)) && parse_file(st) < 0)
		return -1;
	if (st->file[0] && !st->file_text && errno != ENOENT) {
		fprintf(stderr, "jobctl: cannot read %s: %s\n", st->file, strerror(errno));
		return -1;
	}
	for (int i = 0; i < SET_COUNT; i++) {
		const char *v = getenv(envs[i]);
		if (v && *v)
			set(st, i, v, envs[i]);
	}
	return 0;
}

void settings_free(struct settings *st)
{
	free(st->file_text);
	st->file_text = NULL;
}

void settings_flag(struct settings *st, enum setting_key k, const char *value, const char *flag)
{
	char source[64];
	snprintf(source, sizeof source, "flag %s", flag);
	set(st, k, value, source);
}

void settings_print(const struct settings *st, FILE *f, int json)
{
	struct buf b = BUF_INIT;
	struct jw w;
	if (json) {
		jw_init(&w, &b);
		jw_obj(&w);
		for (int i = 0; i < SET_COUNT; i++) {
			jw_key(&w, names[i]);
			jw_obj(&w);
			jw_key(&w, "value");
			jw_str(&w, st->s[i].value);
			jw_key(&w, "source");
			jw_str(&w, st->s[i].source);
			jw_obj_end(&w);
		}
		jw_key(&w, "file");
		jw_str(&w, st->file);
		jw_obj_end(&w);
		buf_putc(&b, '\0');
		if (buf_ok(&b))
			fprintf(f, "%s\n", buf_head(&b));
		buf_free(&b);
		return;
	}
	for (int i = 0; i < SET_COUNT; i++)
		fprintf(f, "%-7s %-50s (%s)\n", names[i], st->s[i].value, st->s[i].source);
	fprintf(f, "config file: %s%s\n", st->file[0] ? st->file : "(none: no HOME)",
		st->file_text ? "" : " (not there)");
}

/*
 * config: where jobctl's settings come from: its flags, then JOBCTL_* environment variables,
 * then a config file ($XDG_CONFIG_HOME/jobctl/config, else ~/.config/jobctl/config), then the
 * defaults (the checkout's certificates). Each setting remembers its source, for `jobctl config`.
 *
 * The file has `key = value` lines (url, cert, key, cacert); # starts a comment.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdio.h>

enum setting_key { SET_URL, SET_CERT, SET_KEY, SET_CACERT, SET_COUNT };

struct setting {
	const char *value;
	char source[640]; /* "default", "JOBCTL_URL", "flag --url", "/path/config:3" */
};

struct settings {
	struct setting s[SET_COUNT];
	char *file_text; /* the config file's contents, which file values point into */
	char file[512];	 /* the config file's path, found or not */
};

/* Defaults, then the file, then the environment. 0, or -1 after saying what is wrong (in the
 * file) on stderr. */
int settings_load(struct settings *st, const char *certdir);
void settings_free(struct settings *st);
/* A flag's value wins over everything. */
void settings_flag(struct settings *st, enum setting_key k, const char *value, const char *flag);
const char *setting_name(enum setting_key k);
void settings_print(const struct settings *st, FILE *f, int json);

#endif

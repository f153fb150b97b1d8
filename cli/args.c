/* args: walking a command's arguments; see args.h. */
#include "args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

void args_init(struct args *a, struct jobctl *x, const char *cmd, const struct opt *opts, int argc,
	       char **argv)
{
	*a = (struct args){.x = x, .cmd = cmd, .opts = opts, .argc = argc, .argv = argv};
}

int args_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fputs("jobctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'jobctl %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return -1;
}

/* The value of "NAME V" or "NAME=V" at argv[*i], moving *i past it; NULL when it is not that
 * option; "" when the value is missing. */
static const char *option_value(const char *name, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (!a || strncmp(a, name, n) != 0 || (a[n] != '\0' && a[n] != '='))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	return *i + 1 < argc ? argv[++*i] : "";
}

int args_global(struct jobctl *x, int argc, char **argv, int *i)
{
	static const char *const flags[SET_COUNT] = {"--url", "--cert", "--key", "--cacert"};
	const char **fields[SET_COUNT] = {&x->conf.url, &x->conf.cert, &x->conf.key,
					  &x->conf.cacert};
	const char *a = argv[*i];
	if (strcmp(a, "--json") == 0) {
		x->json = true;
		return 1;
	}
	for (int k = 0; k < SET_COUNT; k++) {
		const char *v = option_value(flags[k], argc, argv, i);
		if (!v)
			continue;
		if (!*v)
			return args_usage(NULL, "%s needs a value", flags[k]);
		settings_flag(&x->st, k, v, flags[k]);
		*fields[k] = v;
		return 1;
	}
	return 0;
}

/* Is argv[a->i] option o? Then a->value is its value (NULL for a flag) and a->i is past it. */
static bool take_option(struct args *a, const struct opt *o)
{
	const char *arg = a->argv[a->i];
	if (!o->value) {
		a->value = NULL;
		return strcmp(arg, o->name) == 0 || (o->alias && strcmp(arg, o->alias) == 0);
	}
	a->value = option_value(o->name, a->argc, a->argv, &a->i);
	if (!a->value && o->alias)
		a->value = option_value(o->alias, a->argc, a->argv, &a->i);
	return a->value != NULL;
}

int args_next(struct args *a)
{
	for (; a->i < a->argc; a->i++) {
		const char *arg = a->argv[a->i];
		if (a->words_end && (arg[0] != '-' || strcmp(arg, "--") == 0)) {
			a->i += arg[0] == '-';
			return ARG_END;
		}
		if (arg[0] != '-') {
			a->value = arg;
			a->i++;
			return ARG_WORD;
		}
		for (int k = 0; a->opts && a->opts[k].name; k++) {
			if (take_option(a, &a->opts[k])) {
				a->i++;
				return k;
			}
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			a->i++;
			return ARG_HELP;
		}
		int g = args_global(a->x, a->argc, a->argv, &a->i);
		if (g < 0)
			return ARG_ERROR;
		if (g == 0) {
			args_usage(a->cmd, "unknown option for %s: %s", a->cmd, arg);
			return ARG_ERROR;
		}
	}
	return ARG_END;
}

int args_check_id(const char *cmd, const char *id)
{
	if (!id)
		return args_usage(cmd, "%s needs a job id", cmd);
	if (!proto_id_valid(id))
		return args_usage(
		    cmd, "not a job id: \"%s\" (ids are made of A-Z, a-z, 0-9, _ and -)", id);
	return 0;
}

long args_seconds(const char *s, long max)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : -1;
	if (!s || errno || end == s || *end || v < 0 || v > max)
		return -1;
	return v;
}

int args_halt(int o, bool *help)
{
	if (o != ARG_HELP)
		return -1;
	*help = true;
	return 0;
}

int args_one_id(struct jobctl *x, const char *cmd, int argc, char **argv, const char **id,
		bool *help)
{
	struct args a;
	args_init(&a, x, cmd, NULL, argc, argv);
	*id = NULL;
	*help = false;
	for (int o; (o = args_next(&a)) != ARG_END;) {
		if (o == ARG_HELP || o == ARG_ERROR)
			return args_halt(o, help);
		if (*id)
			return args_usage(cmd, "%s takes one job id", cmd);
		*id = a.value;
	}
	return args_check_id(cmd, *id);
}

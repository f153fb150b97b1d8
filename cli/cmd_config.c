/* cmd_config: the settings in effect and where each comes from (config.h). */
#include <stdio.h>

#include "args.h"
#include "jobctl.h"

void help_config(FILE *f)
{
	fputs("usage: jobctl config\n"
	      "Print the settings in effect (url, cert, key, cacert) and where each comes\n"
	      "from: a flag, a JOBCTL_* variable, the config file, or the default.\n",
	      f);
}

int config_parse(struct jobctl *x, int argc, char **argv, bool *help)
{
	struct args a;
	args_init(&a, x, "config", NULL, argc, argv);
	*help = false;
	for (int o; (o = args_next(&a)) != ARG_END;) {
		if (o == ARG_HELP || o == ARG_ERROR)
			return args_halt(o, help);
		return args_usage("config", "config takes no arguments");
	}
	return 0;
}

int cmd_config(struct jobctl *x, int argc, char **argv)
{
	bool help;
	if (config_parse(x, argc, argv, &help) < 0)
		return EXIT_USAGE;
	if (help)
		help_config(stdout);
	else
		settings_print(&x->st, stdout, x->json);
	return 0;
}

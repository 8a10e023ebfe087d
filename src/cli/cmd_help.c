/* samskap help [COMMAND] */
#include "cli.h"

#include "samskap/util.h"

#include <stdio.h>

static int cmd_help(int argc, char **argv)
{
	if (argc > 2)
		return sk_cli_usage(&sk_cmd_help, "too many arguments");
	if (argc == 2) {
		const sk_command *c = sk_cli_find(argv[1]);
		if (!c)
			return sk_error_set(SK_EUSAGE, "help: no command '%s' (see 'samskap help')", argv[1]);
		printf("%s\n", c->usage);
		return 0;
	}
	printf("usage: samskap COMMAND [ARGS]\n\n"
	       "The shared knowledge base of Partnerskap for radikal innovasjon:\n"
	       "experiments, cases, models and status, kept in git.\n\n"
	       "Commands:\n");
	for (const sk_command *const *c = sk_cli_commands(); *c; c++)
		printf("  %-10s %s\n", (*c)->name, (*c)->summary);
	printf("\nRun 'samskap help COMMAND' for a command's options.\n");
	return 0;
}

const sk_command sk_cmd_help = {
	"help", cmd_help, "Show the commands, or one command's help",
	"usage: samskap help [COMMAND]\n\n"
	"Without COMMAND, lists every command; with it, shows that command's\n"
	"options and examples."
};

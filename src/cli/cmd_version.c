/* samskap version */
#include "cli.h"

#include "samskap/util.h"

#include <stdio.h>

static int cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return sk_cli_usage(&sk_cmd_version, "takes no arguments");
	printf("samskap %s\n", SAMSKAP_VERSION);
	return 0;
}

const sk_command sk_cmd_version = {
	"version", cmd_version, "Print samskap's version",
	"usage: samskap version"
};

/* samskap: the shared knowledge base of Partnerskap for radikal innovasjon. */
#include "cli.h"

#include "samskap/util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const sk_command *const commands[] = {
#define SK_COMMAND(n) &sk_cmd_##n,
#include "commands.def"
#undef SK_COMMAND
	NULL
};

const sk_command *const *sk_cli_commands(void)
{
	return commands;
}

const sk_command *sk_cli_find(const char *name)
{
	for (size_t i = 0; commands[i]; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

int sk_cli_usage(const sk_command *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sk_error_set(SK_EUSAGE, "%s: %s (see 'samskap help %s')", cmd->name, msg, cmd->name);
}

int sk_cli_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(fileno(f)) && !(nc && *nc);
}

/* The one place where error codes become exit statuses. */
static int exit_status(int rc)
{
	if (rc == 0)
		return 0;
	return rc == SK_EUSAGE ? 2 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		sk_cmd_help.run(1, argv);
		return 2;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		name = "help";
	else if (strcmp(name, "--version") == 0)
		name = "version";
	const sk_command *cmd = sk_cli_find(name);
	if (!cmd) {
		fprintf(stderr, "samskap: '%s' is not a command (see 'samskap help')\n", argv[1]);
		return 2;
	}
	/* `samskap CMD --help` is the same as `samskap help CMD`. */
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("%s\n", cmd->usage);
			return 0;
		}
	}
	sk_error_clear();
	int rc = cmd->run(argc - 1, argv + 1);
	fflush(stdout);
	if (rc != 0) {
		const char *msg = sk_error_last();
		fprintf(stderr, "samskap: %s\n", *msg ? msg : "failed");
	}
	return exit_status(rc);
}

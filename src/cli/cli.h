/* The command-line face: a table of commands, each in its own cmd_NAME.c
 * with its help text beside its handler (STYLE.md 7). The build finds
 * every src/cli/cmd_NAME.c and lists `sk_cmd_NAME` in commands.def, so a
 * new command is one new file. */
#ifndef SAMSKAP_CLI_H
#define SAMSKAP_CLI_H

#include <stdio.h>

/* A handler gets argv with argv[0] the command's name and returns 0 or a
 * negative SK_E code with sk_error_set() called; main() maps codes to exit
 * statuses in one place: SK_EUSAGE gives 2, any other error 1. */
typedef int (*sk_command_fn)(int argc, char **argv);

typedef struct sk_command {
	const char *name;
	sk_command_fn run;
	const char *summary; /* one line for `samskap help` */
	const char *usage;   /* the full help for `samskap help NAME` */
} sk_command;

#define SK_COMMAND(n) extern const sk_command sk_cmd_##n;
#include "commands.def"
#undef SK_COMMAND

/* Every command, NULL-terminated, sorted by name. */
const sk_command *const *sk_cli_commands(void);

/* Looks a command up by name; NULL when there is none. */
const sk_command *sk_cli_find(const char *name);

/* Sets a usage error that names the command and points at its help. */
int sk_cli_usage(const sk_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* 1 when stdout is a terminal and NO_COLOR is unset. */
int sk_cli_color(FILE *f);

#endif

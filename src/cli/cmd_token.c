/* samskap token add: a member who may write through `samskap serve`. */
#include "cli.h"

#include "samskap/server.h"
#include "samskap/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_token(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tokens", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	const char *file = ".samskap/tokens";
	char *token = NULL;
	int c, rc = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'k')
			file = optarg;
		else
			return sk_cli_usage(&sk_cmd_token, "unknown option '%s'", argv[optind - 1]);
	}
	if (argc - optind != 2 || strcmp(argv[optind], "add") != 0)
		return sk_cli_usage(&sk_cmd_token, "expected: token add \"Name <email>\"");
	const char *author = argv[optind + 1];
	if (strcmp(file, ".samskap/tokens") == 0 && sk_path_mkdirs(".samskap") < 0)
		return sk_error_set(SK_EIO, "cannot create .samskap/: %s", sk_error_last());
	rc = sk_server_token_new(&token);
	if (rc == 0)
		rc = sk_server_token_add(file, author, token);
	if (rc == 0) {
		printf("%s\n", token);
		fprintf(stderr, "samskap token: added %s to %s; give them the token above "
			"(it is not stored, only its hash)\n", author, file);
	}
	free(token);
	return rc;
}

const sk_command sk_cmd_token = {
	"token", cmd_token, "Add a member who may write through the server",
	"usage: samskap token add [--tokens FILE] \"Name <email>\"\n"
	"\n"
	"Makes a new random token for the member, appends 'Name <email> : SHA256'\n"
	"to the tokens file (default .samskap/tokens, created with mode 0600) and\n"
	"prints the token once. The member sends it as 'Authorization: Bearer\n"
	"TOKEN' to the API, or types it in the web page's login form. Their\n"
	"writes are committed with this name and email as the author."
};

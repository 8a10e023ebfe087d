/* samskap init [DIR] [--example] [--author A] */
#include "cli.h"

#include "samskap/store.h"
#include "samskap/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "example", no_argument, NULL, 'x' },
		{ "author", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	const char *author_spec = NULL;
	int example = 0, c, rc = 0;
	char *content = NULL;
	sk_store_author author = { NULL, NULL };
	sk_oid commit;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'x':
			example = 1;
			break;
		case 'a':
			author_spec = optarg;
			break;
		default:
			return sk_cli_usage(&sk_cmd_init, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return sk_cli_usage(&sk_cmd_init, "takes at most one folder");
	const char *dir = optind < argc ? argv[optind] : ".";
	if ((rc = sk_store_author_resolve(&author, NULL, author_spec)) < 0)
		goto done;
	if (example && (rc = sk_data_path(&content, "content")) < 0)
		goto done;
	if ((rc = sk_store_kb_init(&commit, dir, content, &author)) < 0)
		goto done;
	printf("Made a knowledge base in %s%s (commit %.7s).\n", dir,
		example ? " with the bundled example content" : "", commit.hex);
	printf("Next: 'samskap new experiment --title ...', 'samskap log', 'samskap sync'.\n");
done:
	sk_store_author_free(&author);
	free(content);
	return rc;
}

const sk_command sk_cmd_init = {
	"init", cmd_init, "Make a new knowledge base (a git repository)",
	"usage: samskap init [DIR] [--example] [--author 'Name <email>']\n"
	"\n"
	"Makes DIR (default: the current folder) a knowledge base: a git repository\n"
	"(or a folder of the one DIR is in, unless that one ignores DIR), samskap.json,\n"
	".gitignore (.samskap/), the record folders, and a first commit.\n"
	"\n"
	"  --example   copy in the bundled example content (the partnership, its\n"
	"              kommuner, challenges, cases, experiments and models)\n"
	"  --author A  author of the first commit (else SAMSKAP_AUTHOR, else git config)"
};

/* samskap sync [REMOTE] */
#include "cli.h"
#include "cli_store.h"

#include "samskap/util.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_sync(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "author", required_argument, NULL, 'a' },
		{ "kb", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const char *author_spec = NULL, *kb_path = NULL;
	sk_kb *kb = NULL;
	sk_store *st = NULL;
	sk_store_author author = { NULL, NULL };
	sk_sync_result res;
	char *branch = NULL;
	int c, rc = 0, have_author, json = 0;

	memset(&res, 0, sizeof res);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "C:", opts, NULL)) != -1) {
		switch (c) {
		case 'a': author_spec = optarg; break;
		case 'C': kb_path = optarg; break;
		case 'j': json = 1; break;
		default:
			return sk_cli_usage(&sk_cmd_sync, "unknown option or missing value '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return sk_cli_usage(&sk_cmd_sync, "takes at most one REMOTE");
	const char *remote = optind < argc ? argv[optind] : "origin";
	if ((rc = sk_cli_store_open(&kb, &st, kb_path, 1)) < 0)
		goto done;
	if ((rc = sk_store_branch(&branch, st)) < 0)
		goto done;
	/* The author is needed only for a merge commit: a sync that just
	 * fetches or pushes works without one. */
	have_author = sk_store_author_resolve(&author, st, author_spec) == 0;
	if (!have_author && author_spec) {
		rc = sk_error_code();
		goto done;
	}
	rc = sk_store_sync(&res, st, remote, have_author ? &author : NULL);
	if (json && (rc == 0 || res.outcome == SK_SYNC_CONFLICT)) {
		static const char *const names[] = { "up-to-date", "pushed", "fast-forward", "merged", "conflict" };
		json_t *files = json_array();
		for (size_t i = 0; i < res.n_conflicts; i++)
			json_array_append_new(files, json_string(res.conflicts[i]));
		/* "o" steals `files`. */
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:s?}",
			"outcome", names[res.outcome], "remote", remote, "local", res.local.hex,
			"fetched_head", res.remote.hex, "head", res.head.hex,
			"fetched", (json_int_t)res.n_fetched, "pushed", (json_int_t)res.n_pushed,
			"conflicts", files, "conflict_ref", res.conflict_ref);
		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(j);
	}
	if (rc < 0) {
		for (size_t i = 0; i < res.n_conflicts; i++)
			fprintf(stderr, "conflict: %s\n", res.conflicts[i]);
		goto done;
	}
	if (json)
		goto done;
	switch (res.outcome) {
	case SK_SYNC_UP_TO_DATE:
		printf("Already up to date with %s/%s.\n", remote, branch);
		break;
	case SK_SYNC_PUSHED:
		printf("Pushed %zu commit%s to %s/%s.\n", res.n_pushed, res.n_pushed == 1 ? "" : "s",
			remote, branch);
		break;
	case SK_SYNC_FAST_FORWARD:
		printf("Fetched %zu commit%s from %s/%s (fast-forward).\n", res.n_fetched,
			res.n_fetched == 1 ? "" : "s", remote, branch);
		break;
	case SK_SYNC_MERGED:
		printf("Merged %zu commit%s from %s/%s and pushed %zu (merge commit %.7s).\n",
			res.n_fetched, res.n_fetched == 1 ? "" : "s", remote, branch, res.n_pushed, res.head.hex);
		break;
	case SK_SYNC_CONFLICT:
		break;
	}
done:
	sk_sync_result_free(&res);
	free(branch);
	sk_store_author_free(&author);
	sk_store_free(st);
	sk_kb_free(kb);
	return rc;
}

const sk_command sk_cmd_sync = {
	"sync", cmd_sync, "Fetch, merge and push: share the knowledge base through a git remote",
	"usage: samskap sync [REMOTE] [--json] [--author 'Name <email>'] [--kb PATH]\n"
	"\n"
	"Fetches the checked-out branch from REMOTE (default: origin; any git host,\n"
	"or a bare repository on disk), fast-forwards to it or makes a merge commit,\n"
	"updates the changed files in the work tree, and pushes. When both sides\n"
	"changed the same lines, nothing is merged and nothing is lost: the\n"
	"conflicting files are named, the local branch stays as it was, the remote's\n"
	"version is kept as refs/samskap/conflict/REMOTE/BRANCH, the exit status is 1,\n"
	"and the message says how to go on (git merge that ref, fix, commit, sync).\n"
	"\n"
	"  --author A  author of a merge commit (else SAMSKAP_AUTHOR, else git config)\n"
	"  --json      print {outcome, remote, local, fetched_head, head, fetched, pushed,\n"
	"              conflicts, conflict_ref}; outcome is up-to-date, pushed,\n"
	"              fast-forward, merged or conflict"
};

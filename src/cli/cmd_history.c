/* samskap history [ID] [--json] [--limit N] */
#include "cli.h"
#include "cli_store.h"

#include "samskap/util.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "2025-03-01T10:11:12+01:00" in the commit's own time zone. */
static void format_time(char out[48], int64_t t, int tz_minutes)
{
	time_t local = (time_t)(t + (int64_t)tz_minutes * 60);
	struct tm tm;
	gmtime_r(&local, &tm);
	int off = tz_minutes < 0 ? -tz_minutes : tz_minutes;
	char date[32];
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 48, "%s%c%02d:%02d", date, tz_minutes < 0 ? '-' : '+', off / 60, off % 60);
}

/* The paths whose history `id` means: an experiment's folder (its log
 * too), else the record's file. */
static int record_paths(char **out, sk_store *st, const char *id)
{
	sk_store_file *files = NULL;
	size_t n = 0;
	sk_record_type type;
	int rc;

	*out = NULL;
	if (!sk_id_valid(id))
		return sk_error_set(SK_ENOTFOUND, "'%s' is not a record id (ids are lower-case slugs)", id);
	if ((rc = sk_store_list(&files, &n, st, NULL)) < 0)
		return rc;
	for (size_t i = 0; i < n && !*out; i++) {
		char *rid = NULL;
		if (sk_record_locate(&type, &rid, NULL, files[i].path) == 0 && strcmp(rid, id) == 0)
			*out = type == SK_TYPE_EXPERIMENT ? sk_printf("experiments/%s/", id)
							   : sk_strdup(files[i].path);
		free(rid);
	}
	sk_store_files_free(files, n);
	sk_error_clear();
	if (!*out)
		return sk_error_set(SK_ENOTFOUND, "no record with id '%s' is committed in the knowledge base", id);
	return 0;
}

static int cmd_history(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "limit", required_argument, NULL, 'n' },
		{ "kb", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	const char *kb_path = NULL;
	int json = 0, c, rc = 0;
	size_t limit = 0, count = 0;
	sk_kb *kb = NULL;
	sk_store *st = NULL;
	sk_store_commit_info *h = NULL;
	char *path = NULL;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "n:C:", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'C': kb_path = optarg; break;
		case 'n': {
			char *end = NULL;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1)
				return sk_cli_usage(&sk_cmd_history, "--limit takes a positive number, not '%s'", optarg);
			limit = (size_t)v;
			break;
		}
		default:
			return sk_cli_usage(&sk_cmd_history, "unknown option or missing value '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return sk_cli_usage(&sk_cmd_history, "takes at most one record ID");
	if ((rc = sk_cli_store_open(&kb, &st, kb_path, 0)) < 0)
		goto done;
	if (optind < argc && (rc = record_paths(&path, st, argv[optind])) < 0)
		goto done;
	const char *paths[1] = { path };
	if ((rc = sk_store_history(&h, &count, st, paths, path ? 1 : 0, limit)) < 0)
		goto done;
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < count; i++) {
			char when[48];
			json_t *files = json_array();
			format_time(when, h[i].time, h[i].tz_offset);
			for (size_t j = 0; j < h[i].n_paths; j++)
				json_array_append_new(files, json_string(h[i].paths[j]));
			/* json_pack "o" steals `files`. */
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o}",
				"commit", h[i].id.hex, "author", h[i].author_name, "email", h[i].author_email,
				"date", when, "summary", h[i].summary, "message", h[i].message,
				"added", (json_int_t)h[i].added, "removed", (json_int_t)h[i].removed,
				"paths", files));
		}
		json_dumpf(arr, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(arr);
		goto done;
	}
	if (count == 0)
		printf("No commits touch %s.\n", path ? path : "the knowledge base");
	for (size_t i = 0; i < count; i++) {
		char when[48];
		format_time(when, h[i].time, h[i].tz_offset);
		when[16] = '\0'; /* YYYY-MM-DDTHH:MM */
		when[10] = ' ';
		char lines[48];
		snprintf(lines, sizeof lines, "+%zu -%zu", h[i].added, h[i].removed);
		printf("%.7s  %s  %-24s %-11s %s\n", h[i].id.hex, when, h[i].author_name, lines,
			h[i].summary);
	}
done:
	sk_store_history_free(h, count);
	free(path);
	sk_store_free(st);
	sk_kb_free(kb);
	return rc;
}

const sk_command sk_cmd_history = {
	"history", cmd_history, "Show who changed a record (or the whole knowledge base), when and how much",
	"usage: samskap history [ID] [--json] [--limit N] [--kb PATH]\n"
	"\n"
	"Lists the commits, newest first, that changed the record ID (for an\n"
	"experiment: also its log entries), or any file of the knowledge base: the\n"
	"commit, date, author, lines added and removed, and the message.\n"
	"\n"
	"  --json     print [{commit, author, email, date, summary, message, added,\n"
	"             removed, paths}]\n"
	"  --limit N  only the newest N commits"
};

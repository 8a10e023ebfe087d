/* samskap — fuzz harness: the search query parser and the SQL it becomes,
 * run against an index of the bundled content (built once, in a temporary
 * database). Any input must give hits or a clear SK_EINVALID, never an
 * SQLite error text or a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "samskap/index.h"

static sk_kb *kb;
static sk_index *ix;
static char db_path[64];

static void cleanup(void)
{
	sk_index_free(ix);
	sk_kb_free(kb);
	unlink(db_path);
	for (const char *suffix = "-wal\0-shm\0"; *suffix; suffix += strlen(suffix) + 1) {
		char side[80];
		snprintf(side, sizeof side, "%s%s", db_path, suffix);
		unlink(side);
	}
}

static int setup(void)
{
	snprintf(db_path, sizeof db_path, "/tmp/samskap-fuzz-query-%ld.sqlite", (long)getpid());
	if (sk_kb_open(&kb, FUZZ_KB_DIR) != 0 || sk_index_open(&ix, kb, db_path) != 0 ||
	    sk_index_update(ix, SK_INDEX_REBUILD, NULL, NULL, NULL) != 0) {
		fprintf(stderr, "fuzz_query: cannot index %s: %s\n", FUZZ_KB_DIR, sk_error_last());
		abort();
	}
	atexit(cleanup);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready)
		ready = setup();
	char *query = sk_strndup((const char *)data, size);
	sk_search_opts opts = {.limit = 5, .facets = 1};
	sk_search_result *res = NULL;
	int rc = sk_index_search(&res, ix, query, &opts);
	/* SQLite's own words must never reach the user (unless the user typed
	 * them: messages may quote the query, whose control characters the
	 * parser reads as spaces). */
	static const char *const sqlite_words[] = {
		"fts5: syntax error", "SQL logic error", "no such column", "unrecognized token",
		"malformed MATCH", "unknown special query",
	};
	char *typed = sk_strdup(query);
	for (char *c = typed; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	for (size_t i = 0; rc != 0 && i < sizeof sqlite_words / sizeof *sqlite_words; i++)
		if (strstr(sk_error_last(), sqlite_words[i]) && !strstr(typed, sqlite_words[i]))
			abort();
	free(typed);
	sk_search_result_free(res);
	free(query);
	sk_error_clear();
	return 0;
}

/* The search benchmark's driver: times the index and its searches inside
 * one process (no process start-up in the figures). tools/bench/search
 * runs it; see there for what each figure means.
 *
 *   search_bench index KB DB [--rebuild|--committed]
 *                                          full or incremental update
 *   search_bench status KB                 finding uncommitted edits (git)
 *   search_bench plain JSONL DB            plain FTS5 (unicode61) load
 *   search_bench query KB DB PLAINDB QUERIES ROUNDS
 *                                          search p50/p99 beside plain FTS5 */
#include "index_internal.h"
#include "samskap/index.h"
#include "samskap/store.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* This process's anonymous resident memory in MB (RssAnon: the mapped
 * index file's pages left out). */
static double rss_mb(void)
{
	char line[256];
	long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "RssAnon: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return (double)kb / 1024.0;
}

static void die(const char *what)
{
	fprintf(stderr, "search_bench: %s: %s\n", what, sk_error_last());
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The p-quantile of v (sorted here); 0 for none (a query file of filters
 * alone gives the plain table nothing to search). */
static double pct(double *v, size_t n, double p)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i];
}

static int cmd_index(const char *root, const char *db, int flags)
{
	sk_kb *kb = NULL;
	sk_index *ix = NULL;
	sk_index_stats st;
	if (sk_kb_open(&kb, root) || sk_index_open(&ix, kb, db))
		die("open");
	double t0 = now_ms(), c0 = cpu_ms();
	if (sk_index_update(ix, flags, NULL, NULL, &st))
		die("update");
	double ms = now_ms() - t0, cms = cpu_ms() - c0;
	printf("ms %.2f cpu_ms %.2f indexed %zu scanned %zu removed %zu invalid %zu git %d\n", ms, cms, st.indexed,
		st.scanned, st.removed, st.invalid, st.used_git);
	sk_index_free(ix);
	sk_kb_free(kb);
	return 0;
}

static int cmd_status(const char *root)
{
	sk_store *st = NULL;
	sk_store_change *ch = NULL;
	size_t n = 0;
	double t0 = now_ms();
	if (sk_store_open(&st, root))
		die("store");
	double t1 = now_ms(), c1 = cpu_ms();
	if (sk_store_status(&ch, &n, st))
		die("status");
	double t2 = now_ms(), c2 = cpu_ms();
	printf("open_ms %.2f status_ms %.2f status_cpu_ms %.2f changes %zu\n", t1 - t0, t2 - t1, c2 - c1, n);
	sk_store_changes_free(ch, n);
	sk_store_free(st);
	return 0;
}

static int cmd_plain(const char *jsonl, const char *dbpath)
{
	FILE *f = fopen(jsonl, "r");
	if (!f) {
		perror(jsonl);
		return 1;
	}
	/* Read every record first: the figure is the load, not the parse. */
	json_t *all = json_array();
	char *line = NULL;
	size_t cap = 0, bytes = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		json_t *j = json_loads(line, 0, NULL);
		if (j) {
			json_array_append_new(all, j);
			bytes += (size_t)n;
		}
	}
	free(line);
	fclose(f);
	remove(dbpath);
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	if (sqlite3_open(dbpath, &db) != SQLITE_OK)
		return 1;
	sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
		"CREATE VIRTUAL TABLE plain USING fts5(title, tags, body, tokenize = 'unicode61 remove_diacritics 0');"
		"INSERT INTO plain(plain, rank) VALUES('rank', 'bm25(10.0, 5.0, 1.0)');",
		NULL, NULL, NULL);
	double t0 = now_ms(), c0 = cpu_ms();
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO plain(title, tags, body) VALUES(?, ?, ?)", -1, &ins, NULL);
	size_t i;
	json_t *r;
	json_array_foreach(all, i, r) {
		sqlite3_bind_text(ins, 1, json_string_value(json_object_get(r, "title")), -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, json_string_value(json_object_get(r, "tags")), -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, json_string_value(json_object_get(r, "body")), -1, SQLITE_STATIC);
		sqlite3_step(ins);
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	double ms = now_ms() - t0, cms = cpu_ms() - c0;
	printf("ms %.2f cpu_ms %.2f records %zu bytes %zu\n", ms, cms, json_array_size(all), bytes);
	sqlite3_close(db);
	json_decref(all);
	return 0;
}

/* One plain FTS5 search of the same words: top 20 by bm25 with the same
 * weights, and their snippets; the statement prepared once, as samskap
 * keeps its own. */
static double plain_search(sqlite3 *db, sqlite3_stmt **stp, const char *expr, double *cpu)
{
	double t0 = now_ms(), c0 = cpu_ms();
	if (!*stp && sqlite3_prepare_v2(db, "SELECT rowid, snippet(plain, 2, '[', ']', '…', 14) FROM plain"
		" WHERE plain MATCH ? ORDER BY rank LIMIT 20", -1, stp, NULL) != SQLITE_OK)
		return -1;
	sqlite3_stmt *st = *stp;
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	*cpu = cpu_ms() - c0;
	return now_ms() - t0;
}

static int cmd_query(const char *root, const char *dbpath, const char *plainpath, const char *qfile, int rounds)
{
	sk_kb *kb = NULL;
	sk_index *ix = NULL;
	sqlite3 *plain = NULL;
	sqlite3_stmt *plain_st = NULL;
	if (sk_kb_open(&kb, root) || sk_index_open(&ix, kb, dbpath))
		die("open");
	if (sqlite3_open_v2(plainpath, &plain, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return 1;
	/* A handle's second search reads the connection's cache (facet
	 * values, row lengths, dates, the vocabulary): its cost, once. */
	double cache_ms = 0, rss0 = rss_mb();
	for (int i = 0; i < 2; i++) {
		sk_search_result *res = NULL;
		double t0 = now_ms();
		if (sk_index_search(&res, ix, "samskapbenchwarmup", NULL))
			die("warm-up");
		cache_ms = now_ms() - t0;
		sk_search_result_free(res);
	}
	double cache_mb = rss_mb() - rss0;
	char *data = NULL;
	size_t len = 0;
	if (sk_file_read(&data, &len, qfile, 1 << 20))
		die("queries");
	char *save = NULL;
	double *ours = sk_calloc((size_t)rounds * 100, sizeof(double));
	double *theirs = sk_calloc((size_t)rounds * 100, sizeof(double));
	double *ours_cpu = sk_calloc((size_t)rounds * 100, sizeof(double));
	double *nofacets = sk_calloc((size_t)rounds * 100, sizeof(double));
	size_t k = 0;
	double *theirs_cpu = sk_calloc((size_t)rounds * 100, sizeof(double));
	size_t n = 0, m = 0, shapes = 0;
	for (char *q = strtok_r(data, "\n", &save); q; q = strtok_r(NULL, "\n", &save)) {
		if (!*q || *q == '#')
			continue;
		shapes++;
		/* The same words for the plain table: the query's terms as FTS5
		 * strings, without filters, compound parts or stemming. */
		sk_query *pq = NULL;
		if (sk_index__query_parse(&pq, q))
			die(q);
		char *pos = sk_index__query_fts(pq, 0, NULL, NULL);
		char *neg = sk_index__query_fts(pq, 1, NULL, NULL);
		char *expr = pos ? (neg ? sk_printf("%s NOT (%s)", pos, neg) : sk_strdup(pos)) : NULL;
		double best = 0, pbest = 0;
		size_t total = 0;
		for (int r = 0; r < rounds; r++) {
			sk_search_result *res = NULL;
			sk_search_opts o = { 20, 0, 1, NULL, NULL };
			double t0 = now_ms(), c0 = cpu_ms();
			if (sk_index_search(&res, ix, q, &o))
				die(q);
			double t = now_ms() - t0;
			ours_cpu[n] = cpu_ms() - c0;
			total = res->total;
			sk_search_result_free(res);
			ours[n++] = t;
			/* The same search without facets: what they cost. */
			sk_search_opts nf = { 20, 0, 0, NULL, NULL };
			t0 = now_ms();
			if (sk_index_search(&res, ix, q, &nf))
				die(q);
			nofacets[k++] = now_ms() - t0;
			sk_search_result_free(res);
			best = r == 0 || t < best ? t : best;
			if (expr) {
				double pc = 0;
				double pt = plain_search(plain, &plain_st, expr, &pc);
				theirs_cpu[m] = pc;
				theirs[m++] = pt;
				pbest = r == 0 || pt < pbest ? pt : pbest;
			}
		}
		printf("query %-40s matches %7zu  ours %8.2f ms  plain %8.2f ms\n", q, total, best, expr ? pbest : 0.0);
		free(pos);
		free(neg);
		free(expr);
		sk_index__query_free(pq);
	}
	double o50 = pct(ours, n, 0.5), o99 = pct(ours, n, 0.99);
	double p50 = pct(theirs, m, 0.5), p99 = pct(theirs, m, 0.99);
	double oc50 = pct(ours_cpu, n, 0.5), oc99 = pct(ours_cpu, n, 0.99);
	double pc50 = pct(theirs_cpu, m, 0.5), pc99 = pct(theirs_cpu, m, 0.99);
	/* Three decimals: at 1 000 records a p50 is about 0.15 ms. */
	printf("shapes %zu ours_p50 %.3f ours_p99 %.3f plain_p50 %.3f plain_p99 %.3f"
		" ours_cpu_p50 %.3f ours_cpu_p99 %.3f plain_cpu_p50 %.3f plain_cpu_p99 %.3f nofacets_p50 %.3f"
		" cache_ms %.1f cache_mb %.1f\n",
		shapes, o50, o99, p50, p99, oc50, oc99, pc50, pc99, pct(nofacets, k, 0.5), cache_ms, cache_mb);
	free(nofacets);
	free(ours);
	free(theirs);
	free(ours_cpu);
	free(theirs_cpu);
	free(data);
	sqlite3_finalize(plain_st);
	sqlite3_close(plain);
	sk_index_free(ix);
	sk_kb_free(kb);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "index") == 0)
		return cmd_index(argv[2], argv[3], argc > 4 && strcmp(argv[4], "--rebuild") == 0 ? SK_INDEX_REBUILD :
			argc > 4 && strcmp(argv[4], "--committed") == 0 ? SK_INDEX_COMMITTED : 0);
	if (argc == 3 && strcmp(argv[1], "status") == 0)
		return cmd_status(argv[2]);
	if (argc == 4 && strcmp(argv[1], "plain") == 0)
		return cmd_plain(argv[2], argv[3]);
	if (argc == 7 && strcmp(argv[1], "query") == 0)
		return cmd_query(argv[2], argv[3], argv[4], argv[5], atoi(argv[6]));
	fprintf(stderr, "usage: see the comment at the top of tests/bench/search_bench.c\n");
	return 2;
}

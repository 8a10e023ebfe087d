/* Search relevance: runs every query of queries.tsv against its knowledge
 * base and prints MRR and recall@5 per corpus as "figure:" lines.
 *
 *   relevance_runner QUERIES.tsv SOURCE_DIR [--verbose]
 *
 * queries.tsv: KB <tab> QUERY <tab> IDS <tab> NOTE, where KB is "content"
 * (the bundled content/), or "danish" (tests/relevance/danish/), and IDS
 * the records that must come first (comma-separated: any of them counts
 * as the first relevant). Every content query runs again on a larger
 * corpus: content/ plus generated records (tools/bench/gen_corpus.py),
 * where the same records must still come first. Exits 1 when MRR on any
 * corpus falls under SK_RELEVANCE_MIN_MRR. */
#include "samskap/index.h"
#include "samskap/record.h"
#include "samskap/util.h"
#include "sktest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_MRR 0.80
#define DEPTH 10

typedef struct query {
	char *kb, *text, *ids, *note;
} query;

typedef struct corpus {
	const char *name;   /* as figures call it */
	const char *kb;     /* queries.tsv's KB column it answers */
	char *root;
} corpus;

static int verbose;

static size_t read_queries(query **out, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	if (sk_file_read(&data, &len, path, 1 << 20) != 0) {
		fprintf(stderr, "relevance: %s\n", sk_error_last());
		exit(1);
	}
	query *qs = NULL;
	size_t n = 0;
	char *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (*line == '#' || *line == '\0')
			continue;
		char *f[4] = { NULL, NULL, NULL, NULL };
		int k = 0;
		for (char *p = line; k < 4; k++) {
			f[k] = p;
			char *tab = strchr(p, '\t');
			if (!tab)
				break;
			*tab = '\0';
			p = tab + 1;
		}
		if (!f[2]) {
			fprintf(stderr, "relevance: %s: bad line '%s'\n", path, line);
			exit(1);
		}
		qs = sk_realloc(qs, sk_mul_size(n + 1, sizeof *qs));
		qs[n].kb = sk_strdup(f[0]);
		qs[n].text = sk_strdup(f[1]);
		qs[n].ids = sk_strdup(f[2]);
		qs[n].note = sk_strdup(f[3] ? f[3] : "");
		n++;
	}
	free(data);
	*out = qs;
	return n;
}

/* 1 when id is one of the comma-separated ids. */
static int relevant(const char *ids, const char *id)
{
	size_t n = strlen(id);
	for (const char *p = ids; *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && strncmp(p, id, n) == 0)
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

static size_t count_ids(const char *ids)
{
	size_t n = 1;
	for (const char *p = ids; *p; p++)
		n += *p == ',';
	return n;
}

/* Runs the queries meant for corpus c; returns 0 when MRR is good enough. */
static int run_corpus(const corpus *c, const query *qs, size_t n, const char *tmp)
{
	sk_kb *kb = NULL;
	sk_index *ix = NULL;
	char *db = sk_printf("%s/%s.sqlite", tmp, c->name);
	int rc = 0;
	if ((rc = sk_kb_open(&kb, c->root)) != 0 || (rc = sk_index_open(&ix, kb, db)) != 0 ||
		(rc = sk_index_update(ix, SK_INDEX_REBUILD, NULL, NULL, NULL)) != 0) {
		fprintf(stderr, "relevance: %s: %s\n", c->name, sk_error_last());
		exit(1);
	}
	double rr_sum = 0, recall_sum = 0;
	size_t asked = 0, firsts = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(qs[i].kb, c->kb) != 0)
			continue;
		sk_search_result *res = NULL;
		sk_search_opts o = { DEPTH, 0, 0, NULL, NULL };
		asked++;
		if (sk_index_search(&res, ix, qs[i].text, &o) != 0) {
			printf("  FAIL %-32s error: %s\n", qs[i].text, sk_error_last());
			continue;
		}
		size_t rank = 0, in5 = 0;
		for (size_t h = 0; h < res->n_hits; h++) {
			if (!relevant(qs[i].ids, res->hits[h].id))
				continue;
			if (!rank)
				rank = h + 1;
			if (h < 5)
				in5++;
		}
		size_t want = count_ids(qs[i].ids);
		double recall = (double)in5 / (double)(want < 5 ? want : 5);
		rr_sum += rank ? 1.0 / (double)rank : 0;
		recall_sum += recall;
		firsts += rank == 1;
		if (rank != 1 || verbose)
			printf("  %s %-32s rank %zu (first: %s) %s\n", rank == 1 ? "ok  " : "MISS", qs[i].text,
				rank, res->n_hits ? res->hits[0].id : "-", qs[i].note);
		sk_search_result_free(res);
	}
	double mrr = asked ? rr_sum / (double)asked : 0, r5 = asked ? recall_sum / (double)asked : 0;
	printf("figure: relevance %s (%zu queries): MRR %.3f, recall@5 %.3f, first %zu/%zu\n", c->name,
		asked, mrr, r5, firsts, asked);
	sk_index_free(ix);
	sk_kb_free(kb);
	free(db);
	return mrr >= MIN_MRR ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: relevance_runner QUERIES.tsv SOURCE_DIR [--verbose] [--generated N]\n");
		return 2;
	}
	int generated = 2000;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--verbose") == 0)
			verbose = 1;
		else if (strcmp(argv[i], "--generated") == 0 && i + 1 < argc)
			generated = atoi(argv[++i]);
	}
	query *qs = NULL;
	size_t n = read_queries(&qs, argv[1]);
	const char *src = argv[2];
	char *tmp = sk_test_tmpdir();
	char *big = sk_printf("%s/big", tmp);
	/* content/ and generated records drawn from its own words around it. */
	sk_run_result r = sk_test_run(NULL, NULL,
		"python3 '%s/tools/bench/gen_corpus.py' --out '%s' --records %d --content '%s/content' --seed 7",
		src, big, generated, src);
	if (r.status != 0) {
		fprintf(stderr, "relevance: the generator failed:\n%s%s", r.out, r.err);
		return 1;
	}
	sk_run_result_free(&r);
	char *big_name = sk_printf("content+%d-generated", generated);
	corpus corpora[] = {
		{ "content", "content", sk_printf("%s/content", src) },
		{ "danish", "danish", sk_printf("%s/tests/relevance/danish", src) },
		{ big_name, "content", sk_strdup(big) },
	};
	int status = 0;
	for (size_t i = 0; i < sizeof corpora / sizeof corpora[0]; i++) {
		printf("%s:\n", corpora[i].name);
		status |= run_corpus(&corpora[i], qs, n, tmp);
		free(corpora[i].root);
	}
	for (size_t i = 0; i < n; i++) {
		free(qs[i].kb);
		free(qs[i].text);
		free(qs[i].ids);
		free(qs[i].note);
	}
	free(qs);
	free(big_name);
	free(big);
	sk_test_rmtree(tmp);
	free(tmp);
	if (status)
		printf("relevance: MRR under %.2f on a corpus (see the MISS lines)\n", MIN_MRR);
	return status;
}

/* Search: the index kept up to date with the KB (new commits, the CLI's,
 * a sync's or our own, are picked up at most a second later), the search
 * API with filters, facets and paging, and the search page. */
#include "server_int.h"

#include "samskap/index.h"
#include "samskap/store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Highlight markers inside snippets: private-use code points U+E000 and
 * U+E001, which the index keeps (it squeezes control characters) and
 * which escaping leaves alone; swapped for <mark> after the text around
 * them is escaped, dropped from the plain snippet. */
#define HL_OPEN "\xee\x80\x80"
#define HL_CLOSE "\xee\x80\x81"
#define HL_LEN 3

#define PER_PAGE 20
#define PER_PAGE_MAX 100

/* Filters the search takes as their own parameters, and their headings. */
static const char *const filters[][2] = {
	{ "type", "Type" }, { "kommune", "Kommune" }, { "challenge", "Utfordring" },
	{ "status", "Status" }, { "tag", "Stikkord" },
};
#define N_FILTERS (sizeof filters / sizeof *filters)

void sk_server__index_stale(sk_server *srv)
{
	pthread_mutex_lock(&srv->lock);
	srv->head_checked = 0;
	pthread_mutex_unlock(&srv->lock);
}

/* HEAD of the KB's repository into head (zero when there is no commit or
 * no repository: then the work tree is all there is). */
static void current_head(sk_server *srv, sk_oid *head, int *in_git)
{
	sk_store *st = NULL;
	memset(head, 0, sizeof *head);
	*in_git = sk_store_open(&st, srv->kb_root) == 0;
	if (*in_git && sk_store_head(head, st) < 0)
		memset(head, 0, sizeof *head);
	sk_store_free(st);
	sk_error_clear();
}

int sk_server__index_refresh(sk_server *srv, sk_index *ix, int force)
{
	/* Looking at HEAD costs a repository open; walking the work tree for
	 * uncommitted edits costs a stat of every file. So: HEAD at most once
	 * a second (at once after a write), and an update only when it moved.
	 * A KB outside git has no HEAD: its folder is scanned every 10 s. */
	time_t now = time(NULL);
	int due;
	pthread_mutex_lock(&srv->lock);
	due = force || srv->head_checked == 0 || now - srv->head_checked >= 1;
	if (due)
		srv->head_checked = now;
	pthread_mutex_unlock(&srv->lock);
	if (!due)
		return 0;
	sk_oid head;
	int in_git;
	current_head(srv, &head, &in_git);
	int rc = 0;
	pthread_mutex_lock(&srv->update_lock);
	int moved = strcmp(head.hex, srv->indexed_head) != 0;
	if (!in_git)
		moved = now - srv->scanned >= 10;
	if (force || moved) {
		rc = sk_index_update(ix, 0, NULL, NULL, NULL);
		if (rc == 0) {
			memcpy(srv->indexed_head, head.hex, sizeof srv->indexed_head);
			srv->scanned = now;
		}
	}
	pthread_mutex_unlock(&srv->update_lock);
	if (rc < 0)
		sk_server__index_stale(srv);  /* try again on the next request */
	return rc;
}

/* A worker thread's own KB and index handles, kept from one request to
 * the next: opening an index (tokenizer, schema checks) costs more than
 * most searches. Never shared between threads (STYLE.md 12); freed when
 * the thread ends. */
typedef struct thread_handles {
	sk_kb *kb;
	sk_index *ix;
} thread_handles;

void sk_server__thread_handles_free(void *p)
{
	thread_handles *h = p;
	if (!h)
		return;
	sk_index_free(h->ix);
	sk_kb_free(h->kb);
	free(h);
}

/* The worker thread's handles, opened on its first use. */
static int thread_index(sk_req *r, sk_index **out)
{
	sk_server *srv = r->srv;
	thread_handles *h = pthread_getspecific(srv->thread_key);
	*out = NULL;
	if (!h) {
		h = sk_calloc(1, sizeof *h);
		if (sk_kb_open(&h->kb, srv->kb_root) < 0 || sk_index_open(&h->ix, h->kb, NULL) < 0) {
			int rc = sk_server__fail(r, 500, "cannot open the search index: %s", sk_error_last());
			sk_server__thread_handles_free(h);
			return rc;
		}
		pthread_setspecific(srv->thread_key, h);
	}
	*out = h->ix;
	return 0;
}

int sk_server__index(sk_req *r, sk_index **out)
{
	int rc = thread_index(r, out);
	if (rc == 0 && (rc = sk_server__index_refresh(r->srv, *out, 0)) < 0) {
		*out = NULL;
		return sk_server__fail(r, 500, "cannot update the search index: %s", sk_error_last());
	}
	return rc;
}

void sk_server__index_written(sk_req *r, const sk_oid *commit)
{
	/* The writer, already slow (a commit), brings the index up to date
	 * itself: its write is searchable at once, and readers never wait for
	 * an update their own request did not cause. */
	sk_server *srv = r->srv;
	sk_index *ix = NULL;
	int fail = r->fail_status;
	if (thread_index(r, &ix) == 0) {
		pthread_mutex_lock(&srv->update_lock);
		if (sk_index_update(ix, 0, NULL, NULL, NULL) == 0)
			memcpy(srv->indexed_head, commit->hex, sizeof srv->indexed_head);
		pthread_mutex_unlock(&srv->update_lock);
	}
	r->fail_status = fail;
	sk_error_clear();
}

/* Appends the query text the parameters make: q, then each filter as
 * NAME:"VALUE". 400 for a value that cannot be a filter. */
static int build_query(sk_req *r, sk_buf *q)
{
	const char *text = sk_server__query(r, "q");
	if (text)
		sk_buf_puts(q, text);
	for (size_t i = 0; i < N_FILTERS; i++) {
		const char *v = sk_server__query(r, filters[i][0]);
		if (!v || !*v)
			continue;
		for (const char *c = v; *c; c++)
			if (*c == '"' || (unsigned char)*c < 0x20)
				return sk_server__fail(r, 400, "filter %s: quotes and control characters "
					"are not allowed", filters[i][0]);
		sk_buf_printf(q, " %s:\"%s\"", filters[i][0], v);
	}
	return 0;
}

/* A positive number parameter, def when absent; 400 when not a number. */
static int num_param(sk_req *r, size_t *out, const char *name, size_t def, size_t max)
{
	const char *s = sk_server__query(r, name);
	*out = def;
	if (!s || !*s)
		return 0;
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 1 || (size_t)v > max)
		return sk_server__fail(r, 400, "%s must be a number from 1 to %zu", name, max);
	*out = (size_t)v;
	return 0;
}

/* Runs the request's search; *res NULL when there is nothing to search. */
static int run_search(sk_req *r, sk_search_result **res, size_t *page, size_t *per_page,
	char **query)
{
	sk_index *ix = NULL;
	sk_buf q = SK_BUF_INIT;
	*res = NULL;
	*query = NULL;
	int rc = sk_server__check_query(r);
	if (rc == 0)
		rc = num_param(r, page, "page", 1, 10000);
	if (rc == 0)
		rc = num_param(r, per_page, "per_page", PER_PAGE, PER_PAGE_MAX);
	if (rc == 0)
		rc = build_query(r, &q);
	if (rc < 0)
		goto done;
	/* Blank: nothing to search for. */
	int blank = 1;
	for (size_t i = 0; i < q.len; i++)
		blank &= q.data[i] == ' ' || q.data[i] == '\t';
	if (blank)
		goto done;
	if ((rc = sk_server__index(r, &ix)) < 0)
		goto done;
	sk_search_opts o = { *per_page, (*page - 1) * *per_page, 1, HL_OPEN, HL_CLOSE };
	rc = sk_index_search(res, ix, q.data, &o);
	if (rc == SK_EINVALID)
		rc = sk_server__fail(r, 400, "%s", sk_error_last());
	else if (rc < 0)
		rc = sk_server__fail(r, 500, "the search failed: %s", sk_error_last());
done:
	*query = sk_buf_detach(&q);
	return rc;
}

/* The snippet as HTML: text escaped, markers made <mark>. */
static void snippet_html(sk_buf *b, const char *s)
{
	sk_buf tmp = SK_BUF_INIT;
	sk_server__esc(&tmp, s);
	for (size_t i = 0; i < tmp.len; i++) {
		if (strncmp(tmp.data + i, HL_OPEN, HL_LEN) == 0) {
			sk_buf_puts(b, "<mark>");
			i += HL_LEN - 1;
		} else if (strncmp(tmp.data + i, HL_CLOSE, HL_LEN) == 0) {
			sk_buf_puts(b, "</mark>");
			i += HL_LEN - 1;
		} else {
			sk_buf_putc(b, tmp.data[i]);
		}
	}
	sk_buf_free(&tmp);
}

/* The snippet as plain text, markers dropped. */
static json_t *snippet_plain(const char *s)
{
	sk_buf b = SK_BUF_INIT;
	for (; s && *s; s++) {
		if (strncmp(s, HL_OPEN, HL_LEN) == 0 || strncmp(s, HL_CLOSE, HL_LEN) == 0)
			s += HL_LEN - 1;
		else
			sk_buf_putc(&b, *s);
	}
	char *t = sk_buf_detach(&b);
	json_t *v = json_string(t);
	free(t);
	return v;
}

int sk_server__h_api_search(sk_req *r)
{
	sk_search_result *res = NULL;
	size_t page = 1, per_page = PER_PAGE;
	char *query = NULL;
	int rc = run_search(r, &res, &page, &per_page, &query);
	if (rc == 0 && !res)
		rc = sk_server__fail(r, 400, "give a query: q=WORDS and/or a filter "
			"(type, kommune, challenge, status, tag)");
	if (rc < 0)
		goto done;
	json_t *hits = json_array();
	for (size_t i = 0; i < res->n_hits; i++) {
		const sk_search_hit *h = &res->hits[i];
		sk_buf html = SK_BUF_INIT;
		snippet_html(&html, h->snippet ? h->snippet : "");
		json_array_append_new(hits, json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:f,s:b}",
			"id", h->id, "type", h->type, "title", h->title ? h->title : h->id,
			"path", h->path, "snippet", snippet_plain(h->snippet),
			"snippet_html", html.data ? html.data : "", "score", h->score, "valid", h->valid));
		sk_buf_free(&html);
	}
	json_t *facets = json_object();
	for (size_t i = 0; i < res->n_facets; i++) {
		json_t *vals = json_array();
		for (size_t k = 0; k < res->facets[i].n_values; k++)
			json_array_append_new(vals, json_pack("{s:s,s:I}", "value",
				res->facets[i].values[k].value, "count",
				(json_int_t)res->facets[i].values[k].count));
		json_object_set_new(facets, res->facets[i].name, vals);
	}
	sk_server__json(r, 200, json_pack("{s:s,s:I,s:I,s:I,s:o,s:o}", "query", query,
		"total", (json_int_t)res->total, "page", (json_int_t)page,
		"per_page", (json_int_t)per_page, "hits", hits, "facets", facets));
done:
	sk_search_result_free(res);
	free(query);
	return rc;
}

/* A link to the search page with the current parameters, one of them
 * (name) set to value (NULL: removed), and page reset. */
static void search_link(sk_req *r, sk_buf *b, const char *name, const char *value)
{
	sk_buf_puts(b, "/search?");
	const char *q = sk_server__query(r, "q");
	int first = 1;
	if (q && *q) {
		sk_buf_puts(b, "q=");
		sk_server__urlenc(b, q);
		first = 0;
	}
	for (size_t i = 0; i < N_FILTERS; i++) {
		const char *v = strcmp(filters[i][0], name) == 0 ? value
			: sk_server__query(r, filters[i][0]);
		if (!v || !*v)
			continue;
		sk_buf_puts(b, first ? "" : "&amp;");
		sk_buf_puts(b, filters[i][0]);
		sk_buf_putc(b, '=');
		sk_server__urlenc(b, v);
		first = 0;
	}
}

static const char *facet_value_nb(const char *facet, const char *v)
{
	if (strcmp(facet, "type") == 0) {
		sk_record_type t;
		if (sk_record_type_parse(&t, v) == 0)
			return sk_server__type_nb(t);
	}
	if (strcmp(facet, "status") == 0)
		return sk_server__value_nb(v);
	return v;
}

static void facets_html(sk_req *r, sk_buf *b, const sk_search_result *res)
{
	sk_buf_puts(b, "<aside class=\"facets\" aria-label=\"Avgrens\">\n");
	for (size_t i = 0; i < N_FILTERS; i++) {
		const char *name = filters[i][0];
		const char *active = sk_server__query(r, name);
		const sk_facet *f = NULL;
		for (size_t k = 0; res && k < res->n_facets; k++)
			if (strcmp(res->facets[k].name, name) == 0)
				f = &res->facets[k];
		if (!(active && *active) && (!f || f->n_values == 0))
			continue;
		sk_buf_puts(b, "<h3>");
		sk_server__esc(b, filters[i][1]);
		sk_buf_puts(b, "</h3>\n<ul>\n");
		if (active && *active) {
			sk_buf_puts(b, "<li><strong>");
			sk_server__esc(b, facet_value_nb(name, active));
			sk_buf_puts(b, "</strong> <a href=\"");
			search_link(r, b, name, NULL);
			sk_buf_puts(b, "\" aria-label=\"Fjern filteret\">(fjern)</a></li>\n");
		} else {
			for (size_t k = 0; k < f->n_values && k < 12; k++) {
				sk_buf_puts(b, "<li><a href=\"");
				search_link(r, b, name, f->values[k].value);
				sk_buf_puts(b, "\">");
				sk_server__esc(b, facet_value_nb(name, f->values[k].value));
				sk_buf_printf(b, "</a> <span class=\"count\">%zu</span></li>\n",
					f->values[k].count);
			}
		}
		sk_buf_puts(b, "</ul>\n");
	}
	sk_buf_puts(b, "</aside>\n");
}

int sk_server__h_search_page(sk_req *r)
{
	sk_search_result *res = NULL;
	size_t page = 1, per_page = PER_PAGE;
	char *query = NULL;
	int rc = run_search(r, &res, &page, &per_page, &query);
	int status = 200;
	char *error = NULL;
	if (rc < 0 && r->fail_status == 400) {
		/* A query that cannot be understood: say why on the page. */
		error = sk_strdup(sk_error_last());
		status = 400;
		r->fail_status = 0;
		rc = 0;
	}
	if (rc < 0)
		goto done;
	sk_buf *b = &r->out;
	const char *q = sk_server__query(r, "q");
	sk_server__page_begin(r, q && *q ? q : "Søk");
	sk_buf_puts(b, "<h1>Søk</h1>\n<form class=\"search\" method=\"get\" action=\"/search\" role=\"search\">\n"
		"<input type=\"search\" name=\"q\" aria-label=\"Søk\" value=\"");
	sk_server__esc(b, q);
	sk_buf_puts(b, "\">\n");
	for (size_t i = 0; i < N_FILTERS; i++) {
		const char *v = sk_server__query(r, filters[i][0]);
		if (!v || !*v)
			continue;
		sk_buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", filters[i][0]);
		sk_server__esc(b, v);
		sk_buf_puts(b, "\">\n");
	}
	sk_buf_puts(b, "<button type=\"submit\">Søk</button>\n</form>\n");
	if (error) {
		sk_buf_puts(b, "<p class=\"error\">Søket kunne ikke tolkes: ");
		sk_server__esc(b, error);
		sk_buf_puts(b, "</p>\n");
	}
	if (!res) {
		if (!error)
			sk_buf_puts(b, "<p>Skriv ord, \"en frase\", ord* for begynnelsen av et ord, "
				"-ord for å utelate, eller filtre som <code>type:case</code>, "
				"<code>kommune:asker</code>, <code>status:running</code>, "
				"<code>tag:velferdslab</code>, <code>since:2025-01-01</code>.</p>\n");
		sk_server__page_end(r, status);
		goto done;
	}
	sk_buf_puts(b, "<div class=\"layout\">\n");
	facets_html(r, b, res);
	sk_buf_printf(b, "<section aria-label=\"Treff\">\n<p class=\"count\">%zu treff</p>\n", res->total);
	sk_buf_puts(b, "<ol class=\"hits\">\n");
	for (size_t i = 0; i < res->n_hits; i++) {
		const sk_search_hit *h = &res->hits[i];
		sk_record_type t;
		sk_buf_puts(b, "<li><span class=\"hit-title\">");
		sk_server__record_link(b, h->id, h->title ? h->title : h->id);
		sk_buf_puts(b, "</span> <span class=\"type\">");
		sk_server__esc(b, sk_record_type_parse(&t, h->type) == 0 ? sk_server__type_nb(t) : h->type);
		sk_buf_puts(b, "</span>\n");
		if (h->snippet && *h->snippet) {
			sk_buf_puts(b, "<p class=\"snippet\">");
			snippet_html(b, h->snippet);
			sk_buf_puts(b, "</p>\n");
		}
		sk_buf_puts(b, "</li>\n");
	}
	sk_buf_puts(b, "</ol>\n");
	if (res->total > per_page) {
		size_t pages = (res->total + per_page - 1) / per_page;
		sk_buf_puts(b, "<nav class=\"pager\" aria-label=\"Sider\">\n");
		for (int dir = -1; dir <= 1; dir += 2) {
			size_t to = dir < 0 ? page - 1 : page + 1;
			if (to < 1 || to > pages)
				continue;
			sk_buf_puts(b, "<a href=\"");
			search_link(r, b, "", NULL);
			sk_buf_printf(b, "&amp;page=%zu\">%s</a>\n", to, dir < 0 ? "← Forrige" : "Neste →");
		}
		sk_buf_printf(b, "<span class=\"count\">Side %zu av %zu</span>\n</nav>\n", page, pages);
	}
	sk_buf_puts(b, "</section>\n</div>\n");
	sk_server__page_end(r, status);
done:
	free(error);
	sk_search_result_free(res);
	free(query);
	return rc;
}

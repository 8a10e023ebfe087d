/* The status overview: the report module computes it (the same figures as
 * `samskap status`); the API sends its JSON, the dashboard its HTML page
 * with this site's navigation and a filter form added. */
#include "server_int.h"

#include "samskap/report.h"

#include <stdlib.h>
#include <string.h>

/* Computes the overview for ?since=&kommune=&challenge=&today=. */
static int status_of(sk_req *r, json_t **out)
{
	sk_kb *kb = NULL;
	sk_index *ix = NULL;
	sk_status_opts o;
	memset(&o, 0, sizeof o);
	*out = NULL;
	int rc = sk_server__check_query(r);
	if (rc == 0)
		rc = sk_server__kb(r, &kb);
	if (rc == 0)
		rc = sk_server__index(r, &ix);
	if (rc < 0)
		return rc;
	const char *names[] = { "since", "kommune", "challenge", "today" };
	const char **fields[] = { &o.since, &o.kommune, &o.challenge, &o.today };
	for (size_t i = 0; i < 4; i++) {
		const char *v = sk_server__query(r, names[i]);
		*fields[i] = v && *v ? v : NULL;
	}
	rc = sk_report_status(out, ix, kb, &o);
	/* Every failure here is about the parameters: a bad date, an unknown
	 * kommune or challenge. */
	if (rc == SK_EINVALID || rc == SK_ENOTFOUND)
		rc = sk_server__fail(r, 400, "%s", sk_error_last());
	else if (rc < 0)
		rc = sk_server__fail(r, 500, "the status overview failed: %s", sk_error_last());
	return rc;
}

int sk_server__h_api_status(sk_req *r)
{
	json_t *st = NULL;
	int rc = status_of(r, &st);
	if (rc < 0)
		return rc;
	sk_server__json(r, 200, st);
	return 0;
}

/* A select of the records of one type for the filter form. */
static void select_of(sk_req *r, sk_buf *b, const char *name, const char *label,
	sk_record_type type)
{
	sk_record **recs = NULL;
	size_t n = 0;
	const char *cur = sk_server__query(r, name);
	if (sk_server__records(r, &recs, &n, type) < 0) {
		r->fail_status = 0;
		sk_error_clear();
		return;
	}
	sk_buf_printf(b, "<label>%s <select name=\"%s\"><option value=\"\">alle</option>", label, name);
	for (size_t i = 0; i < n; i++) {
		sk_buf_printf(b, "<option value=\"%s\"%s>", recs[i]->id,
			cur && strcmp(cur, recs[i]->id) == 0 ? " selected" : "");
		sk_server__esc(b, recs[i]->title);
		sk_buf_puts(b, "</option>");
	}
	sk_buf_puts(b, "</select></label>\n");
	sk_records_free(recs, n);
}

int sk_server__h_status_page(sk_req *r)
{
	json_t *st = NULL;
	char *html = NULL;
	int rc = status_of(r, &st);
	if (rc == 0)
		rc = sk_report_status_html(&html, st);
	json_decref(st);
	if (rc < 0) {
		free(html);
		return rc;
	}
	/* The report's page is self-contained (its own inline style sheet);
	 * put the site's way home and the filters at the top of its <main>. */
	sk_buf *b = &r->out;
	const char *main = strstr(html, "<main>");
	size_t head = main ? (size_t)(main - html) + strlen("<main>") : 0;
	sk_buf_put(b, html, head);
	sk_buf_puts(b, "\n<nav class=\"site noprint\" style=\"display:flex;flex-wrap:wrap;gap:1rem\">"
		"<a href=\"/\">samskap</a> <a href=\"/search\">Søk</a> "
		"<a href=\"/records?type=experiment\">Eksperimenter</a> <a href=\"/models\">Modeller</a> "
		"<a href=\"/api/status\">JSON</a></nav>\n"
		"<form method=\"get\" action=\"/status\" class=\"noprint\" style=\"margin:1rem 0\">\n");
	select_of(r, b, "kommune", "Kommune", SK_TYPE_KOMMUNE);
	select_of(r, b, "challenge", "Utfordring", SK_TYPE_CHALLENGE);
	sk_buf_puts(b, "<label>Fra <input type=\"date\" name=\"since\" value=\"");
	sk_server__esc(b, sk_server__query(r, "since"));
	sk_buf_puts(b, "\"></label>\n<button type=\"submit\">Vis</button>\n</form>\n");
	sk_buf_puts(b, html + head);
	free(html);
	r->status = 200;
	r->ctype = "text/html; charset=utf-8";
	return 0;
}

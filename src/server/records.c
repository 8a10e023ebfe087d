/* Records: the API's records (one, list by type, links and backlinks) and
 * the HTML record pages (front matter table, Markdown body, links,
 * backlinks, an experiment's log as a timeline). */
#include "server_int.h"

#include "samskap/record.h"

#include <cmark.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

int sk_server__kb(sk_req *r, sk_kb **out)
{
	if (!r->kb) {
		int rc = sk_kb_open(&r->kb, r->srv->kb_root);
		if (rc < 0)
			return sk_server__fail(r, 500, "cannot open the knowledge base: %s", sk_error_last());
	}
	*out = r->kb;
	return 0;
}

/* Checks the id a URL names: a slug, nothing else (no '/', no "..").
 * The message does not echo the input into a page: it is escaped anyway,
 * but there is no reason to repeat it. */
int sk_server__check_id(sk_req *r, const char *id)
{
	if (!sk_id_valid(id))
		return sk_server__fail(r, 404,
			"not a record id: ids are lower-case slugs such as 'asker-velferdslab'");
	return 0;
}

/* Loads the record with this id: 404 when there is none, 500 when its
 * file does not parse (the KB is broken, not the request). */
int sk_server__record(sk_req *r, sk_record **out, const char *id)
{
	sk_kb *kb = NULL;
	sk_diags d = SK_DIAGS_INIT;
	*out = NULL;
	int rc = sk_server__check_id(r, id);
	if (rc == 0)
		rc = sk_server__kb(r, &kb);
	if (rc < 0)
		return rc;
	rc = sk_kb_find_record(out, kb, id, &d);
	if (rc == SK_ENOTFOUND) {
		rc = sk_error_set(SK_ENOTFOUND, "no record with id '%s'", id);
	} else if (rc < 0) {
		char *msg = d.len ? sk_diag_format(&d.items[0]) : sk_strdup(sk_error_last());
		rc = sk_server__fail(r, 500, "record '%s' does not load: %s", id, msg);
		free(msg);
	}
	sk_diags_free(&d);
	return rc;
}

/* Every record of the KB (or of one type); files that fail are skipped. */
int sk_server__records(sk_req *r, sk_record ***recs, size_t *n, sk_record_type type)
{
	sk_kb *kb = NULL;
	int rc = sk_server__kb(r, &kb);
	if (rc == 0)
		rc = sk_kb_load_records(recs, n, kb, type, NULL);
	if (rc < 0)
		return sk_server__fail(r, 500, "cannot read the records: %s", sk_error_last());
	return 0;
}

/* The type named by ?type= (SK_TYPE_COUNT when absent); 400 when unknown. */
static int type_param(sk_req *r, sk_record_type *type)
{
	const char *t = sk_server__query(r, "type");
	*type = SK_TYPE_COUNT;
	if (!t || !*t)
		return 0;
	if (sk_record_type_parse(type, t) < 0)
		return sk_server__fail(r, 400, "%s", sk_error_last());
	return 0;
}

static json_t *summary_json(const sk_record *rec)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "id", rec->id,
		"type", sk_record_type_name(rec->type), "title", rec->title, "path", rec->path);
	if (rec->experiment)
		json_object_set_new(o, "experiment", json_string(rec->experiment));
	json_t *status = json_object_get(rec->front, "status");
	if (json_is_string(status))
		json_object_set(o, "status", status);
	if (json_is_true(json_object_get(rec->front, "example")))
		json_object_set_new(o, "example", json_true());
	return o;
}

/* ---- API ---------------------------------------------------------------- */

int sk_server__h_api_records(sk_req *r)
{
	sk_record_type type;
	sk_record **recs = NULL;
	size_t n = 0;
	int rc = sk_server__check_query(r);
	if (rc == 0)
		rc = type_param(r, &type);
	if (rc == 0)
		rc = sk_server__records(r, &recs, &n, type);
	if (rc < 0)
		return rc;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, summary_json(recs[i]));
	sk_records_free(recs, n);
	sk_server__json(r, 200, json_pack("{s:I,s:o}", "total", (json_int_t)n, "records", arr));
	return 0;
}

int sk_server__h_api_record(sk_req *r)
{
	sk_record *rec = NULL;
	json_t *v = NULL;
	int rc = sk_server__record(r, &rec, r->params[0]);
	if (rc == 0)
		rc = sk_record_to_json(&v, rec);
	sk_record_free(rec);
	if (rc < 0)
		return rc;
	sk_server__json(r, 200, v);
	return 0;
}

static json_t *link_json(const sk_index_link *l, int out)
{
	json_t *o = json_pack("{s:s,s:o}", out ? "target" : "id", l->id,
		"field", l->field ? json_string(l->field) : json_null());
	if (out)
		json_object_set_new(o, "exists", json_boolean(l->type != NULL));
	if (l->type)
		json_object_set_new(o, "type", json_string(l->type));
	if (l->title)
		json_object_set_new(o, "title", json_string(l->title));
	return o;
}

/* A record's links from the index: 404 when neither the index nor the
 * files know the id. */
static int index_links(sk_req *r, sk_index_links **out, const char *id)
{
	sk_index *ix = NULL;
	*out = NULL;
	int rc = sk_server__check_id(r, id);
	if (rc == 0)
		rc = sk_server__index(r, &ix);
	if (rc == 0)
		rc = sk_index_links_get(out, ix, id);
	if (rc == SK_ENOTFOUND)
		rc = sk_error_set(SK_ENOTFOUND, "no record with id '%s'", id);
	else if (rc < 0 && !r->fail_status)
		rc = sk_server__fail(r, 500, "%s", sk_error_last());
	return rc;
}

int sk_server__h_api_links(sk_req *r)
{
	sk_index_links *l = NULL;
	int rc = index_links(r, &l, r->params[0]);
	if (rc < 0)
		return rc;
	json_t *out = json_array(), *in = json_array();
	for (size_t i = 0; i < l->n_out; i++)
		json_array_append_new(out, link_json(&l->out[i], 1));
	for (size_t i = 0; i < l->n_in; i++)
		json_array_append_new(in, link_json(&l->in[i], 0));
	sk_server__json(r, 200, json_pack("{s:s,s:o,s:o}", "id", l->id, "links", out,
		"backlinks", in));
	sk_index_links_free(l);
	return 0;
}

/* ---- HTML --------------------------------------------------------------- */

static const char *const type_nb[SK_TYPE_COUNT] = {
	"Partnerskap", "Kommune", "Utfordring", "Case", "Eksperiment", "Loggføring", "Modell"
};
static const char *const type_nb_plural[SK_TYPE_COUNT] = {
	"Partnerskap", "Kommuner", "Utfordringer", "Caser", "Eksperimenter", "Loggføringer", "Modeller"
};

const char *sk_server__type_nb(sk_record_type t)
{
	return t < SK_TYPE_COUNT ? type_nb[t] : "Post";
}

/* Field names and values as people read them. */
static const char *const labels[][2] = {
	{ "title", "Tittel" }, { "summary", "Sammendrag" }, { "tags", "Stikkord" },
	{ "sources", "Kilder" }, { "example", "Eksempel" }, { "kommuner", "Kommuner" },
	{ "challenges", "Utfordringer" }, { "challenge", "Utfordring" }, { "cases", "Caser" },
	{ "case", "Case" }, { "models", "Modeller" }, { "model", "Modell" },
	{ "experiment", "Eksperiment" }, { "experiments", "Eksperimenter" },
	{ "status", "Status" }, { "start", "Start" }, { "end", "Slutt" },
	{ "started", "Startet" }, { "ended", "Avsluttet" }, { "hypothesis", "Hypotese" },
	{ "metrics", "Måltall" }, { "owner", "Ansvarlig" }, { "scenario", "Scenario" },
	{ "date", "Dato" }, { "author", "Forfatter" }, { "kind", "Art" },
	{ "measurements", "Målinger" }, { "kommunenummer", "Kommunenummer" },
	{ "fylke", "Fylke" }, { "resource_group", "I ressursgruppen" }, { "region", "Region" },
	{ "population", "Innbyggere" }, { "contact", "Kontakt" }, { "period", "Periode" },
	{ "organisation", "Organisering" }, { "indicators", "Indikatorer" },
	{ "name", "Navn" }, { "unit", "Enhet" }, { "baseline", "Utgangsverdi" },
	{ "target", "Mål" }, { "description", "Beskrivelse" }, { "count", "Antall" },
	{ "year", "År" }, { "source", "Kilde" }, { "from", "Fra" }, { "to", "Til" },
};

static const char *const values_nb[][2] = {
	{ "planned", "planlagt" }, { "running", "pågår" }, { "completed", "fullført" },
	{ "stopped", "stoppet" }, { "active", "aktiv" }, { "parked", "parkert" },
	{ "idea", "idé" }, { "observation", "observasjon" }, { "measurement", "måling" },
	{ "decision", "beslutning" },
};

const char *sk_server__label(const char *field)
{
	for (size_t i = 0; i < sizeof labels / sizeof *labels; i++)
		if (strcmp(labels[i][0], field) == 0)
			return labels[i][1];
	return field;
}

const char *sk_server__value_nb(const char *v)
{
	for (size_t i = 0; i < sizeof values_nb / sizeof *values_nb; i++)
		if (strcmp(values_nb[i][0], v) == 0)
			return values_nb[i][1];
	return v;
}

static int is_link_field(const char *field)
{
	for (size_t i = 0; sk_record_link_fields[i]; i++)
		if (strcmp(sk_record_link_fields[i], field) == 0)
			return 1;
	return 0;
}

/* <a href="/records/ID">TEXT</a>, or the text alone for a non-slug. */
void sk_server__record_link(sk_buf *b, const char *id, const char *text)
{
	if (!sk_id_valid(id)) {
		sk_server__esc(b, text ? text : id);
		return;
	}
	sk_buf_puts(b, "<a href=\"/records/");
	sk_buf_puts(b, id);  /* a slug needs no escaping */
	sk_buf_puts(b, "\">");
	sk_server__esc(b, text ? text : id);
	sk_buf_puts(b, "</a>");
}

static void put_number(sk_buf *b, double v)
{
	char num[64];
	snprintf(num, sizeof num, "%.15g", v);
	for (char *c = num; *c; c++)
		if (*c == '.')
			*c = ',';
	sk_buf_puts(b, num);
}

/* One front-matter value as HTML. */
/* The title the index knows for a linked id, or NULL. */
static const char *title_of(const sk_index_links *l, const char *id)
{
	for (size_t i = 0; l && i < l->n_out; i++)
		if (l->out[i].title && strcmp(l->out[i].id, id) == 0)
			return l->out[i].title;
	return NULL;
}

static void put_value(sk_buf *b, const char *field, json_t *v, int depth,
	const sk_index_links *l);

/* An array of objects (metrics, indicators) as a table, one column per
 * key in the order keys first appear. */
static void object_table(sk_buf *b, json_t *arr, const sk_index_links *l)
{
	json_t *cols = json_array();
	size_t i;
	json_t *x;
	const char *k;
	json_t *v;
	json_array_foreach(arr, i, x) {
		json_object_foreach(x, k, v) {
			size_t c;
			json_t *have;
			int seen = 0;
			json_array_foreach(cols, c, have)
				seen |= strcmp(json_string_value(have), k) == 0;
			if (!seen)
				json_array_append_new(cols, json_string(k));
		}
	}
	sk_buf_puts(b, "<table class=\"inner\"><tr>");
	json_array_foreach(cols, i, x) {
		sk_buf_puts(b, "<th>");
		sk_server__esc(b, sk_server__label(json_string_value(x)));
		sk_buf_puts(b, "</th>");
	}
	sk_buf_puts(b, "</tr>\n");
	json_array_foreach(arr, i, x) {
		size_t c;
		json_t *col;
		sk_buf_puts(b, "<tr>");
		json_array_foreach(cols, c, col) {
			sk_buf_puts(b, "<td>");
			json_t *cell = json_object_get(x, json_string_value(col));
			if (cell)
				put_value(b, json_string_value(col), cell, 3, l);
			sk_buf_puts(b, "</td>");
		}
		sk_buf_puts(b, "</tr>\n");
	}
	sk_buf_puts(b, "</table>");
	json_decref(cols);
}

static void put_value(sk_buf *b, const char *field, json_t *v, int depth,
	const sk_index_links *l)
{
	size_t i;
	const char *k;
	json_t *x;
	switch (json_typeof(v)) {
	case JSON_STRING: {
		const char *s = json_string_value(v);
		if (field && is_link_field(field))
			sk_server__record_link(b, s, title_of(l, s));
		else if (field && strcmp(field, "tags") == 0) {
			sk_buf_puts(b, "<a href=\"/search?tag=");
			sk_server__urlenc(b, s);
			sk_buf_puts(b, "\">");
			sk_server__esc(b, s);
			sk_buf_puts(b, "</a>");
		}
		else if (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0) {
			sk_buf_puts(b, "<a rel=\"nofollow noopener\" href=\"");
			sk_server__esc(b, s);
			sk_buf_puts(b, "\">");
			sk_server__esc(b, s);
			sk_buf_puts(b, "</a>");
		} else
			sk_server__esc(b, field && (strcmp(field, "status") == 0 || strcmp(field, "kind") == 0)
				? sk_server__value_nb(s) : s);
		break;
	}
	case JSON_INTEGER:
		sk_buf_printf(b, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		put_number(b, json_real_value(v));
		break;
	case JSON_TRUE: sk_buf_puts(b, "ja"); break;
	case JSON_FALSE: sk_buf_puts(b, "nei"); break;
	case JSON_NULL: break;
	case JSON_ARRAY:
		if (json_array_size(v) && json_is_object(json_array_get(v, 0)) && depth < 3) {
			object_table(b, v, l);
			break;
		}
		json_array_foreach(v, i, x) {
			if (i)
				sk_buf_puts(b, ", ");
			put_value(b, field, x, depth + 1, l);
		}
		break;
	case JSON_OBJECT:
		if (depth >= 3) {
			sk_buf_puts(b, "…");
			break;
		}
		i = 0;
		json_object_foreach(v, k, x) {
			if (i++)
				sk_buf_puts(b, "; ");
			sk_buf_puts(b, "<em>");
			sk_server__esc(b, sk_server__label(k));
			sk_buf_puts(b, "</em>: ");
			put_value(b, NULL, x, depth + 1, l);
		}
		break;
	}
}

/* The front matter as a table (title and summary are shown elsewhere). */
static void front_table(sk_buf *b, json_t *front, const sk_index_links *l)
{
	const char *k;
	json_t *v;
	sk_buf_puts(b, "<div class=\"table-wrap\"><table class=\"front\">\n");
	json_object_foreach(front, k, v) {
		if (strcmp(k, "title") == 0 || strcmp(k, "summary") == 0 || strcmp(k, "example") == 0)
			continue;
		sk_buf_puts(b, "<tr><th scope=\"row\">");
		sk_server__esc(b, sk_server__label(k));
		sk_buf_puts(b, "</th><td>");
		put_value(b, k, v, 0, l);
		sk_buf_puts(b, "</td></tr>\n");
	}
	sk_buf_puts(b, "</table></div>\n");
}

/* Splits text nodes at [[id]] and puts a link to the record in between. */
static void link_wikilinks(cmark_node *root)
{
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	cmark_node **texts = NULL;
	size_t n = 0;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(node) == CMARK_NODE_TEXT &&
			strstr(cmark_node_get_literal(node), "[[")) {
			texts = sk_realloc(texts, sk_mul_size(n + 1, sizeof *texts));
			texts[n++] = node;
		}
	}
	cmark_iter_free(it);
	for (size_t i = 0; i < n; i++) {
		cmark_node *node = texts[i];
		char *lit = sk_strdup(cmark_node_get_literal(node));
		const char *rest = lit;
		int changed = 0;
		for (const char *p = strstr(rest, "[["); p; p = strstr(p + 2, "[[")) {
			const char *e = strstr(p + 2, "]]");
			if (!e)
				break;
			char *id = sk_strndup(p + 2, (size_t)(e - p - 2));
			if (sk_id_valid(id)) {
				char *before = sk_strndup(rest, (size_t)(p - rest));
				cmark_node *t = cmark_node_new(CMARK_NODE_TEXT);
				cmark_node_set_literal(t, before);
				cmark_node_insert_before(node, t);
				cmark_node *a = cmark_node_new(CMARK_NODE_LINK);
				char *url = sk_printf("/records/%s", id);
				cmark_node_set_url(a, url);
				cmark_node *at = cmark_node_new(CMARK_NODE_TEXT);
				cmark_node_set_literal(at, id);
				cmark_node_append_child(a, at);
				cmark_node_insert_before(node, a);
				free(url);
				free(before);
				rest = e + 2;
				p = e;
				changed = 1;
			}
			free(id);
		}
		if (changed)
			cmark_node_set_literal(node, rest);
		free(lit);
	}
	free(texts);
}

/* The plain text of a node's inline children. */
static void node_text(sk_buf *b, cmark_node *n)
{
	for (cmark_node *c = cmark_node_first_child(n); c; c = cmark_node_next(c)) {
		const char *lit = cmark_node_get_literal(c);
		if (lit)
			sk_buf_puts(b, lit);
		else
			node_text(b, c);
	}
}

void sk_server__markdown_titled(sk_buf *b, const char *md, const char *title)
{
	/* CMARK_OPT_DEFAULT is cmark's safe mode: raw HTML is left out and
	 * javascript: links are dropped. Never CMARK_OPT_UNSAFE. */
	cmark_node *doc = cmark_parse_document(md, strlen(md), CMARK_OPT_DEFAULT);
	/* A body that opens with the title as its heading would repeat the
	 * page's <h1>. */
	cmark_node *first = cmark_node_first_child(doc);
	if (title && first && cmark_node_get_type(first) == CMARK_NODE_HEADING &&
		cmark_node_get_heading_level(first) == 1) {
		sk_buf t = SK_BUF_INIT;
		node_text(&t, first);
		if (t.data && strcmp(t.data, title) == 0) {
			cmark_node_unlink(first);
			cmark_node_free(first);
		}
		sk_buf_free(&t);
	}
	cmark_consolidate_text_nodes(doc);
	link_wikilinks(doc);
	char *html = cmark_render_html(doc, CMARK_OPT_DEFAULT);
	sk_buf_puts(b, html);
	free(html);
	cmark_node_free(doc);
}

void sk_server__markdown(sk_buf *b, const char *md)
{
	sk_server__markdown_titled(b, md, NULL);
}

/* Compares log entries by date, then id: the timeline's order. */
static int by_date(const void *a, const void *b)
{
	const sk_record *x = *(sk_record *const *)a, *y = *(sk_record *const *)b;
	const char *dx = json_string_value(json_object_get(x->front, "date"));
	const char *dy = json_string_value(json_object_get(y->front, "date"));
	int c = strcmp(dx ? dx : "", dy ? dy : "");
	return c ? c : strcmp(x->id, y->id);
}

/* The log of an experiment as a timeline, oldest first. */
static void timeline(sk_buf *b, sk_record **recs, size_t n, const char *exp)
{
	sk_record **logs = sk_calloc(n ? n : 1, sizeof *logs);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (recs[i]->type == SK_TYPE_LOG && recs[i]->experiment &&
			strcmp(recs[i]->experiment, exp) == 0)
			logs[k++] = recs[i];
	qsort(logs, k, sizeof *logs, by_date);
	sk_buf_printf(b, "<h2 id=\"logg\">Logg <span class=\"count\">(%zu)</span></h2>\n", k);
	if (k == 0)
		sk_buf_puts(b, "<p>Ingen loggføringer ennå.</p>\n");
	else
		sk_buf_puts(b, "<ol class=\"timeline\">\n");
	for (size_t i = 0; i < k; i++) {
		const sk_record *l = logs[i];
		const char *date = json_string_value(json_object_get(l->front, "date"));
		const char *kind = json_string_value(json_object_get(l->front, "kind"));
		const char *author = json_string_value(json_object_get(l->front, "author"));
		sk_buf_puts(b, "<li id=\"");
		sk_buf_puts(b, l->id);
		sk_buf_puts(b, "\"><div class=\"meta\"><time>");
		sk_server__esc(b, date);
		sk_buf_puts(b, "</time> · ");
		sk_server__esc(b, kind ? sk_server__value_nb(kind) : "");
		sk_buf_puts(b, " · ");
		sk_server__esc(b, author);
		sk_buf_puts(b, "</div>\n<h3>");
		sk_server__record_link(b, l->id, l->title);
		sk_buf_puts(b, "</h3>\n");
		json_t *m = json_object_get(l->front, "measurements");
		if (json_object_size(m)) {
			sk_buf_puts(b, "<p class=\"meta\">Målinger: ");
			put_value(b, NULL, m, 0, NULL);
			sk_buf_puts(b, "</p>\n");
		}
		sk_server__markdown(b, l->body);
		sk_buf_puts(b, "</li>\n");
	}
	if (k)
		sk_buf_puts(b, "</ol>\n");
	free(logs);
}

/* The form that adds a log entry (for a logged-in member). */
static void log_form(sk_req *r, const sk_record *exp)
{
	sk_buf *b = &r->out;
	char csrf[44];
	const char *who = sk_server__session_member(r, csrf);
	sk_buf_puts(b, "<h2 id=\"ny\">Ny loggføring</h2>\n");
	if (!who) {
		sk_buf_puts(b, "<p><a href=\"/login?next=/records/");
		sk_buf_puts(b, exp->id);
		sk_buf_puts(b, "%23ny\">Logg inn</a> for å skrive i loggen.</p>\n");
		return;
	}
	sk_buf_puts(b, "<form method=\"post\" action=\"/records/");
	sk_buf_puts(b, exp->id);
	sk_buf_puts(b, "/log\">\n<input type=\"hidden\" name=\"csrf\" value=\"");
	sk_server__esc(b, csrf);
	sk_buf_puts(b, "\">\n<label for=\"title\">Tittel</label>\n"
		"<input type=\"text\" id=\"title\" name=\"title\" required maxlength=\"200\">\n"
		"<label for=\"date\">Dato</label>\n<input type=\"date\" id=\"date\" name=\"date\">\n"
		"<label for=\"kind\">Art</label>\n<select id=\"kind\" name=\"kind\">\n"
		"<option value=\"observation\">observasjon</option>\n"
		"<option value=\"measurement\">måling</option>\n"
		"<option value=\"decision\">beslutning</option>\n</select>\n");
	json_t *metrics = json_object_get(exp->front, "metrics");
	size_t i;
	json_t *m;
	json_array_foreach(metrics, i, m) {
		const char *name = json_string_value(json_object_get(m, "name"));
		const char *unit = json_string_value(json_object_get(m, "unit"));
		if (!name || !sk_id_valid(name))
			continue;
		sk_buf_puts(b, "<label for=\"m-");
		sk_buf_puts(b, name);
		sk_buf_puts(b, "\">Måling: ");
		sk_server__esc(b, name);
		if (unit) {
			sk_buf_puts(b, " (");
			sk_server__esc(b, unit);
			sk_buf_puts(b, ")");
		}
		sk_buf_puts(b, "</label>\n<input type=\"number\" step=\"any\" id=\"m-");
		sk_buf_puts(b, name);
		sk_buf_puts(b, "\" name=\"m-");
		sk_buf_puts(b, name);
		sk_buf_puts(b, "\">\n");
	}
	sk_buf_puts(b, "<label for=\"body\">Tekst (Markdown)</label>\n"
		"<textarea id=\"body\" name=\"body\" required></textarea>\n<p>Skrives som ");
	sk_server__esc(b, who);
	sk_buf_puts(b, ".</p>\n<p><button type=\"submit\">Lagre i loggen</button></p>\n</form>\n");
}

static void link_item(sk_buf *b, const sk_index_link *l)
{
	sk_record_type t;
	sk_buf_puts(b, "<li>");
	if (l->type) {
		sk_server__record_link(b, l->id, l->title ? l->title : l->id);
		sk_buf_puts(b, " <span class=\"type\">");
		sk_server__esc(b, sk_record_type_parse(&t, l->type) == 0 ? type_nb[t] : l->type);
		sk_buf_puts(b, "</span>");
	} else {
		sk_server__esc(b, l->id);
		sk_buf_puts(b, " <span class=\"error\">(finnes ikke)</span>");
	}
	sk_buf_puts(b, "</li>\n");
}

/* Links out and in, as two lists (from the index; nothing when the
 * index does not have the record yet). */
static void links_section(sk_req *r, const sk_record *rec, const sk_index_links *l)
{
	if (!l)
		return;
	sk_buf *b = &r->out;
	size_t shown = 0;
	for (size_t i = 0; i < l->n_out; i++) {
		/* One line per target, in the order they first appear. */
		size_t k = 0;
		while (k < i && strcmp(l->out[k].id, l->out[i].id) != 0)
			k++;
		if (k < i || (rec->experiment && strcmp(l->out[i].id, rec->experiment) == 0))
			continue;
		if (shown++ == 0)
			sk_buf_puts(b, "<h2>Lenker</h2>\n<ul class=\"links\">\n");
		link_item(b, &l->out[i]);
	}
	if (shown)
		sk_buf_puts(b, "</ul>\n");
	shown = 0;
	for (size_t i = 0; i < l->n_in; i++) {
		size_t k = 0;
		while (k < i && strcmp(l->in[k].id, l->in[i].id) != 0)
			k++;
		/* An experiment's log entries are in its timeline. */
		if (k < i || (rec->type == SK_TYPE_EXPERIMENT && l->in[i].type &&
			strcmp(l->in[i].type, "log") == 0))
			continue;
		if (shown++ == 0)
			sk_buf_puts(b, "<h2>Tilbakelenker</h2>\n<ul class=\"backlinks\">\n");
		link_item(b, &l->in[i]);
	}
	if (shown)
		sk_buf_puts(b, "</ul>\n");
}

/* An experiment's log entries, read from its log folder. */
static int load_logs(sk_req *r, sk_record ***out, size_t *n, const char *exp)
{
	sk_kb *kb = NULL;
	*out = NULL;
	*n = 0;
	int rc = sk_server__kb(r, &kb);
	if (rc < 0)
		return rc;
	char *rel = sk_printf("experiments/%s/log", exp);
	char *dir = sk_path_join(kb->root, rel);
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 4 || strcmp(e->d_name + len - 3, ".md") != 0)
			continue;
		char *path = sk_printf("%s/%s", rel, e->d_name);
		sk_record *rec = NULL;
		/* A broken entry is left out here; `samskap check` names it. */
		if (sk_record_load(&rec, kb->root, path, kb->max_bytes, NULL) == 0) {
			if (*n == cap) {
				cap = cap ? 2 * cap : 16;
				*out = sk_realloc(*out, sk_mul_size(cap, sizeof **out));
			}
			(*out)[(*n)++] = rec;
		}
		free(path);
	}
	if (d)
		closedir(d);
	sk_error_clear();
	free(dir);
	free(rel);
	return 0;
}

int sk_server__h_record_page(sk_req *r)
{
	sk_record *rec = NULL;
	sk_record **recs = NULL;
	size_t n = 0;
	sk_index_links *l = NULL;
	int rc = sk_server__record(r, &rec, r->params[0]);
	if (rc == 0 && rec->type == SK_TYPE_EXPERIMENT)
		rc = load_logs(r, &recs, &n, rec->id);
	if (rc < 0)
		goto done;
	/* Links from the index; the page does without when it has none yet. */
	if (index_links(r, &l, rec->id) < 0) {
		r->fail_status = 0;
		sk_error_clear();
	}
	sk_buf *b = &r->out;
	sk_server__page_begin(r, rec->title);
	sk_buf_puts(b, "<p class=\"crumbs\"><a href=\"/records?type=");
	sk_buf_puts(b, sk_record_type_name(rec->type));
	sk_buf_puts(b, "\">");
	sk_server__esc(b, type_nb_plural[rec->type]);
	sk_buf_puts(b, "</a>");
	if (rec->experiment) {
		sk_buf_puts(b, " › ");
		sk_server__record_link(b, rec->experiment, NULL);
	}
	sk_buf_puts(b, "</p>\n<h1>");
	sk_server__esc(b, rec->title);
	sk_buf_puts(b, " <span class=\"type\">");
	sk_server__esc(b, type_nb[rec->type]);
	sk_buf_puts(b, "</span></h1>\n");
	if (json_is_true(json_object_get(rec->front, "example")))
		sk_buf_puts(b, "<p class=\"example\"><strong>Eksempel:</strong> dette er oppdiktet "
			"innhold som viser hvordan samskap brukes, ikke et virkelig forsøk.</p>\n");
	const char *summary = json_string_value(json_object_get(rec->front, "summary"));
	if (summary) {
		sk_buf_puts(b, "<p class=\"summary\">");
		sk_server__esc(b, summary);
		sk_buf_puts(b, "</p>\n");
	}
	if (rec->type == SK_TYPE_MODEL) {
		sk_buf_puts(b, "<p><a href=\"/models/");
		sk_buf_puts(b, rec->id);
		sk_buf_puts(b, "\">Kjør og sammenlign scenarioene</a></p>\n");
	} else {
		front_table(b, rec->front, l);
		sk_buf_puts(b, "<article class=\"body\">\n");
		sk_server__markdown_titled(b, rec->body, rec->title);
		sk_buf_puts(b, "</article>\n");
	}
	sk_server__model_section(r, rec);
	if (rec->type == SK_TYPE_EXPERIMENT) {
		timeline(b, recs, n, rec->id);
		log_form(r, rec);
	}
	links_section(r, rec, l);
	sk_server__history_section(r, rec);
	sk_server__page_end(r, 200);
done:
	sk_index_links_free(l);
	sk_records_free(recs, n);
	sk_record_free(rec);
	return rc;
}

int sk_server__h_records_page(sk_req *r)
{
	sk_record_type type;
	sk_record **recs = NULL;
	size_t n = 0;
	int rc = sk_server__check_query(r);
	if (rc == 0)
		rc = type_param(r, &type);
	if (rc == 0)
		rc = sk_server__records(r, &recs, &n, type);
	if (rc < 0)
		return rc;
	sk_buf *b = &r->out;
	const char *title = type == SK_TYPE_COUNT ? "Alle poster" : type_nb_plural[type];
	sk_server__page_begin(r, title);
	sk_buf_puts(b, "<h1>");
	sk_server__esc(b, title);
	sk_buf_printf(b, " <span class=\"count\">(%zu)</span></h1>\n", n);
	sk_buf_puts(b, "<div class=\"table-wrap\"><table>\n<tr><th>Tittel</th><th>Type</th>"
		"<th>Status</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		const sk_record *rec = recs[i];
		sk_buf_puts(b, "<tr><td>");
		sk_server__record_link(b, rec->id, rec->title);
		if (json_is_true(json_object_get(rec->front, "example")))
			sk_buf_puts(b, " <span class=\"type\">eksempel</span>");
		sk_buf_puts(b, "</td><td>");
		sk_server__esc(b, type_nb[rec->type]);
		sk_buf_puts(b, "</td><td>");
		const char *st = json_string_value(json_object_get(rec->front, "status"));
		if (!st)
			st = json_string_value(json_object_get(rec->front, "date"));
		sk_server__esc(b, st ? sk_server__value_nb(st) : "");
		sk_buf_puts(b, "</td></tr>\n");
	}
	sk_buf_puts(b, "</table></div>\n");
	sk_server__page_end(r, 200);
	sk_records_free(recs, n);
	return 0;
}

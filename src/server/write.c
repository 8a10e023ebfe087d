/* Writes: a log entry to an experiment (API and HTML form) and a new
 * record (API). Each is one git commit by the member the token or the
 * session belongs to, made through the store (compare-and-swap on the
 * branch, so concurrent writers never lose a write), after the new file
 * has parsed and validated exactly as `samskap check` would read it. */
#include "server_int.h"

#include "samskap/record.h"
#include "samskap/store.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Today's UTC date as YYYY-MM-DD. */
static void today(char out[11])
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Appends `key: VALUE` with the value as JSON: YAML 1.2 reads JSON flow
 * values as they are, so no string can break out of its scalar. */
static void yaml_field(sk_buf *b, const char *key, json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	sk_buf_printf(b, "%s: %s\n", key, s ? s : "null");
	free(s);
}

/* A Markdown record's text: front matter (in the object's order) and body. */
static char *markdown_text(json_t *front, const char *body)
{
	sk_buf b = SK_BUF_INIT;
	const char *k;
	json_t *v;
	sk_buf_puts(&b, "---\n");
	json_object_foreach(front, k, v)
		yaml_field(&b, k, v);
	sk_buf_puts(&b, "---\n\n");
	if (body && *body) {
		sk_buf_puts(&b, body);
		if (b.data[b.len - 1] != '\n')
			sk_buf_putc(&b, '\n');
	}
	return sk_buf_detach(&b);
}

/* Parses and validates a new file; 400 with the first problems otherwise. */
static int check_new(sk_req *r, const char *relpath, const char *text)
{
	sk_record *rec = NULL;
	sk_diags d = SK_DIAGS_INIT;
	int rc = sk_record_parse(&rec, relpath, text, strlen(text), &d);
	if (rc == 0)
		rc = sk_record_validate(rec, &d);
	if (rc < 0 || sk_diags_errors(&d)) {
		sk_buf msg = SK_BUF_INIT;
		sk_diags_sort(&d);
		for (size_t i = 0, shown = 0; i < d.len && shown < 5; i++) {
			if (d.items[i].severity != SK_DIAG_ERROR)
				continue;
			char *one = sk_diag_format(&d.items[i]);
			if (shown++)
				sk_buf_puts(&msg, "; ");
			sk_buf_puts(&msg, one);
			free(one);
		}
		rc = sk_server__fail(r, 400, "the new record is not valid: %s",
			msg.len ? msg.data : sk_error_last());
		sk_buf_free(&msg);
	}
	sk_diags_free(&d);
	sk_record_free(rec);
	return rc;
}

/* Commits one new file (it must not exist yet) by r's member. */
static int commit_new(sk_req *r, sk_oid *commit, const char *relpath, const char *text,
	const char *message)
{
	sk_store *st = NULL;
	const sk_member *m = &r->srv->members[r->member];
	sk_store_author author = { m->name, m->email };
	sk_store_write w;
	memset(&w, 0, sizeof w);
	w.path = relpath;
	w.data = text;
	w.len = strlen(text);
	w.expect = SK_STORE_EXPECT_ABSENT;
	int rc = sk_store_open(&st, r->srv->kb_root);
	if (rc < 0) {
		rc = sk_server__fail(r, 500, "cannot write: %s", sk_error_last());
		goto done;
	}
	rc = sk_store_commit(commit, st, &w, 1, &author, message);
	if (rc == SK_EEXISTS || rc == SK_ECONFLICT)
		rc = sk_server__fail(r, 409, "%s", sk_error_last());
	else if (rc < 0)
		rc = sk_server__fail(r, 500, "the commit failed: %s", sk_error_last());
done:
	sk_store_free(st);
	if (rc == 0)
		sk_server__index_written(r, commit);
	return rc;
}

/* A new log entry's id: DATE-<6 random hex digits>, as `samskap log`. */
static int new_log_id(char **out, const char *date)
{
	unsigned char rnd[3];
	int rc = sk_server__random(rnd, sizeof rnd);
	if (rc < 0)
		return rc;
	*out = sk_printf("%s-%02x%02x%02x", date, rnd[0], rnd[1], rnd[2]);
	return 0;
}

/* Writes a log entry for experiment `exp` from `in` (date, kind, title,
 * body, measurements, tags; see the LogEntryInput schema). *id and
 * *commit receive what was made. */
static int create_log(sk_req *r, const char *exp, json_t *in, char **id, sk_oid *commit)
{
	sk_record *er = NULL;
	json_t *front = NULL;
	char *relpath = NULL, *text = NULL, *msg = NULL;
	char date[11];
	*id = NULL;
	int rc = sk_server__record(r, &er, exp);
	if (rc < 0)
		goto done;
	if (er->type != SK_TYPE_EXPERIMENT) {
		rc = sk_error_set(SK_ENOTFOUND, "'%s' is not an experiment", exp);
		goto done;
	}
	if (!json_is_object(in)) {
		rc = sk_server__fail(r, 400, "the body must be a JSON object");
		goto done;
	}
	static const char *const known[] = { "date", "kind", "title", "body", "measurements", "tags", NULL };
	const char *k;
	json_t *v;
	json_object_foreach(in, k, v) {
		size_t i = 0;
		while (known[i] && strcmp(known[i], k) != 0)
			i++;
		if (!known[i]) {
			rc = sk_server__fail(r, 400, "unknown field '%s' (known: date, kind, title, body, "
				"measurements, tags; the author is the token's member)", k);
			goto done;
		}
	}
	json_t *jdate = json_object_get(in, "date");
	if (jdate && !(json_is_string(jdate) && sk_date_valid(json_string_value(jdate)))) {
		rc = sk_server__fail(r, 400, "'date' must be a date YYYY-MM-DD");
		goto done;
	}
	if (jdate)
		snprintf(date, sizeof date, "%s", json_string_value(jdate));
	else
		today(date);
	json_t *body = json_object_get(in, "body");
	if (body && !json_is_string(body)) {
		rc = sk_server__fail(r, 400, "'body' must be a string (Markdown)");
		goto done;
	}
	/* Measurements must name the experiment's metrics. */
	json_t *meas = json_object_get(in, "measurements");
	json_object_foreach(meas, k, v) {
		size_t i;
		json_t *metric;
		int found = 0;
		json_array_foreach(json_object_get(er->front, "metrics"), i, metric) {
			const char *name = json_string_value(json_object_get(metric, "name"));
			found |= name && strcmp(name, k) == 0;
		}
		if (!found) {
			rc = sk_server__fail(r, 400, "experiment '%s' has no metric '%s'", exp, k);
			goto done;
		}
	}
	front = json_object();
	if (json_object_get(in, "title"))
		json_object_set(front, "title", json_object_get(in, "title"));
	json_object_set_new(front, "date", json_string(date));
	json_object_set_new(front, "author", json_string(r->srv->members[r->member].name));
	/* A missing kind is left out: the schema then names it as missing. */
	if (json_object_get(in, "kind"))
		json_object_set(front, "kind", json_object_get(in, "kind"));
	if (meas)
		json_object_set(front, "measurements", meas);
	if (json_object_get(in, "tags"))
		json_object_set(front, "tags", json_object_get(in, "tags"));
	if ((rc = new_log_id(id, date)) < 0)
		goto done;
	relpath = sk_printf("experiments/%s/log/%s.md", exp, *id);
	text = markdown_text(front, json_string_value(body));
	if ((rc = check_new(r, relpath, text)) < 0)
		goto done;
	const char *title = json_string_value(json_object_get(in, "title"));
	msg = sk_printf("log: %s: %s", exp, title ? title : *id);
	rc = commit_new(r, commit, relpath, text, msg);
done:
	if (rc < 0) {
		free(*id);
		*id = NULL;
	}
	free(msg);
	free(text);
	free(relpath);
	json_decref(front);
	sk_record_free(er);
	return rc;
}

/* Parses r's JSON body: 415 unless it says application/json, 400 with
 * the place of the error when it does not parse. */
static int json_request(sk_req *r, json_t **out)
{
	json_error_t e;
	const char *ct = sk_server__header_in(r, "Content-Type");
	*out = NULL;
	if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
		(ct[16] && ct[16] != ';' && ct[16] != ' '))
		return sk_server__fail(r, 415, "send the body as Content-Type: application/json");
	*out = json_loadb(r->body.data ? r->body.data : "", r->body.len, JSON_REJECT_DUPLICATES, &e);
	if (!*out)
		return sk_server__fail(r, 400, "the body is not valid JSON: line %d, column %d: %s",
			e.line, e.column, e.text);
	return 0;
}

static json_t *created_json(const char *id, const char *type, const char *path,
	const sk_oid *commit)
{
	return json_pack("{s:s,s:s,s:s,s:s}", "id", id, "type", type, "path", path,
		"commit", commit->hex);
}

int sk_server__h_api_log(sk_req *r)
{
	json_t *in = NULL;
	char *id = NULL;
	sk_oid commit;
	memset(&commit, 0, sizeof commit);
	int rc = sk_server__auth_bearer(r);
	if (rc == 0)
		rc = sk_server__check_id(r, r->params[0]);
	if (rc == 0)
		rc = json_request(r, &in);
	if (rc == 0)
		rc = create_log(r, r->params[0], in, &id, &commit);
	if (rc == 0) {
		char *path = sk_printf("experiments/%s/log/%s.md", r->params[0], id);
		char *loc = sk_printf("/api/records/%s", id);
		sk_server__header(r, "Location", loc);
		sk_server__json(r, 201, created_json(id, "log", path, &commit));
		free(loc);
		free(path);
	}
	free(id);
	json_decref(in);
	return rc;
}

/* Where a new record of a type goes. */
static char *path_for(sk_record_type t, const char *id)
{
	switch (t) {
	case SK_TYPE_KOMMUNE: return sk_printf("kommuner/%s.md", id);
	case SK_TYPE_CHALLENGE: return sk_printf("challenges/%s.md", id);
	case SK_TYPE_CASE: return sk_printf("cases/%s.md", id);
	case SK_TYPE_EXPERIMENT: return sk_printf("experiments/%s/index.md", id);
	case SK_TYPE_MODEL: return sk_printf("models/%s.json", id);
	default: return NULL;
	}
}

int sk_server__h_api_create(sk_req *r)
{
	json_t *in = NULL;
	char *path = NULL, *text = NULL, *msg = NULL;
	sk_record *existing = NULL;
	sk_record_type type;
	sk_oid commit;
	memset(&commit, 0, sizeof commit);
	int rc = sk_server__auth_bearer(r);
	if (rc == 0)
		rc = json_request(r, &in);
	if (rc < 0)
		goto done;
	const char *tname = json_string_value(json_object_get(in, "type"));
	const char *id = json_string_value(json_object_get(in, "id"));
	json_t *front = json_object_get(in, "front");
	json_t *body = json_object_get(in, "body");
	if (!json_is_object(in) || !tname || !id || !json_is_object(front) ||
		(body && !json_is_string(body))) {
		rc = sk_server__fail(r, 400, "the body must be {\"type\": ..., \"id\": ..., "
			"\"front\": {...}, \"body\": \"Markdown\"}");
		goto done;
	}
	if (sk_record_type_parse(&type, tname) < 0 || !(path = path_for(type, id))) {
		rc = sk_server__fail(r, 400, "type '%s' cannot be created here (kommune, challenge, "
			"case, experiment, model; log entries go to POST /api/experiments/ID/log)", tname);
		goto done;
	}
	if (!sk_id_valid(id)) {
		rc = sk_server__fail(r, 400, "id '%s' is not a slug (lower-case letters, digits, "
			"single hyphens)", id);
		goto done;
	}
	/* Ids are unique across the KB, whatever the type. */
	rc = sk_server__record(r, &existing, id);
	if (rc == 0) {
		rc = sk_server__fail(r, 409, "a record with id '%s' exists (%s)", id, existing->path);
		goto done;
	}
	if (rc != SK_ENOTFOUND)
		goto done;
	r->fail_status = 0;
	sk_error_clear();
	if (type == SK_TYPE_MODEL) {
		char *j = json_dumps(front, JSON_INDENT(2));
		text = sk_printf("%s\n", j);
		free(j);
	} else {
		text = markdown_text(front, json_string_value(body));
	}
	if ((rc = check_new(r, path, text)) < 0)
		goto done;
	msg = sk_printf("%s: %s", tname, id);
	rc = commit_new(r, &commit, path, text, msg);
	if (rc == 0) {
		char *loc = sk_printf("/api/records/%s", id);
		sk_server__header(r, "Location", loc);
		sk_server__json(r, 201, created_json(id, tname, path, &commit));
		free(loc);
	}
done:
	sk_record_free(existing);
	free(msg);
	free(text);
	free(path);
	json_decref(in);
	return rc;
}

int sk_server__h_log_form(sk_req *r)
{
	json_t *in = NULL;
	char *id = NULL;
	sk_oid commit;
	int rc = sk_server__form_parse(r);
	if (rc == 0)
		rc = sk_server__auth_form(r);
	if (rc == 0)
		rc = sk_server__check_id(r, r->params[0]);
	if (rc < 0)
		return rc;
	in = json_object();
	const char *k;
	json_t *v;
	json_t *meas = json_object();
	json_object_foreach(r->form, k, v) {
		const char *s = json_string_value(v);
		if (strcmp(k, "csrf") == 0 || !*s)
			continue;
		if (strncmp(k, "m-", 2) == 0) {
			char *end;
			double x = strtod(s, &end);
			if (*end || end == s) {
				rc = sk_server__fail(r, 400, "measurement %s: '%s' is not a number", k + 2, s);
				goto done;
			}
			json_object_set_new(meas, k + 2, json_real(x));
		} else if (strcmp(k, "title") == 0 || strcmp(k, "date") == 0 ||
			strcmp(k, "kind") == 0 || strcmp(k, "body") == 0) {
			/* Browsers send CR LF in a textarea; files keep LF. */
			char *t = sk_strdup(s);
			char *o = t;
			for (const char *c = t; *c; c++)
				if (*c != '\r')
					*o++ = *c;
			*o = '\0';
			json_object_set_new(in, k, json_string(t));
			free(t);
		}
	}
	if (json_object_size(meas))
		json_object_set(in, "measurements", meas);
	rc = create_log(r, r->params[0], in, &id, &commit);
	if (rc == 0) {
		char *loc = sk_printf("/records/%s#%s", r->params[0], id);
		sk_server__header(r, "Location", loc);
		free(loc);
		r->status = 303;
		r->ctype = "text/plain; charset=utf-8";
		sk_buf_puts(&r->out, "Lagret.\n");
	}
done:
	json_decref(meas);
	json_decref(in);
	free(id);
	return rc;
}

/* ---- History ------------------------------------------------------------ */

/* The commits that touched a record: an experiment's whole folder (its
 * log too), else its file. */
static int record_history(sk_req *r, sk_store_commit_info **infos, size_t *n,
	const sk_record *rec, size_t limit)
{
	sk_store *st = NULL;
	char *folder = NULL;
	*infos = NULL;
	*n = 0;
	int rc = sk_store_open(&st, r->srv->kb_root);
	if (rc == SK_ENOTFOUND)
		return 0;  /* not in git: no history to show */
	if (rc < 0)
		return sk_server__fail(r, 500, "%s", sk_error_last());
	const char *path = rec->path;
	if (rec->type == SK_TYPE_EXPERIMENT) {
		folder = sk_printf("experiments/%s", rec->id);
		path = folder;
	}
	rc = sk_store_history(infos, n, st, &path, 1, limit);
	if (rc == SK_ENOTFOUND)
		rc = 0;  /* no commits yet */
	else if (rc < 0)
		rc = sk_server__fail(r, 500, "%s", sk_error_last());
	free(folder);
	sk_store_free(st);
	return rc;
}

static void iso_time(char out[32], int64_t t, int tz)
{
	time_t local = (time_t)(t + (int64_t)tz * 60);
	struct tm tm;
	gmtime_r(&local, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	int a = tz < 0 ? -tz : tz;
	snprintf(out + n, 32 - n, "%c%02d:%02d", tz < 0 ? '-' : '+', a / 60, a % 60);
}

int sk_server__h_api_history(sk_req *r)
{
	sk_record *rec = NULL;
	sk_store_commit_info *infos = NULL;
	size_t n = 0;
	int rc = sk_server__record(r, &rec, r->params[0]);
	if (rc == 0)
		rc = record_history(r, &infos, &n, rec, 100);
	if (rc == 0) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++) {
			char when[32];
			iso_time(when, infos[i].time, infos[i].tz_offset);
			json_t *paths = json_array();
			for (size_t k = 0; k < infos[i].n_paths; k++)
				json_array_append_new(paths, json_string(infos[i].paths[k]));
			json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:o}",
				"commit", infos[i].id.hex, "author", infos[i].author_name,
				"email", infos[i].author_email, "time", when, "summary", infos[i].summary,
				"added", (json_int_t)infos[i].added, "removed", (json_int_t)infos[i].removed,
				"paths", paths));
		}
		sk_server__json(r, 200, json_pack("{s:s,s:o}", "id", rec->id, "commits", arr));
	}
	sk_store_history_free(infos, n);
	sk_record_free(rec);
	return rc;
}

void sk_server__history_section(sk_req *r, const sk_record *rec)
{
	sk_store_commit_info *infos = NULL;
	size_t n = 0;
	int fail = r->fail_status;
	if (record_history(r, &infos, &n, rec, 10) < 0 || n == 0) {
		r->fail_status = fail;
		sk_error_clear();
		return;
	}
	sk_buf *b = &r->out;
	sk_buf_puts(b, "<h2>Historikk</h2>\n<ol class=\"history\">\n");
	for (size_t i = 0; i < n; i++) {
		char when[32];
		iso_time(when, infos[i].time, infos[i].tz_offset);
		when[10] = '\0';
		sk_buf_puts(b, "<li><time>");
		sk_buf_puts(b, when);
		sk_buf_puts(b, "</time> ");
		sk_server__esc(b, infos[i].author_name);
		sk_buf_puts(b, ": ");
		sk_server__esc(b, infos[i].summary);
		sk_buf_printf(b, " <span class=\"count\">(+%zu −%zu, %.7s)</span></li>\n",
			infos[i].added, infos[i].removed, infos[i].id.hex);
	}
	sk_buf_puts(b, "</ol>\n");
	sk_store_history_free(infos, n);
}

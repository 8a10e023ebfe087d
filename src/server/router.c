/* The route table (STYLE.md 7: routes are data) and the dispatcher that
 * matches a method and a path against it. */
#include "server_int.h"

#include <stdlib.h>
#include <string.h>

const sk_route sk_server__routes[] = {
	/* HTML pages (Norwegian bokmål, no JavaScript). */
	{ "GET", "/", sk_server__h_home, "Forside: søk og oversikt" },
	{ "GET", "/style.css", sk_server__h_css, "Stilark" },
	{ "GET", "/favicon.ico", sk_server__h_icon, "Ikon" },
	{ "GET", "/login", sk_server__h_login_form, "Innlogging" },
	{ "POST", "/login", sk_server__h_login, "Logg inn med nøkkel" },
	{ "POST", "/logout", sk_server__h_logout, "Logg ut" },
	{ "GET", "/records", sk_server__h_records_page, "Poster etter type" },
	{ "GET", "/records/:id", sk_server__h_record_page, "Én post" },
	{ "POST", "/records/:id/log", sk_server__h_log_form, "Ny loggføring (skjema)" },
	{ "GET", "/search", sk_server__h_search_page, "Søk med filtre" },
	{ "GET", "/status", sk_server__h_status_page, "Statusoversikt" },
	{ "GET", "/models", sk_server__h_models_page, "Modeller" },
	{ "GET", "/models/:id", sk_server__h_model_page, "Sammenlign scenarioer" },
	/* JSON API. */
	{ "GET", "/api", sk_server__h_api_index, "The API's routes" },
	{ "GET", "/api/openapi.json", sk_server__h_openapi, "OpenAPI 3.1 document" },
	{ "GET", "/api/me", sk_server__h_me, "The member a bearer token belongs to" },
	{ "GET", "/api/search", sk_server__h_api_search, "Search with filters, facets and paging" },
	{ "GET", "/api/records", sk_server__h_api_records, "Records, all or of one ?type=" },
	{ "POST", "/api/records", sk_server__h_api_create, "Create a record (one commit)" },
	{ "GET", "/api/records/:id", sk_server__h_api_record, "One record" },
	{ "GET", "/api/records/:id/links", sk_server__h_api_links, "A record's links and backlinks" },
	{ "GET", "/api/records/:id/history", sk_server__h_api_history, "Commits that changed a record" },
	{ "POST", "/api/experiments/:id/log", sk_server__h_api_log, "Add a log entry (one commit)" },
	{ "GET", "/api/status", sk_server__h_api_status, "The status overview (as samskap status --json)" },
	{ "GET", "/api/models/:id/run", sk_server__h_api_model_run, "Run a model under one ?scenario=" },
	{ "GET", "/api/models/:id/compare", sk_server__h_api_model_compare, "Run ?scenarios=a,b side by side" },
	{ NULL, NULL, NULL, NULL }
};

/* Matches path against pattern; on a match fills r->params with copies of
 * the captured segments and returns 1. Both start with '/'; a trailing
 * '/' on the path is ignored. */
static int match(sk_req *r, const char *pattern, const char *path)
{
	const char *p = pattern, *s = path;
	size_t n = 0;
	char *caps[SK_REQ_MAX_PARAMS] = { 0 };
	for (;;) {
		/* Both at a '/' here. */
		if (*p != '/' || *s != '/')
			break;
		p++;
		s++;
		const char *pe = strchr(p, '/');
		const char *se = strchr(s, '/');
		size_t pl = pe ? (size_t)(pe - p) : strlen(p);
		size_t sl = se ? (size_t)(se - s) : strlen(s);
		if (pl > 0 && p[0] == ':') {
			if (sl == 0 || n == SK_REQ_MAX_PARAMS)
				goto nomatch;
			caps[n++] = sk_strndup(s, sl);
		} else if (pl != sl || memcmp(p, s, pl) != 0) {
			goto nomatch;
		}
		p += pl;
		s += sl;
		if (!*p) {
			/* The pattern is done: the path must be too, but for one '/'. */
			if (*s == '\0' || (s[0] == '/' && s[1] == '\0'))
				goto matched;
			goto nomatch;
		}
		if (!*s)
			goto nomatch;
	}
nomatch:
	for (size_t i = 0; i < n; i++)
		free(caps[i]);
	return 0;
matched:
	for (size_t i = 0; i < n; i++)
		r->params[i] = caps[i];
	r->n_params = n;
	return 1;
}

int sk_server__dispatch(sk_req *r)
{
	const char *method = r->is_head ? "GET" : r->method;
	sk_buf allow = SK_BUF_INIT;
	int rc = 0;
	for (const sk_route *rt = sk_server__routes; rt->method; rt++) {
		if (!match(r, rt->pattern, r->path))
			continue;
		if (strcmp(rt->method, method) == 0) {
			sk_buf_free(&allow);
			return rt->run(r);
		}
		/* Same path, another method: remember it for Allow. */
		for (size_t i = 0; i < r->n_params; i++)
			free(r->params[i]);
		r->n_params = 0;
		if (allow.len && strstr(allow.data, rt->method))
			continue;
		if (allow.len)
			sk_buf_puts(&allow, ", ");
		sk_buf_puts(&allow, rt->method);
		if (strcmp(rt->method, "GET") == 0)
			sk_buf_puts(&allow, ", HEAD");
	}
	if (allow.len) {
		sk_server__header(r, "Allow", allow.data);
		rc = sk_server__fail(r, 405, "%s is not allowed on %s (allowed: %s)",
			r->method, r->path, allow.data);
	} else {
		rc = sk_error_set(SK_ENOTFOUND, "no page or API route at %s", r->path);
	}
	sk_buf_free(&allow);
	return rc;
}

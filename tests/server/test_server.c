/* `samskap serve` end to end: the real binary on 127.0.0.1 and a free
 * port, a knowledge base made in a temporary folder, requests over a
 * socket. Covers every route, every error status, and the attacks the
 * issue lists. */
#include "http.h"
#include "sktest.h"

#include "samskap/util.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef SK_HAVE_SCHEMA
#include "samskap/schema.h"
#endif

/* Pages are long: show the start of one that fails (Check's messages
 * have a size limit). */
#undef ck_assert_contains
#undef ck_assert_not_contains
#define ck_assert_contains(hay, needle) \
	ck_assert_msg(sk_test_contains((hay), (needle)), \
		"expected to find \"%s\" in:\n%.1500s", (needle), (hay) ? (hay) : "(null)")
#define ck_assert_not_contains(hay, needle) \
	ck_assert_msg(!sk_test_contains((hay), (needle)), \
		"did not expect \"%s\" in:\n%.1500s", (needle), (hay) ? (hay) : "(null)")

static char *kb;          /* the KB's folder */
static char *token;       /* Kari's token */
static test_server srv;

/* ---- Fixture ------------------------------------------------------------ */

/* A small KB: a kommune, a challenge, a case, an experiment whose title
 * and body carry script, and a log entry. */
static void write_records(const char *dir)
{
	sk_test_write(dir, "samskap.json", "{\"name\": \"Testbase\"}\n");
	sk_test_write(dir, "kommuner/tromso.md", "---\ntitle: Tromsø\nkommunenummer: \"5501\"\n"
		"fylke: Troms\nresource_group: true\n---\n\nTromsø kommune.\n");
	sk_test_write(dir, "challenges/ungt-utenforskap.md", "---\ntitle: Ungt utenforskap\n"
		"status: active\n---\n\nUnge utenfor skole og arbeid.\n");
	sk_test_write(dir, "cases/velferdslab.md", "---\ntitle: Asker velferdslab\n"
		"kommuner: [tromso]\nchallenges: [ungt-utenforskap]\nexperiments: [losen]\n"
		"tags: [velferdslab]\n---\n\nInvesteringsteam og [[losen]].\n");
	sk_test_write(dir, "experiments/losen/index.md", "---\n"
		"title: \"Losen <script>alert(1)</script>\"\n"
		"kommuner: [tromso]\nchallenge: ungt-utenforskap\nstatus: running\n"
		"start: \"2025-03-01\"\nmodel: omsorg\nscenario: tiltak\nhypothesis: En los holder ungdom i skolen.\n"
		"metrics:\n  - name: avbrudd\n    unit: prosent\n    baseline: 7.5\n    target: 5\n"
		"example: true\n---\n\n"
		"Ungdomslos i [[tromso]]. <script>alert(2)</script>\n\n"
		"<img src=x onerror=alert(3)>\n\n[klikk](javascript:alert(4))\n");
	sk_test_write(dir, "models/omsorg.json", "{\"name\": \"Omsorg\", "
		"\"title\": \"Omsorgsbehov <b>\", \"time\": {\"start\": 2020, \"stop\": 2030, \"dt\": 1},\n"
		"\"parameters\": [{\"name\": \"vekst\", \"value\": 0.02}],\n"
		"\"stocks\": [{\"name\": \"Brukere\", \"initial\": 100, \"inflows\": [\"nye\"], \"units\": \"personer\"}],\n"
		"\"flows\": [{\"name\": \"nye\", \"equation\": \"Brukere * vekst\"}],\n"
		"\"scenarios\": [{\"name\": \"baseline\"}, {\"name\": \"tiltak\", \"title\": \"Med tiltak\", "
		"\"set\": {\"vekst\": 0.01}}],\n\"outputs\": [\"Brukere\"]}\n");
	/* A record whose file is broken: reading it is the server's failure. */
	sk_test_write(dir, "kommuner/brukket.md", "---\ntitle: [uten slutt\n---\n\nBrukket.\n");
	sk_test_write(dir, "experiments/losen/log/2025-03-03-start.md", "---\n"
		"title: Nullmåling\ndate: \"2025-03-03\"\nauthor: Ola Nordmann\n"
		"kind: measurement\nmeasurements:\n  avbrudd: 7.5\n---\n\nLosen begynner.\n");
}

static void make_kb(void)
{
	kb = sk_test_tmpdir();
	write_records(kb);
	sk_test_write(kb, ".gitignore", ".samskap/\nserve.err\ntokens\n");
	sk_run_result g = sk_test_run(kb, NULL, "git init -q -b main && git add -A && "
		"git -c user.name='Test Person' -c user.email=test@example.org commit -qm 'Første versjon'");
	ck_assert_msg(g.status == 0, "git: %s", g.err);
	sk_run_result_free(&g);
	sk_run_result r = sk_test_run(kb, NULL,
		"%s token add --tokens tokens 'Kari Nordmann <kari@example.no>'", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "token add failed: %s", r.err);
	token = strndup(r.out, strcspn(r.out, "\n"));
	ck_assert_uint_eq(strlen(token), 43);
	sk_run_result_free(&r);
}

static void setup(void)
{
	make_kb();
	int st;
	if (test_server_start(&srv, kb, "--tokens tokens --max-body 4096", &st) < 0) {
		char *err = sk_test_read(kb, "serve.err");
		fprintf(stderr, "server did not start (status %d): %s\n", st, err ? err : "");
		free(err);
		abort();
	}
}

/* Fails the run when the server (built with sanitizers) reported a
 * problem on its way: a leak shows only when it exits. */
static void check_server_log(const char *dir)
{
	char *err = sk_test_read(dir, "serve.err");
	if (err && (strstr(err, "Sanitizer") || strstr(err, "runtime error"))) {
		fprintf(stderr, "the server reported:\n%s\n", err);
		free(err);
		_exit(1);
	}
	free(err);
}

static void teardown(void)
{
	test_server_stop(&srv);
	check_server_log(kb);
	sk_test_rmtree(kb);
	free(kb);
	free(token);
	kb = token = NULL;
}

/* ---- Helpers ------------------------------------------------------------ */

static json_t *json_body(const http_resp *r)
{
	json_error_t e;
	json_t *v = json_loads(r->body ? r->body : "", 0, &e);
	ck_assert_msg(v != NULL, "not JSON (%s): %s", e.text, r->body ? r->body : "(none)");
	return v;
}

/* Validates v against a schema of components/schemas in openapi.json. */
static void check_schema(json_t *v, const char *component)
{
#ifdef SK_HAVE_SCHEMA
	json_error_t e;
	json_t *doc = json_load_file(SK_OPENAPI, 0, &e);
	ck_assert_msg(doc != NULL, "openapi.json: %s", e.text);
	/* Compile the component with the whole document's components beside
	 * it, so "#/components/schemas/X" references resolve. */
	json_t *schema = json_deep_copy(json_object_get(json_object_get(
		json_object_get(doc, "components"), "schemas"), component));
	ck_assert_msg(schema != NULL, "no schema %s in openapi.json", component);
	json_object_set(schema, "components", json_object_get(doc, "components"));
	sk_schema *s = NULL;
	ck_assert_msg(sk_schema_compile(&s, schema, component) == 0, "%s: %s",
		component, sk_error_last());
	sk_diags d = SK_DIAGS_INIT;
	int rc = sk_schema_validate(s, v, &d);
	if (rc != 0) {
		char *msg = d.len ? sk_diag_format(&d.items[0]) : strdup("?");
		char *text = json_dumps(v, 0);
		ck_abort_msg("response does not match %s: %s\n%s", component, msg, text);
	}
	sk_diags_free(&d);
	sk_schema_free(s);
	json_decref(schema);
	json_decref(doc);
#else
	(void)v;
	(void)component;
#endif
}

/* Asserts an error response: the status, a JSON error body that matches
 * the Error schema and carries the same status. */
static void assert_json_error(http_resp *r, int status)
{
	ck_assert_msg(r->status == status, "expected %d, got %d: %s", status, r->status,
		r->body ? r->body : "");
	char *ct = http_header(r, "Content-Type");
	ck_assert_msg(ct && strncmp(ct, "application/json", 16) == 0, "Content-Type %s", ct);
	free(ct);
	json_t *v = json_body(r);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(v, "error"), "status")), status);
	ck_assert(strlen(json_string_value(json_object_get(json_object_get(v, "error"), "message"))) > 0);
	check_schema(v, "Error");
	json_decref(v);
}

static void assert_security_headers(const http_resp *r)
{
	char *csp = http_header(r, "Content-Security-Policy");
	ck_assert_msg(csp != NULL, "no CSP in:\n%s", r->head);
	ck_assert_contains(csp, "default-src 'self'");
	ck_assert_contains(csp, "script-src 'none'");
	free(csp);
	char *h = http_header(r, "X-Content-Type-Options");
	ck_assert_str_eq(h, "nosniff");
	free(h);
	h = http_header(r, "Referrer-Policy");
	ck_assert_str_eq(h, "no-referrer");
	free(h);
	h = http_header(r, "X-Frame-Options");
	ck_assert_str_eq(h, "DENY");
	free(h);
}

static char *auth_header(const char *tok)
{
	return sk_printf("Authorization: Bearer %s\r\n", tok);
}

/* ---- Foundation --------------------------------------------------------- */

START_TEST(home_page)
{
	http_resp r = http_get(srv.port, "/");
	ck_assert_int_eq(r.status, 200);
	assert_security_headers(&r);
	ck_assert_contains(r.body, "<html lang=\"nb\">");
	ck_assert_contains(r.body, "name=\"viewport\"");
	ck_assert_not_contains(r.body, "<script");
	http_resp_free(&r);

	r = http_get(srv.port, "/style.css");
	ck_assert_int_eq(r.status, 200);
	char *ct = http_header(&r, "Content-Type");
	ck_assert_contains(ct, "text/css");
	free(ct);
	assert_security_headers(&r);
	http_resp_free(&r);

	/* HEAD: the headers of GET, no body. */
	r = http_req(srv.port, "HEAD", "/", NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 0);
	http_resp_free(&r);
}
END_TEST

START_TEST(api_index_and_openapi)
{
	http_resp r = http_get(srv.port, "/api");
	ck_assert_int_eq(r.status, 200);
	assert_security_headers(&r);
	json_t *v = json_body(&r);
	ck_assert(json_array_size(json_object_get(v, "routes")) >= 3);
	check_schema(v, "Index");
	json_decref(v);
	http_resp_free(&r);

	r = http_get(srv.port, "/api/openapi.json");
	ck_assert_int_eq(r.status, 200);
	v = json_body(&r);
	ck_assert_str_eq(json_string_value(json_object_get(v, "openapi")), "3.1.0");
	/* Every API route in the table is documented. */
	http_resp idx = http_get(srv.port, "/api");
	json_t *index = json_body(&idx);
	json_t *routes = json_object_get(index, "routes");
	size_t i;
	json_t *rt;
	json_array_foreach(routes, i, rt) {
		/* "/api/records/:id" is "/api/records/{id}" in OpenAPI. */
		sk_buf p = SK_BUF_INIT;
		for (const char *c = json_string_value(json_object_get(rt, "path")); *c; c++) {
			if (*c == ':') {
				sk_buf_putc(&p, '{');
				while (c[1] && c[1] != '/')
					sk_buf_putc(&p, *++c);
				sk_buf_putc(&p, '}');
			} else {
				sk_buf_putc(&p, *c);
			}
		}
		json_t *path = json_object_get(json_object_get(v, "paths"), p.data);
		ck_assert_msg(path != NULL, "%s is not in openapi.json", p.data);
		char method[8];
		snprintf(method, sizeof method, "%s", json_string_value(json_object_get(rt, "method")));
		for (char *c = method; *c; c++)
			*c = (char)(*c - 'A' + 'a');
		ck_assert_msg(json_object_get(path, method) != NULL, "%s %s is not in openapi.json",
			method, p.data);
		sk_buf_free(&p);
	}
	http_resp_free(&idx);
	json_decref(index);
	json_decref(v);
	http_resp_free(&r);
}
END_TEST

START_TEST(not_found_and_method)
{
	http_resp r = http_get(srv.port, "/api/nothing-here");
	assert_json_error(&r, 404);
	assert_security_headers(&r);
	http_resp_free(&r);

	/* Outside /api/ the error is a page, in Norwegian. */
	r = http_get(srv.port, "/nothing-here");
	ck_assert_int_eq(r.status, 404);
	ck_assert_contains(r.body, "Fant ikke siden");
	assert_security_headers(&r);
	http_resp_free(&r);

	r = http_req(srv.port, "DELETE", "/api/me", NULL, NULL);
	assert_json_error(&r, 405);
	char *allow = http_header(&r, "Allow");
	ck_assert_str_eq(allow, "GET, HEAD");
	free(allow);
	http_resp_free(&r);

	r = http_req(srv.port, "PUT", "/login", NULL, "x");
	ck_assert_int_eq(r.status, 405);
	allow = http_header(&r, "Allow");
	ck_assert_contains(allow, "GET");
	ck_assert_contains(allow, "POST");
	free(allow);
	http_resp_free(&r);
}
END_TEST

START_TEST(bearer_tokens)
{
	http_resp r = http_get(srv.port, "/api/me");
	assert_json_error(&r, 401);
	char *www = http_header(&r, "WWW-Authenticate");
	ck_assert_contains(www, "Bearer");
	free(www);
	http_resp_free(&r);

	char *h = auth_header("not-the-token");
	r = http_req(srv.port, "GET", "/api/me", h, NULL);
	assert_json_error(&r, 401);
	http_resp_free(&r);
	free(h);

	/* The right token with one character changed. */
	char *bad = strdup(token);
	bad[42] = bad[42] == 'A' ? 'B' : 'A';
	h = auth_header(bad);
	r = http_req(srv.port, "GET", "/api/me", h, NULL);
	assert_json_error(&r, 401);
	http_resp_free(&r);
	free(h);
	free(bad);

	h = sk_printf("Authorization: Basic %s\r\n", token);
	r = http_req(srv.port, "GET", "/api/me", h, NULL);
	assert_json_error(&r, 401);
	http_resp_free(&r);
	free(h);

	h = auth_header(token);
	r = http_req(srv.port, "GET", "/api/me", h, NULL);
	ck_assert_int_eq(r.status, 200);
	json_t *v = json_body(&r);
	ck_assert_str_eq(json_string_value(json_object_get(v, "name")), "Kari Nordmann");
	ck_assert_str_eq(json_string_value(json_object_get(v, "email")), "kari@example.no");
	check_schema(v, "Member");
	json_decref(v);
	http_resp_free(&r);
	free(h);
}
END_TEST

START_TEST(oversize_body)
{
	/* Announced too large: refused before the body is read. */
	char *big = malloc(100001);
	memset(big, 'a', 100000);
	big[100000] = '\0';
	http_resp r = http_req(srv.port, "POST", "/login",
		"Content-Type: application/x-www-form-urlencoded\r\n", big);
	assert_json_error(&r, 413);
	assert_security_headers(&r);
	http_resp_free(&r);

	/* Chunked, with no length announced: cut off at the limit. */
	sk_buf req = SK_BUF_INIT;
	sk_buf_printf(&req, "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
		"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (int i = 0; i < 10; i++)
		sk_buf_printf(&req, "3e8\r\n%.*s\r\n", 1000, big);
	sk_buf_puts(&req, "0\r\n\r\n");
	r = http_raw(srv.port, req.data, req.len);
	assert_json_error(&r, 413);
	http_resp_free(&r);
	sk_buf_free(&req);
	free(big);
}
END_TEST

START_TEST(traversal_and_bad_input)
{
	static const char *const paths[] = {
		"/records/..%2f..%2fetc%2fpasswd",
		"/records/../../etc/passwd",
		"/api/records/..%2F..%2Fetc%2Fpasswd",
		"/api/records/%2Fetc%2Fpasswd",
		"/style.css/../../../etc/passwd",
		"/..%2f..%2f..%2fetc%2fpasswd",
	};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		http_resp r = http_get(srv.port, paths[i]);
		ck_assert_msg(r.status == 404 || r.status == 400, "%s: %d", paths[i], r.status);
		ck_assert_not_contains(r.body, "root:");
		http_resp_free(&r);
	}
	/* Invalid UTF-8 in the query string. */
	http_resp r = http_get(srv.port, "/login?next=%ff%fe");
	ck_assert_int_eq(r.status, 400);
	ck_assert_contains(r.body, "UTF-8");
	http_resp_free(&r);

	/* Garbage instead of HTTP: the server answers 400 or hangs up, and lives on. */
	r = http_raw(srv.port, "GARBAGE\r\n\r\n", 11);
	ck_assert(r.status == 0 || r.status == 400);
	http_resp_free(&r);
	r = http_get(srv.port, "/");
	ck_assert_int_eq(r.status, 200);
	http_resp_free(&r);
}
END_TEST

/* Finds the value of <input name="NAME" value="..."> in a page. */
static char *form_value(const char *page, const char *name)
{
	char *pat = sk_printf("name=\"%s\" value=\"", name);
	const char *p = strstr(page, pat);
	char *v = NULL;
	if (p) {
		p += strlen(pat);
		v = strndup(p, strcspn(p, "\""));
	}
	free(pat);
	return v;
}

START_TEST(login_logout_csrf)
{
	const char *form = "Content-Type: application/x-www-form-urlencoded\r\n";
	http_resp r = http_get(srv.port, "/login");
	ck_assert_int_eq(r.status, 200);
	ck_assert_contains(r.body, "name=\"token\"");
	http_resp_free(&r);

	r = http_req(srv.port, "POST", "/login", form, "token=wrong&next=%2F");
	ck_assert_int_eq(r.status, 401);
	ck_assert_contains(r.body, "ikke gyldig");
	http_resp_free(&r);

	/* Another site's page posting the form. */
	char *body = sk_printf("token=%s&next=%%2F", token);
	char *xs = sk_printf("%sOrigin: http://evil.example\r\n", form);
	r = http_req(srv.port, "POST", "/login", xs, body);
	ck_assert_int_eq(r.status, 403);
	ck_assert(http_header(&r, "Set-Cookie") == NULL);
	http_resp_free(&r);
	free(xs);
	xs = sk_printf("%sSec-Fetch-Site: cross-site\r\n", form);
	r = http_req(srv.port, "POST", "/login", xs, body);
	ck_assert_int_eq(r.status, 403);
	http_resp_free(&r);
	free(xs);

	/* A wrong media type. */
	r = http_req(srv.port, "POST", "/login", "Content-Type: application/json\r\n", "{}");
	assert_json_error(&r, 415);
	http_resp_free(&r);

	/* The real thing, from our own origin. */
	char *same = sk_printf("%sOrigin: http://127.0.0.1:%d\r\nSec-Fetch-Site: same-origin\r\n",
		form, srv.port);
	r = http_req(srv.port, "POST", "/login", same, body);
	ck_assert_int_eq(r.status, 303);
	char *cookie = http_header(&r, "Set-Cookie");
	ck_assert_contains(cookie, "HttpOnly");
	ck_assert_contains(cookie, "SameSite=Strict");
	char *loc = http_header(&r, "Location");
	ck_assert_str_eq(loc, "/");
	free(loc);
	http_resp_free(&r);

	/* An open redirect is not followed. */
	char *body2 = sk_printf("token=%s&next=%%2F%%2Fevil.example", token);
	r = http_req(srv.port, "POST", "/login", same, body2);
	loc = http_header(&r, "Location");
	ck_assert_str_eq(loc, "/");
	free(loc);
	http_resp_free(&r);
	free(body2);

	/* Logged in: the page shows who and carries a CSRF token. */
	char *c = sk_printf("Cookie: %.*s\r\n", (int)strcspn(cookie, ";"), cookie);
	r = http_req(srv.port, "GET", "/", c, NULL);
	ck_assert_contains(r.body, "Kari Nordmann");
	char *csrf = form_value(r.body, "csrf");
	ck_assert_msg(csrf && strlen(csrf) == 43, "no csrf token in page");
	http_resp_free(&r);

	/* Logout without the CSRF token, or with a wrong one: refused. */
	char *hc = sk_printf("%s%s", form, c);
	r = http_req(srv.port, "POST", "/logout", hc, "x=1");
	ck_assert_int_eq(r.status, 403);
	http_resp_free(&r);
	r = http_req(srv.port, "POST", "/logout", hc, "csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	ck_assert_int_eq(r.status, 403);
	http_resp_free(&r);
	/* Without the cookie: not logged in. */
	char *b3 = sk_printf("csrf=%s", csrf);
	r = http_req(srv.port, "POST", "/logout", form, b3);
	ck_assert_int_eq(r.status, 401);
	http_resp_free(&r);
	r = http_req(srv.port, "POST", "/logout", hc, b3);
	ck_assert_int_eq(r.status, 303);
	http_resp_free(&r);
	/* The session is gone. */
	r = http_req(srv.port, "GET", "/", c, NULL);
	ck_assert_not_contains(r.body, "Kari Nordmann");
	http_resp_free(&r);

	free(b3);
	free(hc);
	free(csrf);
	free(c);
	free(cookie);
	free(same);
	free(body);
}
END_TEST

/* ---- Records ----------------------------------------------------------- */

START_TEST(api_records)
{
	http_resp r = http_get(srv.port, "/api/records");
	ck_assert_int_eq(r.status, 200);
	json_t *v = json_body(&r);
	check_schema(v, "RecordList");
	ck_assert_int_eq(json_integer_value(json_object_get(v, "total")), 6);
	json_decref(v);
	http_resp_free(&r);

	r = http_get(srv.port, "/api/records?type=experiment");
	v = json_body(&r);
	check_schema(v, "RecordList");
	ck_assert_int_eq(json_integer_value(json_object_get(v, "total")), 1);
	json_t *first = json_array_get(json_object_get(v, "records"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(first, "id")), "losen");
	ck_assert_str_eq(json_string_value(json_object_get(first, "status")), "running");
	json_decref(v);
	http_resp_free(&r);

	r = http_get(srv.port, "/api/records?type=nonsense");
	assert_json_error(&r, 400);
	http_resp_free(&r);

	r = http_get(srv.port, "/api/records/losen");
	ck_assert_int_eq(r.status, 200);
	v = json_body(&r);
	check_schema(v, "Record");
	ck_assert_str_eq(json_string_value(json_object_get(v, "title")), "Losen <script>alert(1)</script>");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(v, "front"), "challenge")),
		"ungt-utenforskap");
	json_decref(v);
	http_resp_free(&r);

	r = http_get(srv.port, "/api/records/2025-03-03-start");
	v = json_body(&r);
	ck_assert_str_eq(json_string_value(json_object_get(v, "experiment")), "losen");
	json_decref(v);
	http_resp_free(&r);

	r = http_get(srv.port, "/api/records/no-such-record");
	assert_json_error(&r, 404);
	http_resp_free(&r);
	/* 500: the KB is broken, not the request; the message says where. */
	r = http_get(srv.port, "/api/records/brukket");
	assert_json_error(&r, 500);
	ck_assert_contains(r.body, "kommuner/brukket.md");
	http_resp_free(&r);
	r = http_get(srv.port, "/api/records/Not_A_Slug");
	assert_json_error(&r, 404);
	http_resp_free(&r);

	r = http_get(srv.port, "/api/records/losen/links");
	ck_assert_int_eq(r.status, 200);
	v = json_body(&r);
	check_schema(v, "Links");
	/* Out: tromso (twice: front matter and body), ungt-utenforskap.
	 * In: the case, and the log entry (implicit). */
	int saw_case = 0, saw_log = 0;
	size_t i;
	json_t *b;
	json_array_foreach(json_object_get(v, "backlinks"), i, b) {
		saw_case |= strcmp(json_string_value(json_object_get(b, "id")), "velferdslab") == 0;
		saw_log |= strcmp(json_string_value(json_object_get(b, "id")), "2025-03-03-start") == 0;
	}
	ck_assert(saw_case && saw_log);
	int saw_kommune = 0;
	json_array_foreach(json_object_get(v, "links"), i, b)
		saw_kommune |= strcmp(json_string_value(json_object_get(b, "target")), "tromso") == 0 &&
			json_is_true(json_object_get(b, "exists"));
	ck_assert(saw_kommune);
	json_decref(v);
	http_resp_free(&r);
}
END_TEST

START_TEST(record_pages_escape)
{
	http_resp r = http_get(srv.port, "/records/losen");
	ck_assert_int_eq(r.status, 200);
	assert_security_headers(&r);
	/* The title is text, the body's raw HTML is dropped by cmark's safe mode. */
	ck_assert_contains(r.body, "Losen &lt;script&gt;alert(1)&lt;/script&gt;");
	ck_assert_not_contains(r.body, "<script");
	ck_assert_not_contains(r.body, "onerror");
	ck_assert_not_contains(r.body, "javascript:");
	/* [[tromso]] became a link; front matter links too. */
	ck_assert_contains(r.body, "<a href=\"/records/tromso\">");
	ck_assert_contains(r.body, "<a href=\"/records/ungt-utenforskap\">");
	/* Marked as an example, with its log as a timeline and a backlink. */
	ck_assert_contains(r.body, "class=\"example\"");
	ck_assert_contains(r.body, "class=\"timeline\"");
	ck_assert_contains(r.body, "Nullmåling");
	ck_assert_contains(r.body, "Tilbakelenker");
	ck_assert_contains(r.body, "Asker velferdslab");
	/* Not logged in: a link to log in instead of the form. */
	ck_assert_contains(r.body, "/login?next=/records/losen");
	http_resp_free(&r);

	r = http_get(srv.port, "/records?type=experiment");
	ck_assert_int_eq(r.status, 200);
	ck_assert_contains(r.body, "Losen &lt;script&gt;");
	ck_assert_not_contains(r.body, "<script");
	http_resp_free(&r);

	r = http_get(srv.port, "/records/no-such-record");
	ck_assert_int_eq(r.status, 404);
	ck_assert_contains(r.body, "Fant ikke siden");
	http_resp_free(&r);

	r = http_get(srv.port, "/records?type=%ff");
	ck_assert_int_eq(r.status, 400);
	http_resp_free(&r);
}
END_TEST

/* ---- Search ------------------------------------------------------------ */

START_TEST(api_search)
{
	http_resp r = http_get(srv.port, "/api/search?q=ungdom");
	ck_assert_int_eq(r.status, 200);
	json_t *v = json_body(&r);
	check_schema(v, "SearchResult");
	ck_assert_int_ge(json_integer_value(json_object_get(v, "total")), 1);
	json_t *hit = json_array_get(json_object_get(v, "hits"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(hit, "id")), "losen");
	ck_assert_contains(json_string_value(json_object_get(hit, "snippet_html")), "<mark>");
	ck_assert_not_contains(json_string_value(json_object_get(hit, "snippet_html")), "<script");
	ck_assert(json_array_size(json_object_get(json_object_get(v, "facets"), "type")) >= 1);
	json_decref(v);
	http_resp_free(&r);

	/* Filters as parameters, and paging. */
	r = http_get(srv.port, "/api/search?type=kommune&q=troms%C3%B8");
	v = json_body(&r);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "total")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(v, "hits"), 0), "id")), "tromso");
	json_decref(v);
	http_resp_free(&r);
	r = http_get(srv.port, "/api/search?kommune=tromso&per_page=1&page=2");
	ck_assert_int_eq(r.status, 200);
	v = json_body(&r);
	check_schema(v, "SearchResult");
	ck_assert_int_ge(json_integer_value(json_object_get(v, "total")), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(v, "hits")), 1);
	json_decref(v);
	http_resp_free(&r);

	/* Many searches in a row land on every worker thread, each with its
	 * own index connection: none may fail (a connection opened later once
	 * broke the others' next query). */
	for (int i = 0; i < 24; i++) {
		r = http_get(srv.port, i % 2 ? "/api/search?q=ungdom" : "/api/search?q=tromso&type=kommune");
		ck_assert_msg(r.status == 200, "search %d: %d %s", i, r.status, r.body);
		http_resp_free(&r);
	}

	static const char *const bad[] = {
		"/api/search", "/api/search?q=", "/api/search?q=x&per_page=0",
		"/api/search?q=x&page=abc", "/api/search?type=nonsense",
		"/api/search?q=%ff%fe", "/api/search?tag=a%22b", "/api/search?q=since:2025-13-45",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		r = http_get(srv.port, bad[i]);
		ck_assert_msg(r.status == 400, "%s: %d %s", bad[i], r.status, r.body);
		assert_json_error(&r, 400);
		http_resp_free(&r);
	}
}
END_TEST

START_TEST(search_page)
{
	http_resp r = http_get(srv.port, "/search?q=ungdom");
	ck_assert_int_eq(r.status, 200);
	assert_security_headers(&r);
	ck_assert_contains(r.body, "href=\"/records/losen\"");
	ck_assert_contains(r.body, "<mark>");
	ck_assert_contains(r.body, "Losen &lt;script&gt;");
	ck_assert_not_contains(r.body, "<script");
	/* A facet link narrows the search. */
	ck_assert_contains(r.body, "/search?q=ungdom&amp;type=experiment");
	http_resp_free(&r);

	r = http_get(srv.port, "/search?q=%22%3Cscript%3E");
	ck_assert_not_contains(r.body, "<script");
	http_resp_free(&r);

	r = http_get(srv.port, "/search?q=since:2025-13-45");
	ck_assert_int_eq(r.status, 400);
	ck_assert_contains(r.body, "Søket kunne ikke tolkes");
	http_resp_free(&r);

	r = http_get(srv.port, "/search");
	ck_assert_int_eq(r.status, 200);
	http_resp_free(&r);
}
END_TEST

/* ---- Writes ------------------------------------------------------------- */

static http_resp post_json(const char *path, const char *tok, const char *body)
{
	char *h = tok ? sk_printf("Authorization: Bearer %s\r\nContent-Type: application/json\r\n", tok)
		: sk_strdup("Content-Type: application/json\r\n");
	http_resp r = http_req(srv.port, "POST", path, h, body);
	free(h);
	return r;
}

START_TEST(api_log_entry)
{
	const char *entry = "{\"kind\": \"measurement\", \"title\": \"Høstmåling <b>\", "
		"\"date\": \"2025-10-01\", \"measurements\": {\"avbrudd\": 6.1}, "
		"\"body\": \"Færre avbrudd: \\\"klare\\\" tall.\\n\\n---\\ntitle: nope\\n\"}";
	http_resp r = post_json("/api/experiments/losen/log", NULL, entry);
	assert_json_error(&r, 401);
	http_resp_free(&r);
	r = post_json("/api/experiments/losen/log", "wrong-token", entry);
	assert_json_error(&r, 401);
	http_resp_free(&r);

	char *h = sk_printf("Authorization: Bearer %s\r\nContent-Type: text/plain\r\n", token);
	r = http_req(srv.port, "POST", "/api/experiments/losen/log", h, entry);
	assert_json_error(&r, 415);
	http_resp_free(&r);
	free(h);

	r = post_json("/api/experiments/losen/log", token, "{\"kind\": \"observation\",");
	assert_json_error(&r, 400);
	ck_assert_contains(r.body, "line 1");
	http_resp_free(&r);
	r = post_json("/api/experiments/losen/log", token, "[1, 2]");
	assert_json_error(&r, 400);
	http_resp_free(&r);
	r = post_json("/api/experiments/losen/log", token, "{\"kind\": \"measurement\", "
		"\"measurements\": {\"no-such-metric\": 1}}");
	assert_json_error(&r, 400);
	ck_assert_contains(r.body, "no-such-metric");
	http_resp_free(&r);
	r = post_json("/api/experiments/losen/log", token, "{\"kind\": \"guess\"}");
	assert_json_error(&r, 400);
	http_resp_free(&r);
	r = post_json("/api/experiments/losen/log", token, "{\"kind\": \"observation\", \"author\": \"Someone Else\"}");
	assert_json_error(&r, 400);
	http_resp_free(&r);
	r = post_json("/api/experiments/losen/log", token, "{\"kind\": \"observation\", \"date\": \"2025-02-30\"}");
	assert_json_error(&r, 400);
	http_resp_free(&r);
	r = post_json("/api/experiments/no-such-exp/log", token, entry);
	assert_json_error(&r, 404);
	http_resp_free(&r);
	r = post_json("/api/experiments/tromso/log", token, entry);
	assert_json_error(&r, 404);
	http_resp_free(&r);
	r = post_json("/api/experiments/..%2f..%2fetc/log", token, entry);
	ck_assert(r.status == 404 || r.status == 400);
	http_resp_free(&r);

	r = post_json("/api/experiments/losen/log", token, entry);
	ck_assert_msg(r.status == 201, "%d: %s", r.status, r.body);
	json_t *v = json_body(&r);
	check_schema(v, "Created");
	const char *id = json_string_value(json_object_get(v, "id"));
	ck_assert_msg(strncmp(id, "2025-10-01-", 11) == 0 && strlen(id) == 17, "id %s", id);
	char *loc = http_header(&r, "Location");
	char *want = sk_printf("/api/records/%s", id);
	ck_assert_str_eq(loc, want);
	free(want);
	free(loc);
	char *rid = strdup(id);
	char *commit = strdup(json_string_value(json_object_get(v, "commit")));
	json_decref(v);
	http_resp_free(&r);

	/* One commit, by the token's member, holding the file. */
	sk_run_result g = sk_test_run(kb, NULL, "git log -1 --format='%%H %%an <%%ae>' && git status --porcelain");
	char *line = sk_printf("%s Kari Nordmann <kari@example.no>\n", commit);
	ck_assert_str_eq(g.out, line);
	free(line);
	sk_run_result_free(&g);

	/* It reads back as written: the body's quotes and its '---' stay body. */
	char *p = sk_printf("/api/records/%s", rid);
	r = http_get(srv.port, p);
	ck_assert_int_eq(r.status, 200);
	v = json_body(&r);
	json_t *front = json_object_get(v, "front");
	ck_assert_str_eq(json_string_value(json_object_get(front, "author")), "Kari Nordmann");
	ck_assert_str_eq(json_string_value(json_object_get(front, "title")), "Høstmåling <b>");
	ck_assert_double_eq_tol(json_number_value(json_object_get(json_object_get(front, "measurements"), "avbrudd")), 6.1, 1e-9);
	ck_assert_contains(json_string_value(json_object_get(v, "body")), "\"klare\"");
	ck_assert(json_object_get(front, "nope") == NULL);
	json_decref(v);
	http_resp_free(&r);
	free(p);

	/* On the experiment's page, escaped; and found by search at once. */
	r = http_get(srv.port, "/records/losen");
	ck_assert_contains(r.body, "Høstmåling &lt;b&gt;");
	http_resp_free(&r);
	r = http_get(srv.port, "/api/search?q=h%C3%B8stm%C3%A5ling");
	v = json_body(&r);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "total")), 1);
	json_decref(v);
	http_resp_free(&r);

	/* History of the experiment: the first commit and this one. */
	r = http_get(srv.port, "/api/records/losen/history");
	ck_assert_int_eq(r.status, 200);
	v = json_body(&r);
	check_schema(v, "History");
	json_t *commits = json_object_get(v, "commits");
	ck_assert_uint_eq(json_array_size(commits), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(commits, 0), "commit")), commit);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(commits, 0), "author")), "Kari Nordmann");
	json_decref(v);
	http_resp_free(&r);
	r = http_get(srv.port, "/records/losen");
	ck_assert_contains(r.body, "Historikk");
	ck_assert_contains(r.body, "Første versjon");
	http_resp_free(&r);
	r = http_get(srv.port, "/api/records/nope/history");
	assert_json_error(&r, 404);
	http_resp_free(&r);
	free(rid);
	free(commit);
}
END_TEST

START_TEST(api_create_record)
{
	const char *rec = "{\"type\": \"case\", \"id\": \"ny-case\", "
		"\"front\": {\"title\": \"Ny case\", \"kommuner\": [\"tromso\"], \"tags\": [\"ny\"]}, "
		"\"body\": \"# Ny case\\n\\nOm [[losen]].\\n\"}";
	http_resp r = post_json("/api/records", NULL, rec);
	assert_json_error(&r, 401);
	http_resp_free(&r);
	r = post_json("/api/records", token, rec);
	ck_assert_msg(r.status == 201, "%d: %s", r.status, r.body);
	json_t *v = json_body(&r);
	check_schema(v, "Created");
	ck_assert_str_eq(json_string_value(json_object_get(v, "path")), "cases/ny-case.md");
	json_decref(v);
	http_resp_free(&r);
	char *f = sk_test_read(kb, "cases/ny-case.md");
	ck_assert_contains(f, "title: \"Ny case\"");
	free(f);

	/* Again: the id is taken (also when another type has it). */
	r = post_json("/api/records", token, rec);
	assert_json_error(&r, 409);
	http_resp_free(&r);
	r = post_json("/api/records", token, "{\"type\": \"challenge\", \"id\": \"losen\", "
		"\"front\": {\"title\": \"X\", \"status\": \"active\"}}");
	assert_json_error(&r, 409);
	http_resp_free(&r);

	static const char *const bad[] = {
		"{\"type\": \"case\", \"id\": \"../../etc/x\", \"front\": {}}",
		"{\"type\": \"case\", \"id\": \"/etc/x\", \"front\": {}}",
		"{\"type\": \"log\", \"id\": \"x\", \"front\": {}}",
		"{\"type\": \"partnership\", \"id\": \"partnership\", \"front\": {}}",
		"{\"type\": \"case\", \"id\": \"y\"}",
		"{\"type\": \"case\", \"id\": \"y\", \"front\": {\"status\": \"bogus\"}}",
		"{\"type\": \"experiment\", \"id\": \"z\", \"front\": {\"title\": \"Z\"}}",
		"{\"type\": \"case\", \"id\": \"y\", \"type\": \"case\", \"front\": {}}",
		"not json",
		"{\"type\": \"case\", \"id\": \"\xff\", \"front\": {}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		r = post_json("/api/records", token, bad[i]);
		ck_assert_msg(r.status == 400, "%s: %d %s", bad[i], r.status, r.body);
		assert_json_error(&r, 400);
		http_resp_free(&r);
	}
	char *y = sk_printf("%s/cases/y.md", kb);
	ck_assert_int_eq(access(y, F_OK), -1);
	free(y);

	r = http_get(srv.port, "/api/records/ny-case/links");
	v = json_body(&r);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(v, "links"), 0), "target")), "tromso");
	json_decref(v);
	http_resp_free(&r);
}
END_TEST

START_TEST(form_log_entry)
{
	const char *form = "Content-Type: application/x-www-form-urlencoded\r\n";
	char *same = sk_printf("%sOrigin: http://127.0.0.1:%d\r\n", form, srv.port);
	char *body = sk_printf("token=%s&next=%%2Frecords%%2Flosen", token);
	http_resp r = http_req(srv.port, "POST", "/login", same, body);
	ck_assert_int_eq(r.status, 303);
	char *cookie = http_header(&r, "Set-Cookie");
	http_resp_free(&r);
	char *c = sk_printf("Cookie: %.*s\r\n", (int)strcspn(cookie, ";"), cookie);

	r = http_req(srv.port, "GET", "/records/losen", c, NULL);
	ck_assert_contains(r.body, "action=\"/records/losen/log\"");
	ck_assert_contains(r.body, "name=\"m-avbrudd\"");
	char *csrf = form_value(r.body, "csrf");
	ck_assert_ptr_nonnull(csrf);
	http_resp_free(&r);

	char *h = sk_printf("%s%s", same, c);
	char *entry = sk_printf("csrf=%s&title=Fra+skjemaet&date=2025-11-02&kind=observation"
		"&m-avbrudd=&body=Linje+en%%0D%%0ALinje+to+%%3Cscript%%3E", csrf);
	/* Without the CSRF token, and from another site: refused. */
	char *nocsrf = strstr(entry, "&") + 1;
	r = http_req(srv.port, "POST", "/records/losen/log", h, nocsrf);
	ck_assert_int_eq(r.status, 403);
	http_resp_free(&r);
	char *xs = sk_printf("%s%sSec-Fetch-Site: cross-site\r\n", form, c);
	r = http_req(srv.port, "POST", "/records/losen/log", xs, entry);
	ck_assert_int_eq(r.status, 403);
	http_resp_free(&r);
	/* Not logged in. */
	r = http_req(srv.port, "POST", "/records/losen/log", same, entry);
	ck_assert_int_eq(r.status, 401);
	http_resp_free(&r);

	r = http_req(srv.port, "POST", "/records/losen/log", h, entry);
	ck_assert_msg(r.status == 303, "%d %s", r.status, r.body);
	char *loc = http_header(&r, "Location");
	ck_assert(strncmp(loc, "/records/losen#2025-11-02-", 26) == 0);
	http_resp_free(&r);
	r = http_get(srv.port, "/records/losen");
	ck_assert_contains(r.body, "Fra skjemaet");
	/* Raw HTML in the Markdown is left out by cmark's safe mode. */
	ck_assert_contains(r.body, "Linje to");
	ck_assert_not_contains(r.body, "<script");
	http_resp_free(&r);
	sk_run_result g = sk_test_run(kb, NULL, "git log -1 --format='%%an|%%s'");
	ck_assert_str_eq(g.out, "Kari Nordmann|log: losen: Fra skjemaet\n");
	sk_run_result_free(&g);
	char *fpath = sk_printf("experiments/losen/log/%s.md", loc + strlen("/records/losen#"));
	char *file = sk_test_read(kb, fpath);
	ck_assert_ptr_nonnull(file);
	ck_assert_not_contains(file, "\r");
	free(file);
	free(fpath);

	free(loc);
	free(xs);
	free(entry);
	free(h);
	free(csrf);
	free(c);
	free(cookie);
	free(body);
	free(same);
}
END_TEST

/* ---- Status ------------------------------------------------------------ */

START_TEST(status_api_and_page)
{
	http_resp r = http_get(srv.port, "/api/status?today=2025-12-01&since=2025-01-01");
	ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
	json_t *v = json_body(&r);
	check_schema(v, "Status");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(v, "totals"), "experiments")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(v, "totals"), "running")), 1);
	json_decref(v);
	http_resp_free(&r);

	r = http_get(srv.port, "/api/status?kommune=tromso");
	ck_assert_int_eq(r.status, 200);
	http_resp_free(&r);
	r = http_get(srv.port, "/api/status?since=2025-02-30");
	assert_json_error(&r, 400);
	http_resp_free(&r);
	r = http_get(srv.port, "/api/status?kommune=atlantis");
	assert_json_error(&r, 400);
	http_resp_free(&r);

	r = http_get(srv.port, "/status");
	ck_assert_int_eq(r.status, 200);
	assert_security_headers(&r);
	ck_assert_contains(r.body, "Statusoversikt");
	ck_assert_contains(r.body, "<option value=\"tromso\">Tromsø</option>");
	ck_assert_contains(r.body, "Losen &lt;script&gt;");
	ck_assert_not_contains(r.body, "<script");
	http_resp_free(&r);
	r = http_get(srv.port, "/status?since=nope");
	ck_assert_int_eq(r.status, 400);
	http_resp_free(&r);
}
END_TEST

/* ---- Models ------------------------------------------------------------ */

START_TEST(api_models)
{
	http_resp r = http_get(srv.port, "/api/models/omsorg/run?scenario=tiltak");
	ck_assert_int_eq(r.status, 200);
	json_t *v = json_body(&r);
	check_schema(v, "ModelRun");
	json_t *times = json_object_get(v, "times");
	ck_assert_uint_eq(json_array_size(times), 11);
	json_t *vals = json_object_get(json_array_get(json_object_get(v, "series"), 0), "values");
	/* 100 growing 1 % a year for ten years. */
	ck_assert_double_eq_tol(json_number_value(json_array_get(vals, 10)), 100 * pow(1.01, 10), 1e-6);
	json_decref(v);
	http_resp_free(&r);

	r = http_get(srv.port, "/api/models/omsorg/compare?scenarios=baseline,tiltak&vars=Brukere");
	ck_assert_int_eq(r.status, 200);
	v = json_body(&r);
	check_schema(v, "ModelCompare");
	json_t *per = json_object_get(json_array_get(json_object_get(v, "variables"), 0), "scenarios");
	ck_assert_uint_eq(json_array_size(per), 2);
	double base = json_number_value(json_array_get(json_object_get(json_array_get(per, 0), "values"), 10));
	double tilt = json_number_value(json_array_get(json_object_get(json_array_get(per, 1), "values"), 10));
	ck_assert_double_eq_tol(base, 100 * pow(1.02, 10), 1e-6);
	ck_assert_double_eq_tol(tilt, 100 * pow(1.01, 10), 1e-6);
	json_decref(v);
	http_resp_free(&r);

	r = http_get(srv.port, "/api/models/omsorg/run?scenario=nope");
	assert_json_error(&r, 400);
	ck_assert_contains(r.body, "baseline, tiltak");
	http_resp_free(&r);
	r = http_get(srv.port, "/api/models/omsorg/run?vars=nope");
	assert_json_error(&r, 400);
	http_resp_free(&r);
	r = http_get(srv.port, "/api/models/losen/run");
	assert_json_error(&r, 404);
	http_resp_free(&r);
	r = http_get(srv.port, "/api/models/..%2fsamskap/run");
	assert_json_error(&r, 404);
	http_resp_free(&r);
}
END_TEST

START_TEST(model_pages)
{
	http_resp r = http_get(srv.port, "/models");
	ck_assert_int_eq(r.status, 200);
	ck_assert_contains(r.body, "Omsorgsbehov &lt;b&gt;");
	http_resp_free(&r);

	r = http_get(srv.port, "/models/omsorg?s-tiltak=on");
	ck_assert_int_eq(r.status, 200);
	ck_assert_contains(r.body, "<svg");
	ck_assert_contains(r.body, "Med tiltak");
	ck_assert_not_contains(r.body, "<b>");
	ck_assert_not_contains(r.body, "<script");
	http_resp_free(&r);

	/* The experiment linking the model shows its chart. */
	r = http_get(srv.port, "/records/losen");
	ck_assert_contains(r.body, "<svg");
	ck_assert_contains(r.body, "Med tiltak");
	http_resp_free(&r);
}
END_TEST

/* ---- Start-up and shutdown ---------------------------------------------- */

START_TEST(refuses_readable_tokens)
{
	make_kb();
	char *path = sk_printf("%s/tokens", kb);
	chmod(path, 0644);
	test_server s;
	int st = 0;
	ck_assert_int_eq(test_server_start(&s, kb, "--tokens tokens", &st), -1);
	ck_assert_int_eq(st, 1);
	char *err = sk_test_read(kb, "serve.err");
	ck_assert_contains(err, "chmod 600");
	free(err);
	test_server_stop(&s);

	/* A malformed line is named with its line number. */
	chmod(path, 0600);
	sk_test_write(kb, "tokens", "# members\nKari <kari@example.no> : abc\n");
	chmod(path, 0600);
	ck_assert_int_eq(test_server_start(&s, kb, "--tokens tokens", &st), -1);
	err = sk_test_read(kb, "serve.err");
	ck_assert_contains(err, "tokens:2:");
	free(err);
	test_server_stop(&s);
	free(path);
	sk_test_rmtree(kb);
	free(kb);
	free(token);
	kb = token = NULL;
}
END_TEST

/* The defaults and the index's freshness: a 1 MiB body limit without
 * --max-body, a client that stops mid-request dropped after --timeout, a
 * commit made by the CLI beside the server searchable within seconds, and
 * a write through the API authored by the token's member. */
START_TEST(defaults_timeout_and_freshness)
{
	make_kb();
	test_server s;
	int st = 0;
	ck_assert_int_eq(test_server_start(&s, kb, "--tokens tokens --timeout 1", &st), 0);

	/* Over 1 MiB announced: 413 before reading; just under: read (and
	 * refused for what it says, not for its size). */
	sk_buf req = SK_BUF_INIT;
	sk_buf_printf(&req, "POST /api/records HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n", 1024 * 1024 + 1);
	http_resp r = http_raw(s.port, req.data, req.len);
	ck_assert_int_eq(r.status, 413);
	http_resp_free(&r);
	sk_buf_free(&req);
	char *body = malloc(1000 * 1000 + 1);
	memset(body, ' ', 1000 * 1000);
	body[1000 * 1000] = '\0';
	char *auth = auth_header(token);
	r = http_req(s.port, "POST", "/api/records", auth, body);
	ck_assert_msg(r.status == 400 || r.status == 415, "%d: %s", r.status, r.body ? r.body : "");
	http_resp_free(&r);
	free(body);

	/* A slow client: half a request, then silence; closed after 1 s. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { 0 };
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)s.port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	const char *half = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n";
	ck_assert_int_eq(write(fd, half, strlen(half)), (ssize_t)strlen(half));
	struct timeval tv = { 10, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	char buf[256];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ssize_t got = read(fd, buf, sizeof buf);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	(void)got;   /* closed (0), or an error answer before closing */
	ck_assert_msg(waited >= 0.5 && waited < 9, "the slow client was kept %.1f s (timeout 1 s)", waited);
	close(fd);

	/* A commit from the CLI, beside the running server. */
	sk_run_result c = sk_test_run(kb, NULL, "SAMSKAP_AUTHOR='Ola Nordmann <ola@example.no>' "
		"%s log losen -m 'Fra kommandolinjen om snekkerverksted.'", SAMSKAP_BIN);
	ck_assert_msg(c.status == 0, "%s", c.err);
	sk_run_result_free(&c);
	int found = 0;
	for (int i = 0; i < 100 && !found; i++) {
		r = http_get(s.port, "/api/search?q=snekkerverksted");
		found = r.status == 200 && r.body && strstr(r.body, "\"total\": 1") != NULL;
		http_resp_free(&r);
		if (!found)
			usleep(100 * 1000);
	}
	ck_assert_msg(found, "the CLI's commit never became searchable through the server");

	/* The API's write is the token's member's commit. */
	char *hdr = sk_printf("Content-Type: application/json\r\n%s", auth);
	r = http_req(s.port, "POST", "/api/records", hdr,
		"{\"type\": \"case\", \"id\": \"forfatter\", \"front\": {\"title\": \"Forfatter\"}}");
	ck_assert_msg(r.status == 201, "%d: %s", r.status, r.body);
	http_resp_free(&r);
	free(hdr);
	c = sk_test_run(kb, NULL, "git log -1 --format='%%an <%%ae>' -- cases/forfatter.md");
	ck_assert_str_eq(c.out, "Kari Nordmann <kari@example.no>\n");
	sk_run_result_free(&c);
	free(auth);

	ck_assert_int_eq(test_server_stop(&s), 0);
	check_server_log(kb);
	sk_test_rmtree(kb);
	free(kb);
	free(token);
	kb = token = NULL;
}
END_TEST

START_TEST(stops_cleanly)
{
	make_kb();
	test_server s;
	int st;
	ck_assert_int_eq(test_server_start(&s, kb, "", &st), 0);
	http_resp r = http_get(s.port, "/");
	ck_assert_int_eq(r.status, 200);
	http_resp_free(&r);
	ck_assert_int_eq(test_server_stop(&s), 0);
	/* Without a tokens file every write is refused. */
	sk_test_rmtree(kb);
	free(kb);
	free(token);
	kb = token = NULL;
}
END_TEST

START_TEST(hash_token)
{
	/* SHA-256 of "abc" (FIPS 180-2, appendix B.1). */
	sk_run_result r = sk_test_run(NULL, "abc\n", "%s serve --hash-token", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");
	sk_run_result_free(&r);
	r = sk_test_run(NULL, NULL, "%s token add --tokens /nonexistent/dir/t 'X <x@y.z>'", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	sk_run_result_free(&r);
	char *d = sk_test_tmpdir();
	r = sk_test_run(d, NULL, "%s token add --tokens t 'no email here'", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "Name <email>");
	sk_run_result_free(&r);
	sk_test_rmtree(d);
	free(d);
}
END_TEST

/* --sync-every: commits from the hub come in and are searchable; the
 * server's own writes go out. */
START_TEST(sync_every)
{
	make_kb();
	char *hub = sk_test_tmpdir();
	char *other = sk_test_tmpdir();
	sk_run_result g = sk_test_run(NULL, NULL,
		"git init -q --bare -b main '%s/hub.git' && cd '%s' && git remote add origin '%s/hub.git' && "
		"git push -q origin main && git clone -q '%s/hub.git' '%s/clone' && cd '%s/clone' && "
		"printf -- '---\ntitle: Fra huben\nkommuner: [tromso]\n---\n\nSkrevet i en annen kommune.\n' "
		"> cases/fra-huben.md && git add -A && "
		"git -c user.name=Ola -c user.email=ola@example.no commit -qm 'case: fra-huben' && git push -q",
		hub, kb, hub, hub, other, other);
	ck_assert_msg(g.status == 0, "git: %s", g.err);
	sk_run_result_free(&g);
	test_server s;
	int st;
	ck_assert_int_eq(test_server_start(&s, kb, "--tokens tokens --sync-every 1", &st), 0);
	int found = 0;
	for (int i = 0; i < 100 && !found; i++) {
		http_resp r = http_get(s.port, "/api/search?q=huben");
		json_t *v = r.status == 200 ? json_body(&r) : NULL;
		found = v && json_integer_value(json_object_get(v, "total")) == 1;
		json_decref(v);
		http_resp_free(&r);
		if (!found)
			usleep(200000);
	}
	ck_assert_msg(found, "the hub's commit was not synced and indexed within 20 s");

	char *h = sk_printf("Authorization: Bearer %s\r\nContent-Type: application/json\r\n", token);
	http_resp r = http_req(s.port, "POST", "/api/experiments/losen/log", h,
		"{\"kind\": \"observation\", \"title\": \"Til huben\"}");
	ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
	http_resp_free(&r);
	free(h);
	int pushed = 0;
	for (int i = 0; i < 100 && !pushed; i++) {
		g = sk_test_run(NULL, NULL, "git --git-dir='%s/hub.git' log -1 --format=%%s main", hub);
		pushed = sk_test_contains(g.out, "log: losen: Til huben");
		sk_run_result_free(&g);
		if (!pushed)
			usleep(200000);
	}
	ck_assert_msg(pushed, "the server's write did not reach the hub within 20 s");
	ck_assert_int_eq(test_server_stop(&s), 0);
	check_server_log(kb);
	sk_test_rmtree(hub);
	sk_test_rmtree(other);
	sk_test_rmtree(kb);
	free(hub);
	free(other);
	free(kb);
	free(token);
	kb = token = NULL;
}
END_TEST

static Suite *server_suite(void)
{
	Suite *s = suite_create("server");
	TCase *live = tcase_create("live");
	tcase_add_unchecked_fixture(live, setup, teardown);
	tcase_set_timeout(live, 60);
	tcase_add_test(live, home_page);
	tcase_add_test(live, api_index_and_openapi);
	tcase_add_test(live, not_found_and_method);
	tcase_add_test(live, bearer_tokens);
	tcase_add_test(live, oversize_body);
	tcase_add_test(live, traversal_and_bad_input);
	tcase_add_test(live, login_logout_csrf);
	tcase_add_test(live, api_records);
	tcase_add_test(live, record_pages_escape);
	tcase_add_test(live, api_models);
	tcase_add_test(live, model_pages);
	tcase_add_test(live, status_api_and_page);
	tcase_add_test(live, api_search);
	tcase_add_test(live, search_page);
	tcase_add_test(live, api_log_entry);
	tcase_add_test(live, api_create_record);
	tcase_add_test(live, form_log_entry);
	suite_add_tcase(s, live);

	TCase *life = tcase_create("lifecycle");
	tcase_set_timeout(life, 60);
	tcase_add_test(life, refuses_readable_tokens);
	tcase_add_test(life, stops_cleanly);
	tcase_add_test(life, defaults_timeout_and_freshness);
	tcase_add_test(life, hash_token);
	tcase_add_test(life, sync_every);
	suite_add_tcase(s, life);
	return s;
}

int main(void)
{
	return sk_test_main(server_suite());
}

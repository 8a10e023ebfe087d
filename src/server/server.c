/* The server: libmicrohttpd's daemon with a thread pool, the life of one
 * request (body limit, dispatch, response with security headers), and the
 * mapping from error codes to HTTP statuses. */
#include "server_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* Sent with every response we make. Scripts may not run at all (the pages
 * work without JavaScript); styles come from /style.css, plus the inline
 * presentation of SVG charts; nothing may frame the pages. */
static const char csp[] =
	"default-src 'self'; script-src 'none'; object-src 'none'; "
	"style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static const char *const security_headers[][2] = {
	{ "Content-Security-Policy", csp },
	{ "X-Content-Type-Options", "nosniff" },
	{ "Referrer-Policy", "no-referrer" },
	{ "X-Frame-Options", "DENY" },
	{ "Cross-Origin-Opener-Policy", "same-origin" },
	{ "Cache-Control", "no-store" },
};

int sk_server__status_of(int code)
{
	switch (code) {
	case 0: return 200;
	case SK_ENOTFOUND: return 404;
	case SK_EINVALID: return 400;
	case SK_EUSAGE: return 400;
	case SK_EEXISTS: return 409;
	case SK_ECONFLICT: return 409;
	case SK_EAUTH: return 401;
	case SK_ETOOBIG: return 413;
	case SK_EUNSUPPORTED: return 415;
	default: return 500;
	}
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	default: return "Internal Server Error";
	}
}

/* Norwegian headings for the HTML error page. */
static const char *reason_nb(int status)
{
	switch (status) {
	case 400: return "Ugyldig forespørsel";
	case 401: return "Du må logge inn";
	case 403: return "Ikke tillatt";
	case 404: return "Fant ikke siden";
	case 405: return "Metoden er ikke tillatt";
	case 409: return "Konflikt";
	case 413: return "For stor forespørsel";
	case 415: return "Ukjent innholdstype";
	default: return "Noe gikk galt på tjeneren";
	}
}

int sk_server__fail(sk_req *r, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sk_error_setv(SK_EINVALID, fmt, ap);
	va_end(ap);
	r->fail_status = status;
	return SK_EINVALID;
}

void sk_server__header(sk_req *r, const char *name, const char *value)
{
	r->headers = sk_realloc(r->headers, sk_mul_size(r->n_headers + 1, sizeof *r->headers));
	r->headers[r->n_headers].name = sk_strdup(name);
	r->headers[r->n_headers].value = sk_strdup(value);
	r->n_headers++;
}

void sk_server__json(sk_req *r, int status, json_t *v)
{
	char *text = json_dumps(v, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
	json_decref(v);
	sk_buf_clear(&r->out);
	if (text) {
		sk_buf_puts(&r->out, text);
		sk_buf_putc(&r->out, '\n');
		free(text);
	}
	r->status = status;
	r->ctype = "application/json";
}

void sk_server__error(sk_req *r, int status, const char *message)
{
	if (r->api || status == 413 || status == 415) {
		json_t *e = json_pack("{s:{s:i,s:s}}", "error", "status", status,
			"message", message && *message ? message : reason(status));
		sk_server__json(r, status, e);
		return;
	}
	sk_buf_clear(&r->out);
	sk_server__page_begin(r, reason_nb(status));
	sk_buf_puts(&r->out, "<h1>");
	sk_server__esc(&r->out, reason_nb(status));
	sk_buf_puts(&r->out, "</h1>\n<p class=\"error\">");
	sk_server__esc(&r->out, message && *message ? message : reason(status));
	sk_buf_puts(&r->out, "</p>\n<p><a href=\"/\">Til forsiden</a></p>\n");
	sk_server__page_end(r, status);
}

const char *sk_server__header_in(sk_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *sk_server__query(sk_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *sk_server__cookie(sk_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

struct query_check {
	int bad;
	char name[64];
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind,
	const char *key, const char *value)
{
	struct query_check *qc = cls;
	(void)kind;
	if (!sk_utf8_valid(key, strlen(key), NULL) ||
		(value && !sk_utf8_valid(value, strlen(value), NULL))) {
		qc->bad = 1;
		snprintf(qc->name, sizeof qc->name, "%s",
			sk_utf8_valid(key, strlen(key), NULL) ? key : "?");
		return MHD_NO;
	}
	return MHD_YES;
}

int sk_server__check_query(sk_req *r)
{
	struct query_check qc = { 0, "" };
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_arg, &qc);
	if (qc.bad)
		return sk_server__fail(r, 400,
			"query parameter '%s' is not valid UTF-8", qc.name);
	return 0;
}

/* Queues r's response with the security headers and any extra ones. */
static enum MHD_Result send_response(sk_req *r)
{
	size_t len = r->out.len;
	char *data = sk_buf_detach(&r->out);
	struct MHD_Response *resp;
	if (r->is_head) {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		free(data);
	} else {
		resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	}
	if (!resp)
		return MHD_NO;
	for (size_t i = 0; i < sizeof security_headers / sizeof *security_headers; i++) {
		const char *name = security_headers[i][0];
		int own = 0;
		for (size_t j = 0; j < r->n_headers; j++)
			own |= strcasecmp(r->headers[j].name, name) == 0;
		if (!own)
			MHD_add_response_header(resp, name, security_headers[i][1]);
	}
	MHD_add_response_header(resp, "Content-Type",
		r->ctype ? r->ctype : "text/html; charset=utf-8");
	for (size_t i = 0; i < r->n_headers; i++)
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
	enum MHD_Result ret = MHD_queue_response(r->conn,
		(unsigned)(r->status ? r->status : 200), resp);
	MHD_destroy_response(resp);
	r->responded = 1;
	return ret;
}

/* Runs the handler and turns a failure into its error response. */
static void run(sk_req *r)
{
	if (r->too_big) {
		char msg[128];
		snprintf(msg, sizeof msg, "the request body is larger than %zu bytes",
			r->srv->max_body);
		sk_server__error(r, 413, msg);
		return;
	}
	sk_error_clear();
	int rc = sk_server__dispatch(r);
	if (rc == 0)
		return;
	int status = r->fail_status ? r->fail_status : sk_server__status_of(rc);
	if (status == 401)
		sk_server__header(r, "WWW-Authenticate", "Bearer realm=\"samskap\"");
	const char *msg = sk_error_last();
	if (status == 500)
		fprintf(stderr, "samskap serve: %s %s: %s\n", r->method, r->path, msg);
	sk_server__error(r, status, msg);
}

static void req_free(sk_req *r)
{
	if (!r)
		return;
	free(r->path);
	for (size_t i = 0; i < r->n_params; i++)
		free(r->params[i]);
	sk_buf_free(&r->body);
	sk_buf_free(&r->out);
	for (size_t i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	json_decref(r->form);
	sk_kb_free(r->kb);
	free(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
	const char *url, const char *method, const char *version,
	const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	sk_server *srv = cls;
	sk_req *r = *con_cls;
	(void)version;
	if (!r) {
		r = sk_calloc(1, sizeof *r);
		r->srv = srv;
		r->conn = conn;
		r->method = method;
		r->path = sk_strdup(url);
		r->member = -1;
		r->is_head = strcmp(method, "HEAD") == 0;
		r->api = strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0;
		*con_cls = r;
		/* Refuse a body announced too large before reading any of it. */
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
			"Content-Length");
		if (cl) {
			errno = 0;
			char *end;
			unsigned long long n = strtoull(cl, &end, 10);
			if (errno || *end || n > srv->max_body) {
				r->too_big = 1;
				run(r);
				return send_response(r);
			}
		}
		return MHD_YES;
	}
	r->conn = conn;
	if (*upload_data_size) {
		if (!r->responded) {
			if (r->too_big || r->body.len + *upload_data_size > srv->max_body) {
				/* Read and drop the rest, then answer 413. */
				r->too_big = 1;
			} else {
				sk_buf_put(&r->body, upload_data, *upload_data_size);
			}
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->responded)
		return MHD_YES;
	run(r);
	return send_response(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	req_free(*con_cls);
	*con_cls = NULL;
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("samskap serve: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* Finds the folder holding samskap.json at or above path. */
static int find_kb_root(char **out, const char *path)
{
	char *dir = realpath(path, NULL);
	*out = NULL;
	if (!dir)
		return sk_error_set(SK_ENOTFOUND, "%s: %s", path, strerror(errno));
	for (;;) {
		char *f = sk_path_join(dir, "samskap.json");
		int found = sk_path_exists(f);
		free(f);
		if (found) {
			*out = dir;
			return 0;
		}
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir) {
			free(dir);
			return sk_error_set(SK_ENOTFOUND,
				"%s: not in a knowledge base (no samskap.json here or above)", path);
		}
		*slash = '\0';
	}
}

/* Brings the index up to date before the first request, so that it does
 * not wait, and so that a KB whose index cannot be made fails now. */
static int index_first(sk_server *srv)
{
	sk_kb *kb = NULL;
	sk_index *ix = NULL;
	int rc = sk_kb_open(&kb, srv->kb_root);
	if (rc == 0)
		rc = sk_index_open(&ix, kb, NULL);
	if (rc == 0)
		rc = sk_server__index_refresh(srv, ix, 1);
	sk_index_free(ix);
	sk_kb_free(kb);
	return rc;
}

int sk_server_start(sk_server **out, const sk_server_opts *opts)
{
	sk_server *srv = sk_calloc(1, sizeof *srv);
	/* libgit2 stays set up while the server's threads live (store.h). */
	sk_store_lib_hold();
	int rc = 0;
	*out = NULL;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->update_lock, NULL);
	pthread_key_create(&srv->thread_key, sk_server__thread_handles_free);
	pthread_cond_init(&srv->sync_cond, NULL);
	srv->max_body = opts->max_body ? opts->max_body : SK_SERVER_MAX_BODY;
	rc = find_kb_root(&srv->kb_root, opts->kb_path ? opts->kb_path : ".");
	if (rc < 0)
		goto done;
	if (opts->tokens_file) {
		rc = sk_server__tokens_load(srv, opts->tokens_file);
		if (rc < 0)
			goto done;
	}

	rc = index_first(srv);
	if (rc < 0)
		goto done;

	const char *bind = opts->bind ? opts->bind : SK_SERVER_BIND;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	int port = opts->port == 0 ? SK_SERVER_PORT : opts->port < 0 ? 0 : opts->port;
	if (port > 65535) {
		rc = sk_error_set(SK_EINVALID, "port %d is out of range (1-65535)", port);
		goto done;
	}
	int ipv6 = 0;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, bind, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, bind, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		ipv6 = 1;
	} else {
		rc = sk_error_set(SK_EINVALID,
			"--bind %s: not an IPv4 or IPv6 address (e.g. 127.0.0.1 or ::1)", bind);
		goto done;
	}
	unsigned threads = opts->threads ? opts->threads : SK_SERVER_THREADS;
	unsigned timeout = opts->timeout ? opts->timeout : SK_SERVER_TIMEOUT;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (ipv6)
		flags |= MHD_USE_IPv6;
	srv->daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL,
		on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, on_log, srv,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_TIMEOUT, timeout,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_END);
	if (!srv->daemon) {
		rc = sk_error_set(SK_EIO, "cannot listen on %s port %d (in use, or not an address of this machine?)",
			bind, port);
		goto done;
	}
	srv->sync_every = opts->sync_every;
	if (srv->sync_every && (rc = sk_server__sync_start(srv)) < 0)
		goto done;
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon,
		MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : port;
	srv->url = ipv6 ? sk_printf("http://[%s]:%d/", bind, srv->port)
		: sk_printf("http://%s:%d/", bind, srv->port);
done:
	if (rc < 0) {
		sk_server_free(srv);
		return rc;
	}
	*out = srv;
	return 0;
}

int sk_server_port(const sk_server *srv)
{
	return srv->port;
}

const char *sk_server_url(const sk_server *srv)
{
	return srv->url;
}

void sk_server_free(sk_server *srv)
{
	if (!srv)
		return;
	sk_server__sync_stop(srv);
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	sk_server__members_free(srv);
	free(srv->sessions);
	pthread_mutex_destroy(&srv->lock);
	pthread_mutex_destroy(&srv->update_lock);
	pthread_key_delete(srv->thread_key);
	pthread_cond_destroy(&srv->sync_cond);
	free(srv->kb_root);
	free(srv->url);
	free(srv);
	sk_store_lib_release();
}

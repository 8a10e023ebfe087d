/* Private to the server module: the server, one request's context, the
 * route table, and the helpers handlers share.
 *
 * Threads (STYLE.md 12): MHD runs handlers on a pool of threads. The only
 * state they share is the sk_server, whose mutable parts (sessions, the
 * last indexed commit) sit behind its mutex; everything a handler opens
 * (the KB, the store, the index) belongs to its own request. */
#ifndef SK_SERVER_INT_H
#define SK_SERVER_INT_H

#include "samskap/index.h"
#include "samskap/record.h"
#include "samskap/server.h"
#include "samskap/store.h"
#include "samskap/util.h"

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* One member from the tokens file. */
typedef struct sk_member {
	char *name;
	char *email;
	char hash[65];
} sk_member;

/* One logged-in browser: the cookie's value (hashed: a leaked memory dump
 * does not hand out sessions), the CSRF token its forms carry, its member. */
typedef struct sk_session {
	char id_hash[65];
	char csrf[44];
	size_t member;
	time_t expires;
} sk_session;

struct sk_server {
	struct MHD_Daemon *daemon;
	char *kb_root;         /* absolute, no trailing '/' */
	char *url;
	int port;
	size_t max_body;
	sk_member *members;
	size_t n_members;
	pthread_mutex_t update_lock; /* one index update at a time */
	pthread_mutex_t lock;  /* guards what follows */
	sk_session *sessions;
	size_t n_sessions, cap_sessions;
	time_t head_checked;   /* when HEAD was last looked at */
	/* Guarded by update_lock: */
	char indexed_head[41]; /* the commit the index was last brought up to */
	time_t scanned;        /* outside git: when the folder was last scanned */
	pthread_key_t thread_key; /* each worker's KB and index (search.c) */
	/* The sync thread (sync.c), when --sync-every asked for one. */
	unsigned sync_every;
	int sync_running;
	int sync_stop;          /* guarded by lock; sync_cond wakes the thread */
	pthread_cond_t sync_cond;
	pthread_t sync_thread;
};

/* Extra response headers (Allow, Set-Cookie, Location, ...). */
typedef struct sk_header {
	char *name;
	char *value;
} sk_header;

#define SK_REQ_MAX_PARAMS 4

/* One request, from its first byte to its response. */
typedef struct sk_req {
	sk_server *srv;
	struct MHD_Connection *conn;
	const char *method;      /* borrowed from MHD */
	char *path;              /* the URL's path, percent-decoded by MHD */
	int is_head;             /* a HEAD request: answer as GET, without a body */
	int api;                 /* path under /api/: errors are JSON */
	char *params[SK_REQ_MAX_PARAMS]; /* the route's captured segments */
	size_t n_params;
	sk_buf body;             /* the request body */
	int too_big;             /* the body passed max_body */
	int started;             /* the first call of the access handler is done */
	int responded;           /* a response was queued early */
	/* The member a write acts for (index into srv->members), or -1. */
	long member;
	/* The response. */
	int status;              /* 0 until set; 200 by default */
	const char *ctype;
	sk_buf out;
	sk_header *headers;
	size_t n_headers;
	int fail_status;         /* the HTTP status a failing handler asked for */
	json_t *form;            /* a parsed form body (x-www-form-urlencoded) */
	sk_kb *kb;               /* opened on first use (sk_server__kb) */
} sk_req;

/* A handler fills r's response and returns 0, or returns a negative SK_E
 * code with sk_error_set() called (or sk_server__fail for an HTTP status
 * that has no SK_E code); the dispatcher turns that into the error page or
 * the JSON error body. */
typedef int (*sk_route_fn)(sk_req *r);

typedef struct sk_route {
	const char *method;   /* "GET" (also answers HEAD) or "POST" */
	const char *pattern;  /* "/api/records/:id": ':' captures one segment */
	sk_route_fn run;
	const char *summary;
} sk_route;

/* Handlers (pages.c: HTML; api.c: JSON). */
int sk_server__h_home(sk_req *r);
int sk_server__h_css(sk_req *r);
int sk_server__h_icon(sk_req *r);
int sk_server__h_login_form(sk_req *r);
int sk_server__h_login(sk_req *r);
int sk_server__h_logout(sk_req *r);
int sk_server__h_api_index(sk_req *r);
int sk_server__h_openapi(sk_req *r);
int sk_server__h_me(sk_req *r);
int sk_server__h_api_records(sk_req *r);
int sk_server__h_api_record(sk_req *r);
int sk_server__h_api_links(sk_req *r);
int sk_server__h_records_page(sk_req *r);
int sk_server__h_record_page(sk_req *r);
int sk_server__h_api_model_run(sk_req *r);
int sk_server__h_api_model_compare(sk_req *r);
int sk_server__h_models_page(sk_req *r);
int sk_server__h_model_page(sk_req *r);
int sk_server__h_api_search(sk_req *r);
int sk_server__h_search_page(sk_req *r);
int sk_server__h_api_log(sk_req *r);
int sk_server__h_api_create(sk_req *r);
int sk_server__h_api_history(sk_req *r);
int sk_server__h_log_form(sk_req *r);
int sk_server__h_api_status(sk_req *r);
int sk_server__h_status_page(sk_req *r);

/* The route table (router.c), NULL-terminated by a route with NULL method. */
extern const sk_route sk_server__routes[];

/* Finds r's route and runs it; sets 404 or 405 (with Allow) when none. */
int sk_server__dispatch(sk_req *r);

/* Sets the message and the HTTP status for the error response; returns
 * SK_EINVALID so a handler can `return sk_server__fail(r, 415, "...")`. */
int sk_server__fail(sk_req *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The HTTP status for an SK_E code (the one place they are mapped). */
int sk_server__status_of(int code);

/* Adds a response header (copied). */
void sk_server__header(sk_req *r, const char *name, const char *value);

/* Sets the response to JSON: `v` is stolen. */
void sk_server__json(sk_req *r, int status, json_t *v);

/* Sets the error response for `status` and `message`: JSON under /api/,
 * an HTML page elsewhere. */
void sk_server__error(sk_req *r, int status, const char *message);

/* A request header, query argument or cookie (borrowed from MHD; NULL when
 * absent). */
const char *sk_server__header_in(sk_req *r, const char *name);
const char *sk_server__query(sk_req *r, const char *name);
const char *sk_server__cookie(sk_req *r, const char *name);

/* Validates the query string's values as UTF-8; SK_EINVALID (400) if not. */
int sk_server__check_query(sk_req *r);

/* ---- auth.c ------------------------------------------------------------- */

/* Reads the tokens file into srv->members. */
int sk_server__tokens_load(sk_server *srv, const char *path);
void sk_server__members_free(sk_server *srv);

/* Requires a member for a write: a valid `Authorization: Bearer` token
 * (API) sets r->member; SK_EAUTH (401) otherwise. */
int sk_server__auth_bearer(sk_req *r);

/* Requires a logged-in browser for a form post: a session cookie, a
 * same-origin request (Origin, Sec-Fetch-Site) and the form's csrf field.
 * Sets r->member; 401 when not logged in, 403 for a cross-site request. */
int sk_server__auth_form(sk_req *r);

/* The member name of the session cookie (borrowed from srv), or NULL, and
 * the session's CSRF token into csrf (44 bytes) when there is one. */
const char *sk_server__session_member(sk_req *r, char csrf[44]);

/* Checks a token against the members: index of the member, or -1. Every
 * member's hash is compared in constant time. */
long sk_server__member_of_token(const sk_server *srv, const char *token);

/* Starts a session for member m: its Set-Cookie header on r. */
void sk_server__session_start(sk_req *r, long m);
void sk_server__session_end(sk_req *r);

/* 1 when the request comes from the same origin (or its browser does not
 * say: no Origin and no Sec-Fetch-Site, as curl), 0 when cross-site. */
int sk_server__same_origin(sk_req *r);

/* Constant-time comparison of two equal-length strings: 1 when equal. */
int sk_server__ct_equal(const char *a, const char *b, size_t n);

/* Fills buf with n random bytes from the kernel. */
int sk_server__random(void *buf, size_t n);

/* ---- records.c ---------------------------------------------------------- */

/* The request's KB, opened on first use (borrowed; freed with r). */
int sk_server__kb(sk_req *r, sk_kb **out);
/* 404 unless id is a slug. */
int sk_server__check_id(sk_req *r, const char *id);
/* Loads one record (404 when missing, 500 when its file is broken). */
int sk_server__record(sk_req *r, sk_record **out, const char *id);
/* Loads every record (of one type, or all with SK_TYPE_COUNT). */
int sk_server__records(sk_req *r, sk_record ***recs, size_t *n, sk_record_type type);
/* Norwegian names of types, fields and enum values (static strings). */
const char *sk_server__type_nb(sk_record_type t);
const char *sk_server__label(const char *field);
const char *sk_server__value_nb(const char *v);
/* A link to a record's page (text escaped; the id alone when text NULL). */
void sk_server__record_link(sk_buf *b, const char *id, const char *text);
/* Markdown through cmark's safe renderer, [[id]] made links. */
void sk_server__markdown(sk_buf *b, const char *md);
/* The same, leaving out an opening level-1 heading that repeats title. */
void sk_server__markdown_titled(sk_buf *b, const char *md, const char *title);

/* ---- models.c ----------------------------------------------------------- */

/* On a case's or experiment's page: the linked model's chart (baseline
 * against the record's scenario). Adds nothing when the model fails. */
void sk_server__model_section(sk_req *r, const sk_record *rec);

/* ---- search.c ----------------------------------------------------------- */

/* The worker thread's index (borrowed: it lives as long as the thread),
 * brought up to date when HEAD moved (looked at once a second). */
int sk_server__index(sk_req *r, sk_index **out);
/* The destructor of srv->thread_key. */
void sk_server__thread_handles_free(void *p);
/* Updates ix when due (or when force); one update at a time. */
int sk_server__index_refresh(sk_server *srv, sk_index *ix, int force);
/* Makes the next index use check for changes. */
void sk_server__index_stale(sk_server *srv);
/* After r committed `commit`: updates the index now (errors are left for
 * the next check to retry). */
void sk_server__index_written(sk_req *r, const sk_oid *commit);

/* ---- sync.c ------------------------------------------------------------- */

/* Starts the thread that syncs with "origin" every srv->sync_every
 * seconds; stops it (waiting for a sync under way). */
int sk_server__sync_start(sk_server *srv);
void sk_server__sync_stop(sk_server *srv);

/* ---- write.c ------------------------------------------------------------ */

/* On a record's page: the last commits that touched it (nothing outside git). */
void sk_server__history_section(sk_req *r, const sk_record *rec);

/* ---- html.c ------------------------------------------------------------- */

/* Appends s escaped for HTML text and attribute values. */
void sk_server__esc(sk_buf *b, const char *s);
/* Appends s percent-encoded for a URL query value or path segment. */
void sk_server__urlenc(sk_buf *b, const char *s);
/* Opens a page: doctype, head with title, the header and navigation. */
void sk_server__page_begin(sk_req *r, const char *title);
/* Closes a page and sets the response to it (HTML, status). */
void sk_server__page_end(sk_req *r, int status);

/* The style sheet (/style.css). */
extern const char sk_server__css[];

/* Parses an application/x-www-form-urlencoded body into r->form (an object
 * of strings). SK_EINVALID for invalid UTF-8. */
int sk_server__form_parse(sk_req *r);
const char *sk_server__form(sk_req *r, const char *name);

#endif

/* samskap — server: `samskap serve`, the web pages and the JSON API over
 * one knowledge base, on libmicrohttpd with a thread pool.
 *
 * Ownership: sk_server is freed with sk_server_free (which stops it first);
 * options are borrowed for the length of sk_server_start (strings are
 * copied); what an out-parameter receives is the caller's. */
#ifndef SAMSKAP_SERVER_H
#define SAMSKAP_SERVER_H

#include <stddef.h>

#include "samskap/util.h"

/* Defaults of sk_server_opts (0 or NULL in a field picks these). */
#define SK_SERVER_BIND "127.0.0.1"
#define SK_SERVER_PORT 8080
#define SK_SERVER_THREADS 4
#define SK_SERVER_MAX_BODY (1024 * 1024)
#define SK_SERVER_TIMEOUT 30      /* seconds a slow client may take */
#define SK_SERVER_SESSION_TTL (12 * 3600) /* seconds a login lasts */

typedef struct sk_server_opts {
	const char *kb_path;     /* the KB (or a folder inside it); NULL: "." */
	const char *bind;        /* an IPv4 or IPv6 address; NULL: 127.0.0.1 */
	int port;                /* 0: SK_SERVER_PORT; -1: any free port */
	unsigned threads;        /* 0: SK_SERVER_THREADS */
	const char *tokens_file; /* NULL: no tokens, every write is refused */
	size_t max_body;         /* bytes; 0: SK_SERVER_MAX_BODY */
	unsigned timeout;        /* seconds; 0: SK_SERVER_TIMEOUT */
	unsigned sync_every;     /* seconds between syncs with the remote "origin"; 0: never */
} sk_server_opts;

typedef struct sk_server sk_server;

/* Opens the KB, reads the tokens file (refusing one that group or others
 * may read: SK_EAUTH) and starts listening in background threads.
 * SK_EIO when the address cannot be bound. */
int sk_server_start(sk_server **out, const sk_server_opts *opts);

/* The port it listens on (useful after port -1) and its address as a URL
 * "http://127.0.0.1:8080/" (borrowed). */
int sk_server_port(const sk_server *srv);
const char *sk_server_url(const sk_server *srv);

/* Stops listening, waits for requests in flight, and frees. NULL is fine. */
void sk_server_free(sk_server *srv);

/* ---- Tokens ------------------------------------------------------------- */

/* A tokens file holds one member per line:
 *     AUTHOR NAME <email> : SHA256-HEX-OF-TOKEN
 * Blank lines and lines starting with '#' are ignored. The token itself is
 * never stored; the server hashes what a client presents and compares the
 * hashes in constant time. */

/* SHA-256 of s as 64 lower-case hex digits and a NUL. */
void sk_server_token_hash(char out[65], const char *token);

/* A new random token (43 characters of base64url, 256 bits; caller frees). */
int sk_server_token_new(char **out);

/* Appends a member's line for `token` to the tokens file at path, creating
 * it with mode 0600. author is "Name <email>" (SK_EINVALID when not). */
int sk_server_token_add(const char *path, const char *author, const char *token);

#endif

/* A running `samskap serve` and a small HTTP/1.1 client for its tests.
 * Everything returned is the caller's. */
#ifndef SK_TEST_HTTP_H
#define SK_TEST_HTTP_H

#include <stddef.h>
#include <sys/types.h>

typedef struct test_server {
	pid_t pid;
	int port;
	char *err_path;   /* the server's stderr, in its folder */
} test_server;

/* Starts `samskap serve --port 0 ARGS` in dir and waits for its address.
 * Returns 0, or -1 (with the reason on stderr) when it did not start;
 * *exit_status then holds its exit status when it exited. */
int test_server_start(test_server *s, const char *dir, const char *args, int *exit_status);
/* Sends SIGTERM and waits; returns the exit status (-1: killed). */
int test_server_stop(test_server *s);

typedef struct http_resp {
	int status;       /* 0: no response */
	char *head;       /* status line and headers */
	char *body;
	size_t body_len;
} http_resp;

/* Sends raw bytes (a whole request) and reads the response until the
 * server closes the connection. */
http_resp http_raw(int port, const char *req, size_t len);
/* A request with Host and Connection: close added; extra_headers (may be
 * NULL) are "Name: value\r\n" lines; body may be NULL. */
http_resp http_req(int port, const char *method, const char *path,
	const char *extra_headers, const char *body);
http_resp http_get(int port, const char *path);
/* A response header's value (caller frees), or NULL. */
char *http_header(const http_resp *r, const char *name);
void http_resp_free(http_resp *r);

#endif

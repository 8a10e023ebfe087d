/* samskap — fuzz harness: the HTTP server's router and handlers.
 *
 * The server is started once, in-process, on 127.0.0.1 and a free port,
 * over a copy of the bundled content (FUZZ_KB_DIR) committed to a new git
 * repository in a temporary folder, with one member whose token is
 * FUZZ_TOKEN. Each input is one request, written as
 *
 *     METHOD PATH
 *     Name: value          (header lines, up to an empty line)
 *
 *     body                 (the rest, any bytes)
 *
 * The harness makes it a well-formed HTTP/1.1 request (Host, Content-Length
 * and "Connection: close" are its own; "@TOKEN@" in a header becomes the
 * member's token, so seeds reach the writes) and sends it over a socket:
 * the fuzzer spends its time in samskap's code, not in waiting for a request
 * that never ends. Findings: a crash or sanitizer report in any server
 * thread, a response that is not HTTP, a 500 (an internal error is a bug
 * for any request), or no answer within ANSWER_MS. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "samskap/server.h"
#include "samskap/util.h"

#define FUZZ_TOKEN "fuzz-token-0123456789abcdefghijklmnopqrstuv"
#define ANSWER_MS 60000

static sk_server *srv;
static char *kb_dir;

static void cleanup(void)
{
	sk_server_free(srv);
	srv = NULL;
	if (kb_dir) {
		char *cmd = sk_printf("rm -rf '%s'", kb_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "fuzz_http: could not remove %s\n", kb_dir);
		free(cmd);
		free(kb_dir);
	}
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_http: %s: %s\n", what, sk_error_last());
	abort();
}

static int setup(void)
{
	char tmpl[] = "/tmp/samskap-fuzz-http-XXXXXX";
	if (!mkdtemp(tmpl))
		die("mkdtemp");
	kb_dir = sk_strdup(tmpl);
	atexit(cleanup);
	char *cmd = sk_printf("cp -R '%s'/. '%s' && cd '%s' && rm -rf .samskap && "
		"printf '.samskap/\\ntokens\\n' > .gitignore && git init -q -b main && "
		"git add -A && git -c user.name=Fuzz -c user.email=fuzz@example.org "
		"commit -qm 'fuzz KB'", FUZZ_KB_DIR, kb_dir, kb_dir);
	if (system(cmd) != 0)
		die("making the KB (cp, git)");
	free(cmd);
	char *tokens = sk_path_join(kb_dir, "tokens");
	if (sk_server_token_add(tokens, "Fuzz Member <fuzz@example.org>", FUZZ_TOKEN) != 0)
		die("tokens file");
	sk_server_opts opts = {
		.kb_path = kb_dir, .port = -1, .threads = 2, .tokens_file = tokens,
		.max_body = 64 * 1024, .timeout = 10,
	};
	if (sk_server_start(&srv, &opts) != 0)
		die("starting the server");
	free(tokens);
	return 1;
}

/* Appends the path with spaces and control bytes percent-encoded, so the
 * request line stays one line of three parts. */
static void put_path(sk_buf *b, const char *s, size_t n)
{
	if (n == 0 || s[0] != '/')
		sk_buf_putc(b, '/');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f)
			sk_buf_printf(b, "%%%02X", c);
		else
			sk_buf_putc(b, (char)c);
	}
}

static int header_is(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);
	return n > k && line[k] == ':' && strncasecmp(line, name, k) == 0;
}

/* Builds the request from the input (see the top of the file). */
static void build_request(sk_buf *req, const char *in, size_t size, int port)
{
	const char *end = in + size;
	const char *eol = memchr(in, '\n', size);
	const char *line_end = eol ? eol : end;
	const char *sp = memchr(in, ' ', (size_t)(line_end - in));
	if (sp && sp > in) {
		for (const char *m = in; m < sp; m++)
			if ((unsigned char)*m > 0x20 && *m != 0x7f)
				sk_buf_putc(req, *m);
	} else {
		sk_buf_puts(req, "GET");
		sp = in - 1;
	}
	sk_buf_putc(req, ' ');
	size_t plen = (size_t)(line_end - (sp + 1));
	if (plen && sp[plen] == '\r')
		plen--;
	put_path(req, sp + 1, plen);
	sk_buf_printf(req, " HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n", port);
	const char *p = eol ? eol + 1 : end;
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		const char *le = e ? e : end;
		size_t n = (size_t)(le - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 0) {
			p = e ? e + 1 : end;
			break;
		}
		if (!header_is(p, n, "Content-Length") && !header_is(p, n, "Connection") &&
		    !header_is(p, n, "Transfer-Encoding") && !header_is(p, n, "Host")) {
			const char *tok = NULL;
			for (const char *q = p; q + 7 <= p + n; q++)
				if (memcmp(q, "@TOKEN@", 7) == 0) {
					tok = q;
					break;
				}
			if (tok) {
				sk_buf_put(req, p, (size_t)(tok - p));
				sk_buf_puts(req, FUZZ_TOKEN);
				sk_buf_put(req, tok + 7, n - (size_t)(tok + 7 - p));
			} else {
				sk_buf_put(req, p, n);
			}
			sk_buf_puts(req, "\r\n");
		}
		p = e ? e + 1 : end;
	}
	size_t body = (size_t)(end - p);
	sk_buf_printf(req, "Content-Length: %zu\r\n\r\n", body);
	sk_buf_put(req, p, body);
}

/* Sends req and reads the answer until the server closes. */
static void exchange(const sk_buf *req, sk_buf *resp)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		abort();
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)sk_server_port(srv));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		perror("fuzz_http: connect");
		abort();
	}
	size_t off = 0;
	while (off < req->len) {
		ssize_t n = send(fd, req->data + off, req->len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the server answered early (413) and closed */
		off += (size_t)n;
	}
	char buf[16384];
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int pr = poll(&pfd, 1, ANSWER_MS);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			fprintf(stderr, "fuzz_http: no answer within %d ms to:\n%.*s\n",
				ANSWER_MS, (int)(req->len > 2000 ? 2000 : req->len), req->data);
			abort();
		}
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sk_buf_put(resp, buf, (size_t)n);
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready)
		ready = setup();
	sk_buf req = SK_BUF_INIT, resp = SK_BUF_INIT;
	build_request(&req, (const char *)data, size, sk_server_port(srv));
	exchange(&req, &resp);
	/* MHD may close without a word on a request it cannot parse; anything
	 * it sends must be HTTP, and never a 500. */
	if (resp.len) {
		if (resp.len < 12 || memcmp(resp.data, "HTTP/1.", 7) != 0) {
			fprintf(stderr, "fuzz_http: not an HTTP response: %.*s\n",
				(int)(resp.len > 200 ? 200 : resp.len), resp.data);
			abort();
		}
		if (memcmp(resp.data + 9, "500", 3) == 0) {
			fprintf(stderr, "fuzz_http: 500 for:\n%.*s\n---\n%.*s\n",
				(int)(req.len > 2000 ? 2000 : req.len), req.data,
				(int)(resp.len > 2000 ? 2000 : resp.len), resp.data);
			abort();
		}
	}
	sk_buf_free(&req);
	sk_buf_free(&resp);
	sk_error_clear();
	return 0;
}

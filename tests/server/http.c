#include "http.h"

#include "sktest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int test_server_start(test_server *s, const char *dir, const char *args, int *exit_status)
{
	int fds[2];
	memset(s, 0, sizeof *s);
	if (exit_status)
		*exit_status = -1;
	if (pipe(fds) < 0)
		return -1;
	size_t n = strlen(dir) + 32;
	s->err_path = malloc(n);
	snprintf(s->err_path, n, "%s/serve.err", dir);
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "exec %s serve --port 0 %s", sk_test_bin(), args ? args : "");
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (chdir(dir) < 0)
			_exit(127);
		int err = open(s->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fds[1], 1);
		if (err >= 0)
			dup2(err, 2);
		close(fds[0]);
		close(fds[1]);
		setenv("SAMSKAP_AUTHOR", "Test Person <test@example.org>", 1);
		setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	s->pid = pid;
	char line[512];
	size_t len = 0;
	int eof = 0;
	/* Valgrind is slow to start: allow a minute. */
	time_t deadline = time(NULL) + 60;
	while (len < sizeof line - 1 && !memchr(line, '\n', len)) {
		struct pollfd p = { fds[0], POLLIN, 0 };
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			break;
		if (p.revents) {
			ssize_t got = read(fds[0], line + len, sizeof line - 1 - len);
			if (got <= 0) {
				eof = 1;
				break;
			}
			len += (size_t)got;
		}
		if (time(NULL) > deadline)
			break;
	}
	close(fds[0]);
	line[len] = '\0';
	const char *colon = strstr(line, "http://127.0.0.1:");
	if (!colon) {
		int st;
		/* At end of file it has exited, or is about to. */
		if (waitpid(pid, &st, eof ? 0 : WNOHANG) == pid) {
			s->pid = 0;
			if (exit_status)
				*exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		return -1;
	}
	s->port = atoi(colon + strlen("http://127.0.0.1:"));
	return 0;
}

int test_server_stop(test_server *s)
{
	int st = 0, rc = -1;
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		for (int i = 0; i < 600; i++) {
			if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
				rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
				break;
			}
			usleep(20000);
		}
		if (rc == -1 && kill(s->pid, SIGKILL) == 0)
			waitpid(s->pid, &st, 0);
	}
	s->pid = 0;
	free(s->err_path);
	s->err_path = NULL;
	return rc;
}

http_resp http_raw(int port, const char *req, size_t len)
{
	http_resp r = { 0, NULL, NULL, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		if (fd >= 0)
			close(fd);
		return r;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (w <= 0)
			break;  /* the server may answer (413) and close early */
		off += (size_t)w;
	}
	size_t cap = 65536, got = 0;
	char *buf = malloc(cap + 1);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 30000) <= 0)
			break;
		if (got == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
		ssize_t n = recv(fd, buf + got, cap - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	char *sep = strstr(buf, "\r\n\r\n");
	if (strncmp(buf, "HTTP/1.", 7) != 0 || !sep) {
		free(buf);
		return r;
	}
	r.status = atoi(buf + 9);
	r.head = strndup(buf, (size_t)(sep - buf) + 2);
	r.body_len = got - (size_t)(sep + 4 - buf);
	r.body = malloc(r.body_len + 1);
	memcpy(r.body, sep + 4, r.body_len);
	r.body[r.body_len] = '\0';
	free(buf);
	return r;
}

http_resp http_req(int port, const char *method, const char *path,
	const char *extra_headers, const char *body)
{
	size_t blen = body ? strlen(body) : 0;
	size_t n = strlen(method) + strlen(path) + (extra_headers ? strlen(extra_headers) : 0) +
		blen + 256;
	char *req = malloc(n);
	int len = snprintf(req, n, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s",
		method, path, port, extra_headers ? extra_headers : "");
	if (body)
		len += snprintf(req + len, n - (size_t)len, "Content-Length: %zu\r\n\r\n%s", blen, body);
	else
		len += snprintf(req + len, n - (size_t)len, "\r\n");
	http_resp r = http_raw(port, req, (size_t)len);
	free(req);
	return r;
}

http_resp http_get(int port, const char *path)
{
	return http_req(port, "GET", path, NULL, NULL);
}

char *http_header(const http_resp *r, const char *name)
{
	if (!r->head)
		return NULL;
	size_t nl = strlen(name);
	for (const char *line = strstr(r->head, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n")) {
		const char *h = line + 2;
		if (strncasecmp(h, name, nl) == 0 && h[nl] == ':') {
			const char *v = h + nl + 1;
			while (*v == ' ')
				v++;
			const char *e = strstr(v, "\r\n");
			return strndup(v, e ? (size_t)(e - v) : strlen(v));
		}
	}
	return NULL;
}

void http_resp_free(http_resp *r)
{
	free(r->head);
	free(r->body);
	r->head = r->body = NULL;
}

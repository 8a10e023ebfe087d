/* Who may write: the tokens file, bearer tokens for the API, login
 * sessions and CSRF checks for the HTML forms.
 *
 * SHA-256 comes from nettle (the hashing library GnuTLS is built on, which
 * libmicrohttpd already pulls in): a well-tested implementation rather than
 * a private copy. Tokens are 256 random bits, so one unsalted SHA-256 is
 * enough: there is nothing to guess a dictionary from. */
#include "server_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define SESSION_COOKIE "samskap_session"
#define SESSIONS_MAX 4096

void sk_server_token_hash(char out[65], const char *token)
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];
	static const char hex[] = "0123456789abcdef";
	sha256_init(&ctx);
	sha256_update(&ctx, strlen(token), (const uint8_t *)token);
	sha256_digest(&ctx, sizeof digest, digest);
	for (size_t i = 0; i < sizeof digest; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[64] = '\0';
}

int sk_server__random(void *buf, size_t n)
{
	unsigned char *p = buf;
	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return sk_error_set(SK_EIO, "getrandom: %s", strerror(errno));
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

/* 32 random bytes as 43 characters of unpadded base64url. */
static int random_token(char out[44])
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[33] = { 0 };
	int rc = sk_server__random(raw, 32);
	if (rc < 0)
		return rc;
	size_t o = 0;
	for (size_t i = 0; i < 33; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		if (o < 43)
			out[o++] = b64[(v >> 6) & 63];
		if (o < 43)
			out[o++] = b64[v & 63];
	}
	out[43] = '\0';
	return 0;
}

int sk_server_token_new(char **out)
{
	char tok[44];
	*out = NULL;
	int rc = random_token(tok);
	if (rc < 0)
		return rc;
	*out = sk_strdup(tok);
	return 0;
}

int sk_server__ct_equal(const char *a, const char *b, size_t n)
{
	unsigned char diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/* Splits "Name <email>" into its parts (caller frees both). */
static int parse_author(char **name, char **email, const char *s, size_t len)
{
	*name = *email = NULL;
	const char *lt = memchr(s, '<', len);
	if (!lt || len < 3 || s[len - 1] != '>')
		return SK_EINVALID;
	const char *ne = lt;
	while (ne > s && ne[-1] == ' ')
		ne--;
	const char *e = lt + 1;
	size_t elen = (size_t)(s + len - 1 - e);
	if (ne == s || elen == 0 || memchr(e, '<', elen) || memchr(e, '>', elen) ||
		!memchr(e, '@', elen) || memchr(s, '>', (size_t)(ne - s)))
		return SK_EINVALID;
	for (const char *c = s; c < s + len; c++)
		if ((unsigned char)*c < 0x20)
			return SK_EINVALID;
	*name = sk_strndup(s, (size_t)(ne - s));
	*email = sk_strndup(e, elen);
	return 0;
}

/* Refuses a file that anyone but its owner may read or write. */
static int check_private(int fd, const char *path)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return sk_error_set(SK_EIO, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sk_error_set(SK_EINVALID, "%s: not a regular file", path);
	if (st.st_mode & 077)
		return sk_error_set(SK_EAUTH,
			"%s: group or others may read it (mode %03o); run 'chmod 600 %s'",
			path, (unsigned)(st.st_mode & 0777), path);
	return 0;
}

int sk_server__tokens_load(sk_server *srv, const char *path)
{
	int rc = 0;
	char *data = NULL;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sk_error_set(errno == ENOENT ? SK_ENOTFOUND : SK_EIO,
			"tokens file %s: %s", path, strerror(errno));
	rc = check_private(fd, path);
	close(fd);
	if (rc < 0)
		return rc;
	rc = sk_file_read(&data, &len, path, 1024 * 1024);
	if (rc < 0)
		return rc;
	int lineno = 0;
	for (char *line = data; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		size_t l = strlen(line);
		while (l > 0 && (line[l - 1] == '\r' || line[l - 1] == ' ' || line[l - 1] == '\t'))
			line[--l] = '\0';
		while (*line == ' ' || *line == '\t')
			line++, l--;
		if (l == 0 || line[0] == '#')
			goto next;
		char *colon = strrchr(line, ':');
		char *name = NULL, *email = NULL;
		if (!colon) {
			rc = sk_error_set(SK_EINVALID,
				"%s:%d: expected 'Name <email> : SHA256-HEX'", path, lineno);
			goto done;
		}
		const char *hex = colon + 1;
		while (*hex == ' ' || *hex == '\t')
			hex++;
		size_t alen = (size_t)(colon - line);
		while (alen > 0 && (line[alen - 1] == ' ' || line[alen - 1] == '\t'))
			alen--;
		int okhex = strlen(hex) == 64;
		for (size_t i = 0; okhex && i < 64; i++)
			okhex = isxdigit((unsigned char)hex[i]);
		if (!okhex) {
			rc = sk_error_set(SK_EINVALID,
				"%s:%d: the hash must be 64 hex digits (SHA-256 of the token; see 'samskap token')",
				path, lineno);
			goto done;
		}
		if (parse_author(&name, &email, line, alen) < 0) {
			rc = sk_error_set(SK_EINVALID,
				"%s:%d: expected an author 'Name <email>' before ':'", path, lineno);
			goto done;
		}
		srv->members = sk_realloc(srv->members,
			sk_mul_size(srv->n_members + 1, sizeof *srv->members));
		sk_member *m = &srv->members[srv->n_members++];
		m->name = name;
		m->email = email;
		for (size_t i = 0; i < 64; i++)
			m->hash[i] = (char)tolower((unsigned char)hex[i]);
		m->hash[64] = '\0';
next:
		line = nl ? nl + 1 : NULL;
	}
done:
	free(data);
	return rc;
}

void sk_server__members_free(sk_server *srv)
{
	for (size_t i = 0; i < srv->n_members; i++) {
		free(srv->members[i].name);
		free(srv->members[i].email);
	}
	free(srv->members);
	srv->members = NULL;
	srv->n_members = 0;
}

int sk_server_token_add(const char *path, const char *author, const char *token)
{
	char *name = NULL, *email = NULL;
	char hash[65];
	int rc = 0;
	if (parse_author(&name, &email, author, strlen(author)) < 0)
		return sk_error_set(SK_EINVALID,
			"author '%s': expected 'Name <email>'", author);
	if (strchr(name, ':')) {
		rc = sk_error_set(SK_EINVALID, "author '%s': the name may not hold ':'", author);
		goto done;
	}
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = sk_error_set(SK_EIO, "tokens file %s: %s", path, strerror(errno));
		goto done;
	}
	rc = check_private(fd, path);
	if (rc == 0) {
		sk_server_token_hash(hash, token);
		char *line = sk_printf("%s <%s> : %s\n", name, email, hash);
		size_t len = strlen(line);
		if (write(fd, line, len) != (ssize_t)len || fsync(fd) < 0)
			rc = sk_error_set(SK_EIO, "tokens file %s: %s", path, strerror(errno));
		free(line);
	}
	close(fd);
done:
	free(name);
	free(email);
	return rc;
}

long sk_server__member_of_token(const sk_server *srv, const char *token)
{
	char hash[65];
	long found = -1;
	sk_server_token_hash(hash, token);
	/* No early exit: the time taken does not depend on which member
	 * matched or how much of a hash did. */
	for (size_t i = 0; i < srv->n_members; i++)
		if (sk_server__ct_equal(hash, srv->members[i].hash, 64))
			found = (long)i;
	return found;
}

int sk_server__auth_bearer(sk_req *r)
{
	const char *h = sk_server__header_in(r, "Authorization");
	if (!h || !*h)
		return sk_error_set(SK_EAUTH,
			"this needs a token: send 'Authorization: Bearer TOKEN'");
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return sk_error_set(SK_EAUTH,
			"the Authorization header must be 'Bearer TOKEN'");
	const char *tok = h + 7;
	while (*tok == ' ')
		tok++;
	long m = *tok ? sk_server__member_of_token(r->srv, tok) : -1;
	if (m < 0)
		return sk_error_set(SK_EAUTH, "the token is not valid");
	r->member = m;
	return 0;
}

int sk_server__same_origin(sk_req *r)
{
	/* Sec-Fetch-Site is set by the browser and cannot be set by a page:
	 * when present it decides. (With Referrer-Policy: no-referrer,
	 * Chromium sends "Origin: null" even for our own forms.) */
	const char *sfs = sk_server__header_in(r, "Sec-Fetch-Site");
	if (sfs)
		return strcmp(sfs, "same-origin") == 0 || strcmp(sfs, "none") == 0;
	const char *origin = sk_server__header_in(r, "Origin");
	if (!origin)
		return 1;  /* not a browser, or an old one: the CSRF token decides */
	const char *host = sk_server__header_in(r, "Host");
	if (!host || strncmp(origin, "http://", 7) != 0)
		return 0;  /* "null" and other schemes included */
	return strcmp(origin + 7, host) == 0;
}

/* Finds the session of r's cookie; the caller holds srv->lock. */
static sk_session *find_session(sk_req *r)
{
	const char *c = sk_server__cookie(r, SESSION_COOKIE);
	if (!c || strlen(c) != 43)
		return NULL;
	char hash[65];
	sk_server_token_hash(hash, c);
	time_t now = time(NULL);
	sk_server *srv = r->srv;
	for (size_t i = 0; i < srv->n_sessions; i++) {
		sk_session *s = &srv->sessions[i];
		if (s->expires > now && sk_server__ct_equal(hash, s->id_hash, 64))
			return s;
	}
	return NULL;
}

const char *sk_server__session_member(sk_req *r, char csrf[44])
{
	const char *name = NULL;
	pthread_mutex_lock(&r->srv->lock);
	sk_session *s = find_session(r);
	if (s) {
		name = r->srv->members[s->member].name;
		if (csrf)
			memcpy(csrf, s->csrf, 44);
	}
	pthread_mutex_unlock(&r->srv->lock);
	return name;
}

int sk_server__auth_form(sk_req *r)
{
	if (!sk_server__same_origin(r))
		return sk_server__fail(r, 403,
			"a form may only be sent from this site's own pages");
	long member = -1;
	char csrf[44] = "";
	pthread_mutex_lock(&r->srv->lock);
	sk_session *s = find_session(r);
	if (s) {
		member = (long)s->member;
		memcpy(csrf, s->csrf, 44);
	}
	pthread_mutex_unlock(&r->srv->lock);
	if (member < 0)
		return sk_error_set(SK_EAUTH, "log in first (the session is missing or has expired)");
	const char *sent = sk_server__form(r, "csrf");
	if (!sent || strlen(sent) != 43 || !sk_server__ct_equal(sent, csrf, 43))
		return sk_server__fail(r, 403,
			"the form's security token does not match; reload the page and try again");
	r->member = member;
	return 0;
}

void sk_server__session_start(sk_req *r, long m)
{
	char id[44];
	sk_session s;
	memset(&s, 0, sizeof s);
	if (random_token(id) < 0 || random_token(s.csrf) < 0)
		return;
	sk_server_token_hash(s.id_hash, id);
	s.member = (size_t)m;
	time_t now = time(NULL);
	s.expires = now + SK_SERVER_SESSION_TTL;
	sk_server *srv = r->srv;
	pthread_mutex_lock(&srv->lock);
	/* Drop expired sessions, and the oldest when the table is full. */
	size_t k = 0;
	for (size_t i = 0; i < srv->n_sessions; i++)
		if (srv->sessions[i].expires > now)
			srv->sessions[k++] = srv->sessions[i];
	srv->n_sessions = k;
	if (srv->n_sessions == SESSIONS_MAX) {
		memmove(srv->sessions, srv->sessions + 1,
			(srv->n_sessions - 1) * sizeof *srv->sessions);
		srv->n_sessions--;
	}
	if (srv->n_sessions == srv->cap_sessions) {
		srv->cap_sessions = srv->cap_sessions ? 2 * srv->cap_sessions : 16;
		srv->sessions = sk_realloc(srv->sessions,
			sk_mul_size(srv->cap_sessions, sizeof *srv->sessions));
	}
	srv->sessions[srv->n_sessions++] = s;
	pthread_mutex_unlock(&srv->lock);
	char *cookie = sk_printf("%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d",
		SESSION_COOKIE, id, SK_SERVER_SESSION_TTL);
	sk_server__header(r, "Set-Cookie", cookie);
	free(cookie);
}

void sk_server__session_end(sk_req *r)
{
	sk_server *srv = r->srv;
	pthread_mutex_lock(&srv->lock);
	sk_session *s = find_session(r);
	if (s) {
		size_t i = (size_t)(s - srv->sessions);
		memmove(s, s + 1, (srv->n_sessions - i - 1) * sizeof *s);
		srv->n_sessions--;
	}
	pthread_mutex_unlock(&srv->lock);
	sk_server__header(r, "Set-Cookie",
		SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

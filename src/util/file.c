/* Files, paths, ids and dates: the checks every layer above repeats. */
#define _POSIX_C_SOURCE 200809L
#include "samskap/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sk_file_read(char **out, size_t *len, const char *path, size_t max_bytes)
{
	int rc = 0, fd = -1;
	struct stat st;
	char *data = NULL;

	*out = NULL;
	if (len)
		*len = 0;
	if (lstat(path, &st) < 0) {
		rc = sk_error_set(errno == ENOENT ? SK_ENOTFOUND : SK_EIO,
			"%s: %s", path, strerror(errno));
		goto done;
	}
	if (S_ISLNK(st.st_mode)) {
		rc = sk_error_set(SK_EINVALID, "%s: is a symbolic link; samskap reads only regular files", path);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = sk_error_set(SK_EINVALID, "%s: not a regular file", path);
		goto done;
	}
	if ((size_t)st.st_size > max_bytes) {
		rc = sk_error_set(SK_ETOOBIG, "%s: file is %lld bytes, over the limit of %zu bytes",
			path, (long long)st.st_size, max_bytes);
		goto done;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = sk_error_set(SK_EIO, "%s: %s", path, strerror(errno));
		goto done;
	}
	size_t cap = (size_t)st.st_size, n = 0;
	data = sk_malloc(cap + 1);
	for (;;) {
		if (n == cap) {
			if (cap >= max_bytes) { /* grew while we read */
				char probe;
				if (read(fd, &probe, 1) > 0) {
					rc = sk_error_set(SK_ETOOBIG, "%s: file is over the limit of %zu bytes",
						path, max_bytes);
					goto done;
				}
				break;
			}
			cap = cap * 2 + 64 > max_bytes ? max_bytes : cap * 2 + 64;
			data = sk_realloc(data, cap + 1);
		}
		ssize_t r = read(fd, data + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = sk_error_set(SK_EIO, "%s: %s", path, strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	data[n] = '\0';
	*out = data;
	data = NULL;
	if (len)
		*len = n;
done:
	if (fd >= 0)
		close(fd);
	free(data);
	return rc;
}

static int write_atomic(const char *path, const void *data, size_t len, int sync)
{
	int rc = 0, fd = -1;
	char *tmp = sk_printf("%s.tmp.%ld", path, (long)getpid());

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		rc = sk_error_set(SK_EIO, "%s: %s", tmp, strerror(errno));
		goto done;
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = sk_error_set(SK_EIO, "%s: %s", tmp, strerror(errno));
			goto done;
		}
		p += w;
		left -= (size_t)w;
	}
	if ((sync && fsync(fd) < 0) || close(fd) < 0) {
		fd = -1;
		rc = sk_error_set(SK_EIO, "%s: %s", tmp, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		rc = sk_error_set(SK_EIO, "%s: %s", path, strerror(errno));
		goto done;
	}
done:
	if (fd >= 0)
		close(fd);
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

int sk_file_write(const char *path, const void *data, size_t len)
{
	return write_atomic(path, data, len, 1);
}

int sk_file_write_nosync(const char *path, const void *data, size_t len)
{
	return write_atomic(path, data, len, 0);
}

char *sk_path_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la == 0)
		return sk_strdup(b);
	/* By hand, not sk_printf: paths are joined once per file of a scan. */
	int slash = a[la - 1] != '/';
	char *out = sk_malloc(la + lb + 2);   /* both are in memory: no overflow */
	memcpy(out, a, la);
	if (slash)
		out[la] = '/';
	memcpy(out + la + slash, b, lb + 1);
	return out;
}

int sk_path_mkdirs(const char *path)
{
	int rc = 0;
	char *p = sk_strdup(path);
	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0777) < 0 && errno != EEXIST) {
				rc = sk_error_set(SK_EIO, "%s: %s", p, strerror(errno));
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return rc;
}

int sk_path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int sk_id_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 100 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '-') {
			if (s[i + 1] == '-')
				return 0;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
			return 0;
		}
	}
	return 1;
}

static int digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int num(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Checks YYYY-MM-DD at s (exactly 10 characters, not NUL-terminated there). */
static int date_prefix_valid(const char *s)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2))
		return 0;
	int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
	if (m < 1 || m > 12 || d < 1)
		return 0;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= days[m - 1] + (m == 2 && leap);
}

int sk_date_valid(const char *s)
{
	return strlen(s) == 10 && date_prefix_valid(s);
}

int sk_datetime_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 20 || !date_prefix_valid(s) || (s[10] != 'T' && s[10] != 't'))
		return 0;
	const char *t = s + 11;
	if (!digits(t, 2) || t[2] != ':' || !digits(t + 3, 2) || t[5] != ':' || !digits(t + 6, 2))
		return 0;
	int hh = num(t, 2), mm = num(t + 3, 2), ss = num(t + 6, 2);
	if (hh > 23 || mm > 59 || ss > 60)
		return 0;
	t += 8;
	if (*t == '.') {
		t++;
		if (!digits(t, 1))
			return 0;
		while (*t >= '0' && *t <= '9')
			t++;
	}
	int oh = 0, om = 0;
	if (*t == 'Z' || *t == 'z') {
		t++;
	} else if (*t == '+' || *t == '-') {
		if (!digits(t + 1, 2) || t[3] != ':' || !digits(t + 4, 2))
			return 0;
		oh = num(t + 1, 2);
		om = num(t + 4, 2);
		if (oh > 23 || om > 59)
			return 0;
		if (*t == '-')
			oh = -oh, om = -om;
		t += 6;
	} else {
		return 0;
	}
	if (*t)
		return 0;
	/* A leap second is only valid at 23:59:60 UTC. */
	if (ss == 60) {
		int utc_min = ((hh * 60 + mm - (oh * 60 + om)) % 1440 + 1440) % 1440;
		if (utc_min != 23 * 60 + 59)
			return 0;
	}
	return 1;
}

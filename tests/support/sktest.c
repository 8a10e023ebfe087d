#include "sktest.h"

#include "samskap/util.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *sk_test_bin(void)
{
	static char *bin;
	if (!bin) {
		const char *wrapper = getenv("SAMSKAP_TEST_WRAPPER");
		bin = wrapper && *wrapper ? sk_printf("%s %s", wrapper, SK_SAMSKAP_PATH)
					  : sk_strdup(SK_SAMSKAP_PATH);
	}
	return bin;
}

char *sk_test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl = sk_printf("%s/samskap-test-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		abort();
	}
	return tmpl;
}

void sk_test_rmtree(const char *path)
{
	if (!path || !strstr(path, "samskap-test-"))
		return; /* never remove anything the tests did not make */
	pid_t pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", path, (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
}

static char *slurp_fd(int fd)
{
	sk_buf b = SK_BUF_INIT;
	char chunk[8192];
	lseek(fd, 0, SEEK_SET);
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		sk_buf_put(&b, chunk, (size_t)n);
	return sk_buf_detach(&b);
}

sk_run_result sk_test_run(const char *dir, const char *input, const char *fmt, ...)
{
	sk_run_result r = { -1, NULL, NULL };
	va_list ap;
	sk_buf cmd = SK_BUF_INIT;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sk_buf_grow(&cmd, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(cmd.data, (size_t)n + 1, fmt, ap);
	va_end(ap);
	cmd.len = (size_t)n;

	FILE *out = tmpfile(), *err = tmpfile(), *in = tmpfile();
	if (!out || !err || !in) {
		perror("tmpfile");
		abort();
	}
	if (input) {
		fputs(input, in);
		fflush(in);
		rewind(in);
	}
	pid_t pid = fork();
	if (pid == 0) {
		if (dir && chdir(dir) < 0)
			_exit(126);
		int nul = open("/dev/null", O_RDONLY);
		dup2(input ? fileno(in) : nul, 0);
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		if (!getenv("SAMSKAP_AUTHOR"))
			setenv("SAMSKAP_AUTHOR", "Test Person <test@example.org>", 1);
		setenv("NO_COLOR", "1", 1);
		setenv("GIT_CONFIG_NOSYSTEM", "1", 0);
		execl("/bin/sh", "sh", "-c", cmd.data, (char *)NULL);
		_exit(127);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r.out = slurp_fd(fileno(out));
	r.err = slurp_fd(fileno(err));
	fclose(out);
	fclose(err);
	fclose(in);
	sk_buf_free(&cmd);
	return r;
}

void sk_run_result_free(sk_run_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

void sk_test_write(const char *dir, const char *relpath, const char *text)
{
	char *path = sk_path_join(dir, relpath);
	char *slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		sk_path_mkdirs(path);
		*slash = '/';
	}
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		abort();
	}
	fwrite(text, 1, strlen(text), f);
	fclose(f);
	free(path);
}

char *sk_test_read(const char *dir, const char *relpath)
{
	char *path = sk_path_join(dir, relpath);
	char *data = NULL;
	size_t len;
	if (sk_file_read(&data, &len, path, 1u << 30) != 0)
		data = NULL;
	free(path);
	return data;
}

int sk_test_contains(const char *haystack, const char *needle)
{
	return haystack && strstr(haystack, needle) != NULL;
}

int sk_test_main(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

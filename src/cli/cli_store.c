/* Opening the store for a command, the editor, drafts. */
#include "cli_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int sk_cli_store_open(sk_kb **kb, sk_store **st, const char *kb_path, int for_write)
{
	sk_oid head;
	char *branch = NULL;
	int rc;

	*kb = NULL;
	*st = NULL;
	if ((rc = sk_kb_open(kb, kb_path)) < 0)
		goto done;
	if ((rc = sk_store_open(st, (*kb)->root)) < 0) {
		if (rc == SK_ENOTFOUND)
			rc = sk_error_set(SK_ENOTFOUND, "the knowledge base %s is not in a git repository "
				"(run 'git init' there, or make a new one with 'samskap init')", (*kb)->root);
		goto done;
	}
	if ((rc = sk_store_head(&head, *st)) < 0)
		goto done;
	if (for_write && (rc = sk_store_branch(&branch, *st)) < 0)
		goto done;
done:
	free(branch);
	if (rc < 0) {
		sk_store_free(*st);
		sk_kb_free(*kb);
		*st = NULL;
		*kb = NULL;
	}
	return rc;
}

static const char *editor_name(void)
{
	const char *e = getenv("VISUAL");
	if (e && *e)
		return e;
	e = getenv("EDITOR");
	if (e && *e)
		return e;
	return NULL;
}

int sk_cli_have_editor(void)
{
	return editor_name() != NULL;
}

int sk_cli_edit_file(const char *path)
{
	const char *ed = editor_name();
	if (!ed) {
		if (!isatty(STDIN_FILENO))
			return sk_error_set(SK_ENOTFOUND, "no editor: set VISUAL or EDITOR (or give the text "
				"on stdin)");
		ed = "vi";
	}
	fflush(stdout);
	/* Through the shell, as git does, so EDITOR may hold arguments. */
	char *script = sk_printf("%s \"$@\"", ed);
	pid_t pid = fork();
	if (pid < 0) {
		free(script);
		return sk_error_set(SK_ERROR, "cannot start the editor: %s", strerror(errno));
	}
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", script, ed, path, (char *)NULL);
		_exit(127);
	}
	free(script);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return sk_error_set(SK_ERROR, "waiting for the editor: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sk_error_set(SK_ERROR, "the editor '%s' failed (exit %d); the file is kept at %s",
			ed, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), path);
	return 0;
}

char *sk_cli_draft_path(const sk_kb *kb, const char *name)
{
	char *dir = sk_path_join(kb->root, ".samskap/drafts");
	sk_path_mkdirs(dir);
	char *path = sk_printf("%s/%s.md", dir, name);
	free(dir);
	return path;
}

char *sk_cli_read_stdin(size_t *len)
{
	sk_buf b = SK_BUF_INIT;
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		sk_buf_put(&b, chunk, n);
	*len = b.len;
	return sk_buf_detach(&b);
}

void sk_cli_print_diags(const sk_diags *d)
{
	for (size_t i = 0; i < d->len; i++) {
		char *line = sk_diag_format(&d->items[i]);
		fprintf(stderr, "%s\n", line);
		free(line);
	}
}

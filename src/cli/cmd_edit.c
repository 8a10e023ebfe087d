/* samskap edit ID */
#include "cli.h"
#include "cli_store.h"

#include "samskap/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The KB-relative path of the committed record with this id. */
static int find_committed(char **path, sk_record_type *type, sk_store *st, const char *id)
{
	sk_store_file *files = NULL;
	size_t n = 0;
	int rc;

	*path = NULL;
	if (!sk_id_valid(id))
		return sk_error_set(SK_ENOTFOUND, "'%s' is not a record id (ids are lower-case slugs)", id);
	if ((rc = sk_store_list(&files, &n, st, NULL)) < 0)
		return rc;
	for (size_t i = 0; i < n && !*path; i++) {
		char *rid = NULL;
		if (sk_record_locate(type, &rid, NULL, files[i].path) == 0 && strcmp(rid, id) == 0)
			*path = sk_strdup(files[i].path);
		free(rid);
	}
	sk_store_files_free(files, n);
	sk_error_clear();
	if (!*path)
		return sk_error_set(SK_ENOTFOUND, "no record with id '%s' is committed in the knowledge base", id);
	return 0;
}

static int cmd_edit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "author", required_argument, NULL, 'a' },
		{ "kb", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	const char *author_spec = NULL, *kb_path = NULL;
	sk_kb *kb = NULL;
	sk_store *st = NULL;
	sk_record_type type = SK_TYPE_COUNT;
	char *path = NULL;
	sk_store_author author = { NULL, NULL };
	sk_diags diags = SK_DIAGS_INIT;
	char *committed = NULL, *work = NULL, *draft = NULL, *text = NULL, *msg = NULL, *abs = NULL;
	size_t committed_len = 0, work_len = 0, len = 0;
	sk_oid blob, work_id, commit;
	int c, rc = 0, resumed = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "C:", opts, NULL)) != -1) {
		switch (c) {
		case 'a': author_spec = optarg; break;
		case 'C': kb_path = optarg; break;
		default:
			return sk_cli_usage(&sk_cmd_edit, "unknown option or missing value '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return sk_cli_usage(&sk_cmd_edit, "needs one record ID");
	const char *id = argv[optind];
	if ((rc = sk_cli_store_open(&kb, &st, kb_path, 1)) < 0)
		goto done;
	if ((rc = sk_store_author_resolve(&author, st, author_spec)) < 0)
		goto done;
	/* The record's file, found among the committed ones: it need not
	 * parse, as fixing it may be what the edit is for. */
	if ((rc = find_committed(&path, &type, st, id)) < 0)
		goto done;
	if (type == SK_TYPE_MODEL) {
		rc = sk_error_set(SK_EUNSUPPORTED, "models are JSON: edit %s and commit it with git", path);
		goto done;
	}
	if ((rc = sk_store_read(&committed, &committed_len, st, NULL, path)) < 0) {
		if (rc == SK_ENOTFOUND)
			rc = sk_error_set(SK_ENOTFOUND, "%s is not committed yet: commit it with git first",
				path);
		goto done;
	}
	sk_store_blob_id(&blob, st, NULL, path);
	abs = sk_path_join(kb->root, path);
	if ((rc = sk_file_read(&work, &work_len, abs, kb->max_bytes)) < 0)
		goto done;
	sk_store_hash(&work_id, work, work_len);
	if (strcmp(work_id.hex, blob.hex) != 0) {
		rc = sk_error_set(SK_ECONFLICT, "%s has uncommitted changes; samskap will not overwrite them "
			"(commit or discard them with git first)", path);
		goto done;
	}
	draft = sk_cli_draft_path(kb, id);
	if (sk_path_exists(draft)) {
		resumed = 1;
		fprintf(stderr, "samskap: going on from the draft %s (delete it to start from the "
			"committed version)\n", draft);
	} else if ((rc = sk_file_write(draft, committed, committed_len)) < 0) {
		goto done;
	}
	if (sk_cli_have_editor() || isatty(STDIN_FILENO)) {
		if ((rc = sk_cli_edit_file(draft)) < 0)
			goto done;
		if ((rc = sk_file_read(&text, &len, draft, kb->max_bytes)) < 0)
			goto done;
	} else {
		/* No editor and no terminal: the new text comes on stdin. */
		text = sk_cli_read_stdin(&len);
		if ((rc = sk_file_write(draft, text, len)) < 0)
			goto done;
	}
	if (len == committed_len && memcmp(text, committed, len) == 0) {
		unlink(draft);
		printf("No changes to %s\n", path);
		goto done;
	}
	msg = sk_printf("edit: %s (%s)", id, author.name);
	rc = sk_store_save_record(&commit, st, path, text, len, &blob, &author, msg, &diags);
	if (rc < 0) {
		sk_cli_print_diags(&diags);
		fprintf(stderr, "samskap: nothing was committed; your text is kept in %s "
			"('samskap edit %s' goes on from it)\n", draft, id);
		goto done;
	}
	unlink(draft);
	printf("Updated %s (commit %.7s)%s\n", path, commit.hex, resumed ? " from the draft" : "");
done:
	free(path);
	free(committed);
	free(work);
	free(draft);
	free(text);
	free(msg);
	free(abs);
	sk_diags_free(&diags);
	sk_store_author_free(&author);
	sk_store_free(st);
	sk_kb_free(kb);
	return rc;
}

const sk_command sk_cmd_edit = {
	"edit", cmd_edit, "Edit a record in your editor, validate it and commit it",
	"usage: samskap edit ID [--author 'Name <email>'] [--kb PATH]\n"
	"\n"
	"Copies the record's committed text to .samskap/drafts/ID.md, opens it in\n"
	"$VISUAL or $EDITOR (without an editor or a terminal, the new text is read\n"
	"from stdin), validates the result and commits it (\"edit: ID (AUTHOR)\").\n"
	"An invalid record is not committed and the draft is kept: the next\n"
	"'samskap edit ID' goes on from it. A record with uncommitted changes in\n"
	"the work tree is refused, and so is an edit of a version someone else has\n"
	"changed in the meantime."
};

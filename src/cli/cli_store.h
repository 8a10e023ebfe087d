/* The CLI's way into the git store, shared by new, log, edit, history and
 * sync: open the KB and its repository with the errors a user can act on,
 * run the editor, keep drafts, print a record's problems. */
#ifndef SK_CLI_STORE_H
#define SK_CLI_STORE_H

#include "samskap/record.h"
#include "samskap/store.h"

/* Opens the KB at kb_path (NULL: at or above the current folder) and its
 * git repository, which must have a commit; with for_write, HEAD must be
 * on a branch too. *kb and *st are the caller's. */
int sk_cli_store_open(sk_kb **kb, sk_store **st, const char *kb_path, int for_write);

/* Runs $VISUAL, else $EDITOR (else vi when stdin is a terminal) on path,
 * attached to the terminal. SK_ENOTFOUND when there is no editor, SK_ERROR
 * when it fails. */
int sk_cli_edit_file(const char *path);

/* 1 when $VISUAL or $EDITOR is set. */
int sk_cli_have_editor(void);

/* The path of the draft NAME.md under KB/.samskap/drafts/ (caller frees;
 * folders made). */
char *sk_cli_draft_path(const sk_kb *kb, const char *name);

/* Reads all of stdin (caller frees). */
char *sk_cli_read_stdin(size_t *len);

/* Prints each diagnostic as "file:line:col: error: message" on stderr. */
void sk_cli_print_diags(const sk_diags *d);

#endif

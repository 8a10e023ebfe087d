/* Opening the index for a command, with a progress bar on a terminal. */
#include "cli_index.h"

#include <stdio.h>
#include <unistd.h>

/* Draws "indexing [#####.....] 1234/5678" on stderr, on a terminal only,
 * and only for updates big enough to be worth watching. */
static void progress_bar(size_t done, size_t total, void *ud)
{
	int *shown = ud;
	if (total < 500)
		return;
	enum { WIDTH = 30 };
	size_t fill = total ? done * WIDTH / total : WIDTH;
	char bar[WIDTH + 1];
	for (size_t i = 0; i < WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[WIDTH] = '\0';
	fprintf(stderr, "\rindexing [%s] %zu/%zu", bar, done, total);
	*shown = 1;
}

int sk_cli_index_open(sk_kb **kb, sk_index **ix, const char *kb_path, int flags,
	sk_index_stats *stats)
{
	int rc = 0, shown = 0;
	*kb = NULL;
	*ix = NULL;
	if ((rc = sk_kb_open(kb, kb_path)) != 0)
		goto done;
	if ((rc = sk_index_open(ix, *kb, NULL)) != 0)
		goto done;
	int tty = isatty(fileno(stderr));
	rc = sk_index_update(*ix, flags, tty ? progress_bar : NULL, &shown, stats);
	if (shown)
		fprintf(stderr, "\r\033[K");
done:
	if (rc) {
		sk_index_free(*ix);
		sk_kb_free(*kb);
		*ix = NULL;
		*kb = NULL;
	}
	return rc;
}

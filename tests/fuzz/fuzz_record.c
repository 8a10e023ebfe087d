/* samskap — fuzz harness: front matter (libyaml) and Markdown (cmark)
 * parsing of one record, then validation against its schema. The first
 * byte picks the record type's path so every schema gets exercised; an
 * input that starts with front matter (the seeds from content/) is taken
 * whole, its type from its length. */
#include <stdint.h>
#include <stdlib.h>

#include "samskap/record.h"

static const char *const paths[] = {
	"partnership.md", "kommuner/x.md", "challenges/x.md", "cases/x.md",
	"experiments/x/index.md", "experiments/x/log/2025-01-01-x.md", "models/x.json",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t n_paths = sizeof paths / sizeof paths[0];
	int whole = size >= 3 && data[0] == '-' && data[1] == '-' && data[2] == '-';
	/* Front matter means Markdown: any path but the model's (the last). */
	const char *path = whole ? paths[size % (n_paths - 1)] : paths[data[0] % n_paths];
	size_t skip = whole ? 0 : 1;
	sk_diags diags = SK_DIAGS_INIT;
	sk_record *rec = NULL;
	if (sk_record_parse(&rec, path, (const char *)data + skip, size - skip, &diags) == 0)
		sk_record_validate(rec, &diags);
	sk_record_free(rec);
	sk_diags_free(&diags);
	sk_error_clear();
	return 0;
}

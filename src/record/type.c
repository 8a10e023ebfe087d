/* Record types, and where each type's records live in a knowledge base. */
#include "record_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const type_names[SK_TYPE_COUNT] = {
	"partnership", "kommune", "challenge", "case", "experiment", "log", "model"
};

const char *const sk_record_link_fields[] = {
	"kommuner", "challenges", "challenge", "cases", "case",
	"models", "model", "experiment", "experiments", NULL
};

const char *sk_record_type_name(sk_record_type type)
{
	if ((int)type < 0 || type >= SK_TYPE_COUNT)
		return "unknown";
	return type_names[type];
}

int sk_record_type_parse(sk_record_type *out, const char *name)
{
	for (int i = 0; i < SK_TYPE_COUNT; i++) {
		if (strcmp(name, type_names[i]) == 0) {
			*out = (sk_record_type)i;
			return 0;
		}
	}
	return sk_error_set(SK_ENOTFOUND,
		"'%s' is not a record type (types: partnership, kommune, challenge, case, experiment, log, model)",
		name);
}

/* The folder of each type with one file per record: folder/ID.ext. */
static const struct {
	const char *folder;
	const char *ext;
	sk_record_type type;
} flat_types[] = {
	{ "kommuner", ".md", SK_TYPE_KOMMUNE },
	{ "challenges", ".md", SK_TYPE_CHALLENGE },
	{ "cases", ".md", SK_TYPE_CASE },
	{ "models", ".json", SK_TYPE_MODEL },
};

/* Length of the first path component of s (up to '/' or the end). */
static size_t component(const char *s)
{
	const char *slash = strchr(s, '/');
	return slash ? (size_t)(slash - s) : strlen(s);
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n > k && memcmp(s + n - k, suffix, k) == 0;
}

/* Checks a located id and hands it out. */
static int give_id(char **out, const char *s, size_t n, const char *relpath)
{
	char *id = sk_strndup(s, n);
	if (!sk_id_valid(id)) {
		int rc = sk_error_set(SK_EINVALID,
			"%s: id '%s' is not a valid id: use 1-100 lower-case letters a-z, digits and single hyphens (e.g. 'asker-velferdslab')",
			relpath, id);
		free(id);
		return rc;
	}
	*out = id;
	return 0;
}

int sk_record_locate(sk_record_type *type, char **id, char **experiment, const char *relpath)
{
	int rc = 0;
	char *exp = NULL;

	*id = NULL;
	if (experiment)
		*experiment = NULL;
	if (strcmp(relpath, "partnership.md") == 0) {
		*type = SK_TYPE_PARTNERSHIP;
		*id = sk_strdup("partnership");
		return 0;
	}
	size_t n = component(relpath);
	for (size_t i = 0; i < sizeof flat_types / sizeof flat_types[0]; i++) {
		const char *folder = flat_types[i].folder;
		if (n != strlen(folder) || memcmp(relpath, folder, n) != 0 || relpath[n] != '/')
			continue;
		const char *name = relpath + n + 1;
		size_t len = strlen(name);
		if (strchr(name, '/') || !ends_with(name, len, flat_types[i].ext))
			break;
		*type = flat_types[i].type;
		return give_id(id, name, len - strlen(flat_types[i].ext), relpath);
	}
	if (n == strlen("experiments") && memcmp(relpath, "experiments/", 12) == 0) {
		const char *e = relpath + 12;
		size_t en = component(e);
		if (en == 0 || e[en] != '/')
			goto not_record;
		const char *rest = e + en + 1;
		if (strcmp(rest, "index.md") == 0) {
			*type = SK_TYPE_EXPERIMENT;
			return give_id(id, e, en, relpath);
		}
		if (strncmp(rest, "log/", 4) == 0) {
			const char *name = rest + 4;
			size_t len = strlen(name);
			if (strchr(name, '/') || !ends_with(name, len, ".md"))
				goto not_record;
			if ((rc = give_id(&exp, e, en, relpath)) < 0)
				goto done;
			if ((rc = give_id(id, name, len - 3, relpath)) < 0)
				goto done;
			*type = SK_TYPE_LOG;
			if (experiment) {
				*experiment = exp;
				exp = NULL;
			}
			goto done;
		}
	}
not_record:
	rc = sk_error_set(SK_ENOTFOUND,
		"%s: not a record's place (records are partnership.md, kommuner/ID.md, challenges/ID.md, cases/ID.md, experiments/ID/index.md, experiments/ID/log/ID.md, models/ID.json)",
		relpath);
done:
	free(exp);
	return rc;
}

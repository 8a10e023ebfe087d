/* Finding the data bundled with samskap (content/, schemas/): installed
 * beside the binary, or in the source tree when running from a build. */
#include "samskap/util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The folder of the running executable (caller frees), or NULL. */
static char *exe_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return sk_strdup(buf);
}

int sk_data_path(char **out, const char *name)
{
	char *candidates[4] = { NULL, NULL, NULL, NULL };
	size_t n = 0;
	int rc = 0;

	*out = NULL;
	const char *env = getenv("SAMSKAP_DATADIR");
	if (env && *env) {
		char *p = sk_path_join(env, name);
		if (sk_path_exists(p)) {
			*out = p;
			return 0;
		}
		rc = sk_error_set(SK_ENOTFOUND, "%s: not found (SAMSKAP_DATADIR is set to %s)", p, env);
		free(p);
		return rc;
	}
	char *exe = exe_dir();
	/* A binary inside the source tree (a build folder) uses the source
	 * tree's data, so a stale installed copy never shadows it. */
	size_t sl = strlen(SAMSKAP_SOURCE_DIR);
	int in_tree = exe && strncmp(exe, SAMSKAP_SOURCE_DIR, sl) == 0 && (exe[sl] == '/' || !exe[sl]);
	if (in_tree)
		candidates[n++] = sk_printf("%s/%s", SAMSKAP_SOURCE_DIR, name);
	if (exe)
		candidates[n++] = sk_printf("%s/../share/samskap/%s", exe, name);
	candidates[n++] = sk_printf("%s/%s", SAMSKAP_DATADIR, name);
	if (!in_tree)
		candidates[n++] = sk_printf("%s/%s", SAMSKAP_SOURCE_DIR, name);
	for (size_t i = 0; i < n; i++)
		if (sk_path_exists(candidates[i])) {
			*out = candidates[i];
			candidates[i] = NULL;
			break;
		}
	if (!*out)
		rc = sk_error_set(SK_ENOTFOUND, "samskap's bundled '%s' is not installed (looked in %s "
			"and %s; set SAMSKAP_DATADIR to the folder holding it)", name, SAMSKAP_DATADIR,
			SAMSKAP_SOURCE_DIR);
	for (size_t i = 0; i < n; i++)
		free(candidates[i]);
	free(exe);
	return rc;
}

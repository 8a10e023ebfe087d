/* samskap — replays files through a fuzz harness without libFuzzer, so
 * the seed corpora and every crash ever found run as ordinary regression
 * tests in any build (gcc, ASan, valgrind).
 *
 *   fuzz_NAME FILE|DIR...    runs each file (folders recursively) once */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "samskap/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t files_run;

static int replay(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		fprintf(stderr, "fuzz driver: %s: cannot read\n", path);
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *dir = opendir(path);
		if (!dir)
			return 1;
		int failed = 0;
		struct dirent *ent;
		while ((ent = readdir(dir))) {
			if (ent->d_name[0] == '.')
				continue;
			char *child = sk_path_join(path, ent->d_name);
			failed |= replay(child);
			free(child);
		}
		closedir(dir);
		return failed;
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return 1;
	uint8_t *data = sk_malloc((size_t)st.st_size + 1);
	size_t n = fread(data, 1, (size_t)st.st_size, f);
	fclose(f);
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	files_run++;
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;
	for (int i = 1; i < argc; i++)
		failed |= replay(argv[i]);
	printf("%s: replayed %zu inputs\n", argv[0], files_run);
	return failed;
}

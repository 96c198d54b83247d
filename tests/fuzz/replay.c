/*
 * replay.c - run a fuzz target over files without libFuzzer.
 *
 *   fuzz-NAME-replay FILE|DIR...
 *
 * Every regular file (directories are read one level deep) is fed to
 * LLVMFuzzerTestOneInput once.  Prints one TAP line per operand, so that
 * prove can run it; exits 1 if an operand cannot be read.  A target that
 * finds a bug aborts (or a sanitizer stops the run), which prove reports.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	do {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			if (!(buf = realloc(buf, cap)))
				abort();
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	/* An exact-size copy, so that ASan sees reads past the end. */
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files of a directory in name order, so that runs are repeatable. */
static int replay_dir(const char *path, long *count)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int bad = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if (!(names = realloc(names, cap * sizeof *names)))
				abort();
		}
		if (!(names[n++] = strdup(de->d_name)))
			abort();
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_names);
	for (i = 0; i < n; i++) {
		size_t sz = strlen(path) + strlen(names[i]) + 2;
		char *p = malloc(sz);
		struct stat st;

		if (!p)
			abort();
		snprintf(p, sz, "%s/%s", path, names[i]);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(p) < 0)
				bad = 1;
			else
				(*count)++;
		}
		free(p);
		free(names[i]);
	}
	free(names);
	return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
	int i, failed = 0;

	printf("1..%d\n", argc - 1);
	for (i = 1; i < argc; i++) {
		struct stat st;
		long count = 0;
		int r;

		if (stat(argv[i], &st) < 0)
			r = -1;
		else if (S_ISDIR(st.st_mode))
			r = replay_dir(argv[i], &count);
		else if ((r = replay_file(argv[i])) == 0)
			count = 1;
		printf("%s %d - %s (%ld inputs)\n", r ? "not ok" : "ok", i,
		       argv[i], count);
		fflush(stdout);
		failed |= r != 0;
	}
	return failed;
}

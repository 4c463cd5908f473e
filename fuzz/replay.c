/*
 * replay.c: tests/fuzz-replay, the fuzz targets in an ordinary program,
 * so that make check runs their inputs under the normal, ASan and
 * valgrind builds.
 *
 *	fuzz-replay TARGET FILE...	run FILEs through one target
 *	fuzz-replay all FILE...		run FILEs through every target
 *
 * Exits 0 when every run returned; a crash or sanitizer report ends it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static const struct {
	const char	*name;
	int		(*fn)(const uint8_t *, size_t);
} targets[] = {
	{ "csr", fuzz_csr },
	{ "config", fuzz_config },
	{ "cluster", fuzz_cluster },
	{ "cert", fuzz_cert },
	{ "req", fuzz_req },
	{ "key", fuzz_key },
	{ "duration", fuzz_duration },
	{ "hosts", fuzz_hosts },
	{ "cfssljson", fuzz_cfssljson },
};
#define NTARGETS	(sizeof(targets) / sizeof(targets[0]))

/* Reads a whole file into a malloc'ed buffer; NULL on error. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*buf = NULL, *nb;
	size_t	 cap = 0, n = 0, got;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap == 0 ? 4096 : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nb;
		}
		if ((got = fread(buf + n, 1, cap - n, f)) == 0)
			break;
		n += got;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*len = n;
	return buf;
 fail:
	fclose(f);
	free(buf);
	return NULL;
}

int
main(int argc, char **argv)
{
	uint8_t	*buf;
	size_t	 i, t, len = 0;
	int	 all, found = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: fuzz-replay target|all file...\n");
		return 2;
	}
	all = strcmp(argv[1], "all") == 0;
	for (t = 0; t < NTARGETS; t++)
		if (all || strcmp(argv[1], targets[t].name) == 0)
			found = 1;
	if (!found) {
		fprintf(stderr, "fuzz-replay: %s: unknown target\n", argv[1]);
		return 2;
	}
	for (i = 2; i < (size_t)argc; i++) {
		if ((buf = slurp(argv[i], &len)) == NULL) {
			fprintf(stderr, "fuzz-replay: %s: %s\n", argv[i],
			    strerror(errno));
			return 1;
		}
		for (t = 0; t < NTARGETS; t++)
			if (all || strcmp(argv[1], targets[t].name) == 0)
				(void)targets[t].fn(buf, len);
		free(buf);
	}
	return 0;
}

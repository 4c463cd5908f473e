/*
 * validate.c: checks one CSR JSON, signing configuration, sign SUBJECT
 * file or cluster description with the library's parsers, for the schema
 * agreement test (tests/cli/t-schema.sh).
 *
 *	validate csr|config|subject|cluster [--strict] FILE
 *
 * Exits 0 and prints nothing on stdout for a valid file (warnings go to
 * stderr, one per line, prefixed "warning: "), exits 1 with the one-line
 * error on stderr for an invalid one, and exits 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"

static void
warn_cb(void *arg, const char *text)
{
	(void)arg;
	fprintf(stderr, "warning: %s\n", text);
}

static void
usage(void)
{
	fprintf(stderr, "usage: validate csr|config|subject|cluster [--strict] "
	    "FILE\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct pki_parse_opts	 po;
	struct pki_error	 err;
	struct pki_csr		*csr = NULL;
	struct pki_config	*cfg = NULL;
	struct pki_cluster	*cl = NULL;
	const char		*kind, *path;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 r;

	memset(&po, 0, sizeof(po));
	memset(&err, 0, sizeof(err));
	po.warn = warn_cb;
	if (argc == 4 && strcmp(argv[2], "--strict") == 0)
		po.strict = 1;
	else if (argc != 3)
		usage();
	kind = argv[1];
	path = argv[argc - 1];
	if (strcmp(kind, "csr") != 0 && strcmp(kind, "config") != 0 &&
	    strcmp(kind, "subject") != 0 && strcmp(kind, "cluster") != 0)
		usage();
	if ((r = pki_input_read(path, 0, PKI_MAX_INPUT, &buf, &len,
	    &err)) == 0) {
		if (strcmp(kind, "config") == 0)
			r = pki_config_parse(buf, len, path, &po, &cfg, &err);
		else if (strcmp(kind, "cluster") == 0)
			r = pki_cluster_parse(buf, len, path, &po, &cl, &err);
		else
			r = pki_csr_parse(buf, len, path,
			    strcmp(kind, "subject") == 0, &po, &csr, &err);
	}
	free(buf);
	pki_csr_free(csr);
	pki_config_free(cfg);
	pki_cluster_free(cl);
	if (r != 0) {
		fprintf(stderr, "%s\n", err.text);
		return 1;
	}
	return 0;
}

/*
 * cmd-json.c: cfssljson -- write the certificate, key and CSR from cfssl's
 * JSON output to BASENAME.pem, BASENAME-key.pem and BASENAME.csr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "pki.h"
#include "cmd.h"
#include "input.h"
#include "log.h"

static const int json_opts[] = {
	OPT_BARE, OPT_F, OPT_STDOUT, OPT_VERSION, OPT_LOGLEVEL, OPT_END
};

static int
cmd_json_exec(struct opts *o)
{
	struct pki_error	 err;
	struct pki_cfssljson	*cj = NULL;
	const char		*data[PKI_CJ__COUNT];
	size_t			 dlen[PKI_CJ__COUNT];
	const char		*in, *base, *item;
	char			*buf = NULL, *b64;
	size_t			 len = 0, ilen, n = 0, i;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(data, 0, sizeof(data));
	memset(dlen, 0, sizeof(dlen));
	if (o->b[OPT_VERSION]) {
		char	rt[256];

		pki_runtime_version(rt, sizeof(rt));
		printf("Version: %s\nRuntime: %s\n", PACKAGE_VERSION, rt);
		return CMD_RETURN_NORMAL;
	}
	in = o->set[OPT_F] ? o->str[OPT_F] : "-";
	base = o->nargs > 0 ? o->args[0] : "cert";
	if (*base == '\0') {
		log_err("BASENAME must not be empty");
		return CMD_RETURN_USAGE;
	}
	if (input_read(in, 0, &buf, &len, &err) != CMD_RETURN_NORMAL) {
		fprintf(stderr, "Failed to read input: %s\n", err.text);
		goto out;
	}
	if (len == 0 && strcmp(in, "-") == 0) {
		fprintf(stderr, "Failed to parse input: empty input (did the "
		    "command before the pipe fail?)\n");
		goto out;
	}
	if (len == 0) {
		fprintf(stderr, "Failed to parse input: %s: empty input\n", in);
		goto out;
	}
	if ((r = pki_cfssljson_parse(buf, len, o->b[OPT_BARE], &cj,
	    &err)) != 0) {
		fprintf(stderr, "Failed to parse input: %s%s%s\n",
		    strcmp(in, "-") == 0 ? "" : in,
		    strcmp(in, "-") == 0 ? "" : ": ", err.text);
		goto out;
	}
	if (pki_cfssljson_failed(cj) > 0) {
		fprintf(stderr, "Request failed:\n");
		for (i = 0; i < (size_t)pki_cfssljson_failed(cj); i++)
			fprintf(stderr, "\t%s\n", pki_cfssljson_error(cj, (int)i));
		goto out;
	}
	for (i = 0; i < PKI_CJ__COUNT; i++) {
		if ((item = pki_cfssljson_item(cj, (int)i, &ilen)) == NULL)
			continue;
		if (o->b[OPT_STDOUT]) {
			if (i == PKI_CJ_OCSP) {
				b64 = pki_b64_encode(item, ilen);
				if (b64 == NULL) {
					log_err("out of memory");
					goto out;
				}
				printf("%s\n", b64);
				free(b64);
			} else
				printf("%.*s\n", (int)ilen, item);
			n++;
			continue;
		}
		data[i] = item;
		dlen[i] = ilen;
		n++;
	}
	if (n == 0) {
		/* cfssljson writes nothing and exits 0 here; we say so. */
		log_err("no certificate, key or CSR in the input%s",
		    o->b[OPT_BARE] ? "" : " (is it bare cfssl output? then "
		    "use -bare)");
		goto out;
	}
	if (!o->b[OPT_STDOUT] &&
	    (r = pki_cfssljson_write(base, data, dlen, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	ret = CMD_RETURN_NORMAL;
 out:
	pki_cfssljson_free(cj);
	pki_secret_free(buf, len);
	return ret;
}

const struct cmd_entry cmd_json_entry = {
	"json",
	"cfssljson: write cfssl's JSON output to files",
	"        PROG json [-bare] [-f file] [-stdout] [BASENAME]\n"
	"        cfssljson [-bare] [-f file] [-stdout] [BASENAME]\n"
	"\n"
	"Arguments:\n"
	"        BASENAME:   files are BASENAME.pem, BASENAME-key.pem and BASENAME.csr (default: cert)",
	json_opts,
	cmd_json_exec,
	0,
	0
};

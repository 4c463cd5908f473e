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

/* Prints len bytes as standard base64 and a newline (the OCSP item). */
static void
print_base64(const unsigned char *p, size_t len)
{
	static const char	b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t			i;
	unsigned long		v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 |
		    p[i + 2];
		printf("%c%c%c%c", b64[v >> 18], b64[(v >> 12) & 63],
		    b64[(v >> 6) & 63], b64[v & 63]);
	}
	if (len - i == 1) {
		v = (unsigned long)p[i] << 16;
		printf("%c%c==", b64[v >> 18], b64[(v >> 12) & 63]);
	} else if (len - i == 2) {
		v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8;
		printf("%c%c%c=", b64[v >> 18], b64[(v >> 12) & 63],
		    b64[(v >> 6) & 63]);
	}
	printf("\n");
}

static int
cmd_json_exec(struct opts *o)
{
	struct pki_error	 err;
	struct pki_cfssljson	*cj = NULL;
	struct pki_file		 files[PKI_CJ__COUNT];
	char			*names[PKI_CJ__COUNT];
	const char		*in, *base, *item;
	char			*buf = NULL;
	size_t			 len = 0, ilen, n = 0, i;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(names, 0, sizeof(names));
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
			if (i == PKI_CJ_OCSP)
				print_base64((const unsigned char *)item, ilen);
			else
				printf("%.*s\n", (int)ilen, item);
			n++;
			continue;
		}
		if (asprintf(&names[n], "%s%s", base,
		    pki_cfssljson_suffix((int)i)) < 0) {
			names[n] = NULL;
			log_err("out of memory");
			goto out;
		}
		files[n].path = names[n];
		files[n].data = item;
		files[n].len = ilen;
		files[n].mode = pki_cfssljson_mode((int)i);
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
	    (r = pki_file_write_set(files, n, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	ret = CMD_RETURN_NORMAL;
 out:
	for (i = 0; i < PKI_CJ__COUNT; i++)
		free(names[i]);
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

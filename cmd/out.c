/*
 * out.c: printing results as cfssl does, or writing them as cfssljson
 * -bare would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pki.h"
#include "cmd.h"
#include "log.h"
#include "out.h"

/*
 * Writes ",\"name\":" (without the comma when first) and the value as
 * Go's encoder quotes it.  Returns 0, or -1 after an error message.
 */
static int
put_member(const char *name, const char *s, size_t len, int first)
{
	struct pki_error	 err;
	char			*q = NULL;
	size_t			 qlen = 0;
	int			 r;

	memset(&err, 0, sizeof(err));
	if ((r = pki_json_quote(s, len, &q, &qlen, &err)) != PKI_OK) {
		log_pki(&err, r);
		return -1;
	}
	fprintf(stdout, "%s\"%s\":", first ? "" : ",", name);
	fwrite(q, 1, qlen, stdout);
	/* The key's PEM is a secret. */
	pki_secret_free(q, qlen);
	return 0;
}

int
out_write_bare(const char *base, const struct out_items *it)
{
	struct pki_file		 files[3];
	struct pki_error	 err;
	char			*pem = NULL, *key = NULL, *csr = NULL;
	size_t			 n = 0;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	if (base[strlen(base) - 1] == '/') {
		log_err("-o %s: no base name for %s.pem, ...", base, base);
		return CMD_RETURN_USAGE;
	}
	if (it->cert != NULL && it->cert_len > 0) {
		if (asprintf(&pem, "%s.pem", base) < 0)
			goto oom;
		files[n++] = (struct pki_file){ pem, it->cert, it->cert_len, 0644 };
	}
	if (it->key != NULL && it->key_len > 0) {
		if (asprintf(&key, "%s-key.pem", base) < 0)
			goto oom;
		files[n++] = (struct pki_file){ key, it->key, it->key_len, 0600 };
	}
	if (it->csr != NULL && it->csr_len > 0) {
		if (asprintf(&csr, "%s.csr", base) < 0)
			goto oom;
		files[n++] = (struct pki_file){ csr, it->csr, it->csr_len, 0644 };
	}
	if ((r = pki_file_write_set(files, n, &err)) != PKI_OK) {
		log_pki(&err, r);
		goto out;
	}
	ret = CMD_RETURN_NORMAL;
	goto out;
 oom:
	log_err("out of memory");
 out:
	free(pem);
	free(key);
	free(csr);
	return ret;
}

int
out_result(const struct opts *o, const struct out_items *it)
{
	const char	*base;
	int		 first = 1;

	if ((base = opts_str(o, OPT_O)) != NULL)
		return out_write_bare(base, it);
	/* json.Marshal of a map: keys sorted, compact. */
	fputc('{', stdout);
	if (it->cert != NULL) {
		if (put_member("cert", it->cert, it->cert_len, first) != 0)
			return CMD_RETURN_ERROR;
		first = 0;
	}
	if (it->csr != NULL) {
		if (put_member("csr", it->csr, it->csr_len, first) != 0)
			return CMD_RETURN_ERROR;
		first = 0;
	}
	if (it->key != NULL &&
	    put_member("key", it->key, it->key_len, first) != 0)
		return CMD_RETURN_ERROR;
	fputs("}\n", stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_err("cannot write to standard output");
		return CMD_RETURN_ERROR;
	}
	return CMD_RETURN_NORMAL;
}

int
out_json(json_t *top)
{
	char	*text = NULL;

	if (top != NULL)
		text = json_dumps(top, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(top);
	if (text == NULL) {
		log_err("out of memory");
		return -1;
	}
	printf("%s\n", text);
	free(text);
	return 0;
}

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
	struct pki_error	 err;
	const char		*data[PKI_CJ__COUNT];
	size_t			 len[PKI_CJ__COUNT];
	int			 r;

	memset(&err, 0, sizeof(err));
	if (base[0] == '\0' || base[strlen(base) - 1] == '/') {
		log_err("-o %s: no base name for %s.pem, ...", base, base);
		return CMD_RETURN_USAGE;
	}
	memset(data, 0, sizeof(data));
	memset(len, 0, sizeof(len));
	data[PKI_CJ_CERT] = it->cert;
	len[PKI_CJ_CERT] = it->cert_len;
	data[PKI_CJ_KEY] = it->key;
	len[PKI_CJ_KEY] = it->key_len;
	data[PKI_CJ_CSR] = it->csr;
	len[PKI_CJ_CSR] = it->csr_len;
	if ((r = pki_cfssljson_write(base, data, len, &err)) != PKI_OK) {
		log_pki(&err, r);
		return CMD_RETURN_ERROR;
	}
	return CMD_RETURN_NORMAL;
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

int
out_json_doc(int r, json_t *top, const struct pki_error *err)
{
	if (r == PKI_OK)
		return out_json(top);
	json_decref(top);
	log_pki(err, r);
	return -1;
}

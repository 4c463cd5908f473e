/*
 * out.c: printing results as cfssl does, or writing them as cfssljson
 * -bare would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "log.h"
#include "out.h"

void
out_json_string(FILE *f, const char *s, size_t len)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;
	unsigned char		c;

	fputc('"', f);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '<':
		case '>':
		case '&':
			fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
			break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
			else if (c == 0xe2 && i + 2 < len &&
			    (unsigned char)s[i + 1] == 0x80 &&
			    ((unsigned char)s[i + 2] == 0xa8 ||
			    (unsigned char)s[i + 2] == 0xa9)) {
				fprintf(f, "\\u202%c",
				    (unsigned char)s[i + 2] == 0xa8 ? '8' : '9');
				i += 2;
			} else
				fputc(c, f);
		}
	}
	fputc('"', f);
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
		fputs("\"cert\":", stdout);
		out_json_string(stdout, it->cert, it->cert_len);
		first = 0;
	}
	if (it->csr != NULL) {
		fputs(first ? "\"csr\":" : ",\"csr\":", stdout);
		out_json_string(stdout, it->csr, it->csr_len);
		first = 0;
	}
	if (it->key != NULL) {
		fputs(first ? "\"key\":" : ",\"key\":", stdout);
		out_json_string(stdout, it->key, it->key_len);
	}
	fputs("}\n", stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_err("cannot write to standard output");
		return CMD_RETURN_ERROR;
	}
	return CMD_RETURN_NORMAL;
}

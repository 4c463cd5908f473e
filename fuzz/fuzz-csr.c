/*
 * fuzz-csr: CSR JSON as gencert, genkey, gencsr and sign read it
 * (pki_csr_parse, normal, strict and as a SUBJECT file), then what the
 * CLI asks of the result.
 */
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "fuzz.h"

static void
one(const char *buf, size_t len, int strict, int subject_only)
{
	struct pki_parse_opts	 po;
	struct pki_error	 err;
	struct pki_csr		*csr = NULL;
	struct pki_profile	*prof = NULL;
	char			 desc[64];
	size_t			 i, n, warned = 0;

	memset(&err, 0, sizeof(err));
	memset(&po, 0, sizeof(po));
	po.strict = strict;
	po.warn = fuzz_warn;
	po.warn_arg = &warned;
	if (pki_csr_parse(buf, len, "fuzz-csr.json", subject_only, &po, &csr,
	    &err) != 0) {
		(void)strlen(err.text);
		goto out;
	}
	n = pki_csr_nhosts(csr);
	for (i = 0; i < n; i++)
		(void)strlen(pki_csr_host(csr, i));
	pki_csr_key_desc(csr, desc, sizeof(desc));
	if (pki_csr_check_subject(csr, &err) != 0)
		(void)strlen(err.text);
	/* gencert -initca builds the CA policy from the "ca" section. */
	if (pki_csr_has_ca(csr) &&
	    pki_profile_new_ca(csr, -1, &prof, &err) != 0)
		(void)strlen(err.text);
 out:
	pki_profile_free(prof);
	pki_csr_free(csr);
}

FUZZ_ENTRY(csr)
{
	char	*buf;

	if ((buf = fuzz_copy(data, size)) == NULL)
		return 0;
	one(buf, size, 0, 0);
	one(buf, size, 1, 0);
	one(buf, size, 0, 1);
	free(buf);
	return 0;
}

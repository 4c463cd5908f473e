/*
 * fuzz-hosts: one "hosts" entry (or -hostname item) through cfssl's
 * classification (pki_host_classify), then a whole comma-separated
 * -hostname list through pki_csr_set_hosts on a minimal CSR.
 */
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "fuzz.h"

static const char base[] = "{\"CN\":\"fuzz\"}";

FUZZ_ENTRY(hosts)
{
	struct pki_error	 err;
	struct pki_csr		*csr = NULL;
	unsigned char		*v = NULL;
	size_t			 vlen = 0, i;
	char			*s;
	int			 t;

	memset(&err, 0, sizeof(err));
	if ((s = fuzz_copy(data, size)) == NULL)
		return 0;
	if ((t = pki_host_classify(s, &v, &vlen, &err)) < 0)
		(void)strlen(err.text);
	else if ((t == PKI_HOST_IP && vlen != 4 && vlen != 16) ||
	    t > PKI_HOST_URI)
		abort();	/* not a valid classification: a finding */
	else if (vlen > 0)
		(void)fuzz_touch(v, vlen);
	free(v);
	if (pki_csr_parse(base, sizeof(base) - 1, "fuzz", 0, NULL, &csr,
	    &err) != 0)
		abort();
	if (pki_csr_set_hosts(csr, s, NULL, &err) == 0) {
		for (i = 0; i < pki_csr_nhosts(csr); i++)
			(void)strlen(pki_csr_host(csr, i));
	} else
		(void)strlen(err.text);
	pki_csr_free(csr);
	free(s);
	return 0;
}

/*
 * certs.c: CSRs and CAs for the unit tests.
 */
#include <string.h>

#include "pki.h"
#include "tap.h"
#include "certs.h"

struct pki_csr *
test_csr(const char *json)
{
	struct pki_error	 e;
	struct pki_csr		*csr = NULL;

	memset(&e, 0, sizeof(e));
	if (pki_csr_parse(json, strlen(json), "t", 0, NULL, &csr, &e) != 0)
		diag("csr: %s", e.text);
	return csr;
}

struct pki_cert *
test_ca(const char *json, time_t now, struct pki_key **keyp)
{
	struct pki_error	 e;
	struct pki_ca_request	 cr;
	struct pki_issued	 out;
	struct pki_csr		*csr = test_csr(json);
	struct pki_cert		*ca = NULL;

	memset(&e, 0, sizeof(e));
	memset(&cr, 0, sizeof(cr));
	*keyp = NULL;
	cr.csr = csr;
	cr.now = now;
	cr.objects = 1;
	if (csr != NULL && pki_ca_issue(&cr, &out, &e) != 0)
		diag("ca: %s", e.text);
	else if (csr != NULL) {
		ca = out.x509;
		*keyp = out.newkey;
		out.x509 = NULL;
		out.newkey = NULL;
		pki_issued_clear(&out);
	}
	pki_csr_free(csr);
	return ca;
}

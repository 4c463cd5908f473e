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
	struct pki_csr		*csr = test_csr(json);
	struct pki_req		*req = NULL;
	struct pki_profile	*p = NULL;
	struct pki_cert		*ca = NULL;
	struct pki_sign_request	 sr;

	memset(&e, 0, sizeof(e));
	memset(&sr, 0, sizeof(sr));
	*keyp = NULL;
	if (csr == NULL || pki_key_generate(csr, keyp, &e) != 0 ||
	    pki_req_new(csr, *keyp, &req, &e) != 0 ||
	    pki_profile_new_ca(csr, -1, &p, &e) != 0)
		diag("ca: %s", e.text);
	sr.req = req;
	sr.profile = p;
	sr.now_sec = now;
	if (req != NULL && pki_cert_sign(&sr, NULL, *keyp, &ca, &e) != 0)
		diag("ca sign: %s", e.text);
	pki_req_free(req);
	pki_profile_free(p);
	pki_csr_free(csr);
	return ca;
}

/*
 * fuzz-cert: a PEM certificate as certinfo -cert, -ca, status, check
 * and renew read it: pki_cert_load, then its facts, certinfo JSON,
 * serial, the CSR JSON gencert -renewca rebuilds from it and the drift
 * renew computes against that, and the bundle check with itself as
 * the bundle.
 */
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "fuzz.h"

FUZZ_ENTRY(cert)
{
	struct pki_error	 err;
	struct pki_cert		*cert = NULL;
	struct pki_cert_facts	 f;
	struct pki_csr		*csr = NULL;
	struct pki_drift	 d;
	char			*buf = NULL, *json = NULL, *dec = NULL;
	char			*pem = NULL;
	size_t			 i, pemlen = 0;
	int64_t			 validity = 0;

	memset(&err, 0, sizeof(err));
	memset(&f, 0, sizeof(f));
	memset(&d, 0, sizeof(d));
	if ((buf = fuzz_copy(data, size)) == NULL)
		return 0;
	if (pki_cert_load(buf, size, "fuzz-cert.pem", &cert, &err) != 0) {
		(void)strlen(err.text);
		goto out;
	}
	if (pki_cert_facts(cert, &f, &err) == 0) {
		(void)strlen(f.subject);
		(void)strlen(f.issuer);
		for (i = 0; i < f.nsans; i++)
			(void)strlen(f.sans[i]);
		for (i = 0; i < f.nekus; i++)
			(void)strlen(f.ekus[i]);
	} else
		(void)strlen(err.text);
	if (pki_cert_info_json(cert, &json, &err) == 0)
		(void)strlen(json);
	else
		(void)strlen(err.text);
	if (pki_cert_serial(cert, &dec, &err) == 0)
		(void)strlen(dec);
	if (pki_cert_encode(cert, &pem, &pemlen, &err) != 0)
		(void)strlen(err.text);
	(void)pki_cert_is_ca(cert);
	(void)pki_cert_has_san(cert);
	if (pki_cert_to_csr(cert, 0, &csr, &validity, &err) == 0) {
		if (pki_cert_drift(cert, csr, &d, &err) == 0)
			(void)pki_drift_any(&d);
		pki_drift_clear(&d);
	} else
		(void)strlen(err.text);
	if (pki_cert_verify_bundle(cert, buf, size, "fuzz-ca.pem", 0,
	    &err) != 0)
		(void)strlen(err.text);
 out:
	pki_csr_free(csr);
	pki_cert_facts_clear(&f);
	free(pem);
	free(dec);
	free(json);
	pki_cert_free(cert);
	free(buf);
	return 0;
}

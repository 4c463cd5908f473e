/*
 * fuzz-cert: a PEM certificate as certinfo -cert, -ca, status, check
 * and renew read it: pki_cert_load, then its facts, certinfo JSON,
 * serial, the CSR JSON gencert -renewca rebuilds from it and the drift
 * renew computes against that, and the bundle check with itself as
 * the bundle.  The inventory's reader, pki_cert_facts_der, gets the same
 * certificate as DER (and the input itself as DER); where both readers
 * take a certificate, their facts must agree.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "pki.h"
#include "facts.h"
#include "x509priv.h"
#include "fuzz.h"

/*
 * pki_cert_facts_der of der; when x (may be NULL) is the facts of the
 * same certificate cert read by d2i_X509, the two readers agree on the
 * facts and the keyid, all but spki_sha256: the DER reader hashes the
 * SubjectPublicKeyInfo as found, the X509 one as OpenSSL re-encodes it
 * (they differ for a BER key, facts.h).
 */
static void
facts_der(const unsigned char *der, size_t len, const struct pki_cert_facts *x,
    const struct pki_cert *cert)
{
	struct pki_error	 err;
	struct pki_cert_facts	 g;
	char			 kid[129], xkid[129];
	size_t			 i;

	memset(&err, 0, sizeof(err));
	if (pki_cert_facts_der(der, len, &g, kid, sizeof(kid), &err) != 0) {
		(void)strlen(err.text);
		return;
	}
	(void)strlen(kid);
	if (x != NULL && (strcmp(g.serial, x->serial) != 0 ||
	    g.not_before != x->not_before || g.not_after != x->not_after ||
	    strcmp(g.subject, x->subject) != 0 ||
	    strcmp(g.issuer, x->issuer) != 0 || g.nsans != x->nsans ||
	    g.nekus != x->nekus || g.is_ca != x->is_ca))
		abort();
	for (i = 0; x != NULL && i < g.nsans; i++)
		if (strcmp(g.sans[i], x->sans[i]) != 0)
			abort();
	for (i = 0; x != NULL && i < g.nekus; i++)
		if (strcmp(g.ekus[i], x->ekus[i]) != 0)
			abort();
	if (x != NULL) {
		pki_cert_keyid(cert, xkid, sizeof(xkid));
		if (strcmp(kid, xkid) != 0)
			abort();
	}
	pki_cert_facts_clear(&g);
}

FUZZ_ENTRY(cert)
{
	struct pki_error	 err;
	struct pki_cert		*cert = NULL;
	struct pki_cert_facts	 f;
	struct pki_csr		*csr = NULL;
	struct pki_drift	 d;
	char			*buf = NULL, *json = NULL, *dec = NULL;
	char			*pem = NULL;
	unsigned char		*der = NULL;
	long			 derlen = 0;
	size_t			 i, pemlen = 0;
	int			 have_facts = 0;
	int64_t			 validity = 0;

	memset(&err, 0, sizeof(err));
	memset(&f, 0, sizeof(f));
	memset(&d, 0, sizeof(d));
	if ((buf = fuzz_copy(data, size)) == NULL)
		return 0;
	facts_der(data, size, NULL, NULL);
	if (pki_cert_load(buf, size, "fuzz-cert.pem", &cert, &err) != 0) {
		(void)strlen(err.text);
		goto out;
	}
	if (pki_cert_facts(cert, &f, &err) == 0) {
		have_facts = 1;
		(void)strlen(f.subject);
		(void)strlen(f.issuer);
		for (i = 0; i < f.nsans; i++)
			(void)strlen(f.sans[i]);
		for (i = 0; i < f.nekus; i++)
			(void)strlen(f.ekus[i]);
	} else
		(void)strlen(err.text);
	if (pki_cert_pem_der(buf, size, "fuzz-cert.pem", &der, &derlen,
	    &err) == 0)
		facts_der(der, (size_t)derlen, have_facts ? &f : NULL, cert);
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
	OPENSSL_free(der);
	pki_csr_free(csr);
	pki_cert_facts_clear(&f);
	free(pem);
	free(dec);
	free(json);
	pki_cert_free(cert);
	free(buf);
	return 0;
}

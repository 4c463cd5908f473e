/*
 * fastleaf.h: the direct path of pki_leaf_issue() (issue.c), which every
 * leaf takes when pki_leaf_fast_ok() allows: the request and the
 * certificate of a given key are built as DER here, without OpenSSL's
 * generic X509/X509_REQ objects and the provider encoder and decoder
 * round trips they imply, which cost several times the crypto.  For the
 * same CSR JSON, key, profile and time, the CertificationRequestInfo,
 * the TBSCertificate (serial aside) and the key PEM are byte for byte
 * what pki_req_new + pki_cert_sign + pki_key_encode produce; the
 * signatures differ only where the algorithm is randomised (ECDSA).
 * tests/unit/t-fastleaf.c checks this.  Private to pki/ (and its unit
 * tests).
 */
#ifndef PKI_FASTLEAF_H
#define PKI_FASTLEAF_H

#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "der.h"

/* ---- shared with sign.c --------------------------------------------- */

/*
 * Returns 1 if the fast path reproduces pki_cert_sign() for profile p
 * (local, with usages; no CA, whitelists, policies, OCSP no-check,
 * client serials or fixed validity dates), else 0.
 */
int	pki_sign_fast_ok(const struct pki_profile *p);

/*
 * pki_cert_sign()'s validity: now rounded to the minute minus the
 * backdate, plus expiry (> 0) or the profile's; a backdate over a tenth of
 * that expiry is cut to the tenth and now is then not rounded
 * (pki_policy_backdate()).  now_sec = now_nsec = 0 means the current time.
 */
int	pki_sign_validity(const struct pki_profile *p, time_t now_sec,
	    long now_nsec, int64_t expiry, time_t *nb, time_t *na,
	    struct pki_error *err) PKI_MUST_CHECK;

/*
 * Appends to out the DER of the Extensions pki_cert_sign() gives a leaf
 * of profile p (KU, EKU, basicConstraints, SKI, AKI when aki is set,
 * AIA, SAN when sans has names, CRL DP), each a whole Extension.
 */
int	pki_sign_fast_exts(const struct pki_profile *p,
	    const unsigned char ski[20], const unsigned char *aki,
	    size_t akilen, const GENERAL_NAMES *sans, int san_critical,
	    struct pki_der *out, struct pki_error *err) PKI_MUST_CHECK;

/* ---- fastleaf.c ----------------------------------------------------- */

/* A CA prepared for signing many leaves (read-only once set up). */
struct pki_fast_issuer {
	EVP_PKEY	*cakey;		/* borrowed */
	const EVP_MD	*md;		/* borrowed; NULL for Ed25519 */
	unsigned char	*name;		/* the CA's subject, DER */
	size_t		 namelen;
	unsigned char	*ski;		/* the CA's SKI, or NULL */
	size_t		 skilen;
	struct pki_der	 sigalg;	/* AlgorithmIdentifier */
	/* Digests fetched once: SHA-1 (SKI), SHA-256/384/512 (signing). */
	EVP_MD		*mds[4];
};

/*
 * Prepares is from a CA certificate and its key (both borrowed and used
 * until pki_fast_issuer_clear).  The key must match the certificate.
 */
int	pki_fast_issuer_init(struct pki_fast_issuer *is,
	    const struct pki_cert *ca, const struct pki_key *cakey,
	    struct pki_error *err) PKI_MUST_CHECK;
void	pki_fast_issuer_clear(struct pki_fast_issuer *is);

/*
 * Returns 1 if csr can go through the fast path (no "ca" section, no
 * extensions, no delegation).
 */
int	pki_fast_csr_ok(const struct pki_csr *csr);

/*
 * Issues a leaf for csr with key (borrowed), signed by is under profile
 * p with validity [nb, na].  Fills the PEM texts and the serial of out
 * (cleared first; free it with pki_issued_clear).
 */
int	pki_fast_leaf_issue(const struct pki_fast_issuer *is,
	    const struct pki_csr *csr, const struct pki_key *key,
	    const struct pki_profile *p, time_t nb, time_t na,
	    struct pki_issued *out, struct pki_error *err) PKI_MUST_CHECK;

/* ---- issue.c -------------------------------------------------------- */

/*
 * Returns 1 when lr can take the direct path: a CSR JSON and profile it
 * reproduces (pki_fast_csr_ok, pki_sign_fast_ok), the key in cfssl's
 * format, no CRL override and no host override other than csr's hosts.
 */
int	pki_leaf_fast_ok(const struct pki_leaf_request *lr);

/*
 * pki_leaf_issue() with fi, when not NULL, already prepared for lr's CA
 * (cluster issue prepares it once for all its leaves).
 */
int	pki_leaf_issue_with(const struct pki_fast_issuer *fi,
	    const struct pki_leaf_request *lr, struct pki_issued *out,
	    struct pki_error *err) PKI_MUST_CHECK;

/*
 * PEM-encodes len bytes of DER under label ("CERTIFICATE"), 64 columns.
 * *pem is malloc'ed (wipe it if the DER is secret).
 */
int	pki_pem_encode(const char *label, const unsigned char *der,
	    size_t len, char **pem, size_t *pemlen,
	    struct pki_error *err) PKI_MUST_CHECK;

#endif /* PKI_FASTLEAF_H */

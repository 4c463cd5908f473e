/*
 * t-fastleaf.c: the fast leaf path (pki/fastleaf.c) against the general
 * one.  For the same CSR JSON, key, profile and time, the request's
 * CertificationRequestInfo, the certificate's TBSCertificate (serial
 * aside) and the private key PEM must be byte-identical to what
 * pki_req_new, pki_cert_sign and pki_key_encode make, and both
 * signatures must verify.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "internal.h"
#include "fastleaf.h"
#include "tap.h"
#include "certs.h"

static struct pki_error	e;

#define NOW_SEC		1790000000	/* 2026-09-21, pinned */
#define NOW_NSEC	123456789

static const char config_json[] =
"{\"signing\":{\"default\":{\"expiry\":\"1h\"},\"profiles\":{"
"\"peer\":{\"expiry\":\"43800h\",\"usages\":[\"signing\",\"key encipherment\","
"\"server auth\",\"client auth\"]},"
"\"client\":{\"expiry\":\"2h\",\"backdate\":\"1h\",\"usages\":[\"signing\","
"\"client auth\"]},"
"\"urls\":{\"expiry\":\"8760h\",\"usages\":[\"digital signature\",\"server auth\"],"
"\"ocsp_url\":\"http://ocsp.example\",\"crl_url\":\"http://crl.example/x.crl\","
"\"issuer_urls\":[\"http://ca.example/ca.der\"]},"
"\"policy\":{\"expiry\":\"1h\",\"usages\":[\"server auth\"],"
"\"policies\":[{\"ID\":\"1.2.3.4\"}]}}}}";

/* i2d of the TBS part of a PEM certificate or request; NULL on error. */
static unsigned char *
tbs_of(const char *pem, size_t len, int is_req, X509 **xp, X509_REQ **rp,
    int *tlen)
{
	BIO		*bio = BIO_new_mem_buf(pem, (int)len);
	unsigned char	*der = NULL;

	*tlen = 0;
	if (bio == NULL)
		return NULL;
	if (is_req) {
		*rp = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
		if (*rp != NULL)
			*tlen = i2d_re_X509_REQ_tbs(*rp, &der);
	} else {
		*xp = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (*xp != NULL)
			*tlen = i2d_re_X509_tbs(*xp, &der);
	}
	BIO_free(bio);
	return der;
}

static void
check_case(const char *label, const struct pki_cert *ca,
    const struct pki_key *cakey, const char *leafjson,
    const struct pki_profile *p)
{
	struct pki_fast_issuer	 is;
	struct pki_issued	 fl;
	struct pki_sign_request	 sr;
	struct pki_csr		*csr = test_csr(leafjson);
	struct pki_key		*key = NULL;
	struct pki_req		*req = NULL;
	struct pki_cert		*slow = NULL;
	X509			*fx = NULL, *sx = NULL;
	X509_REQ		*fr = NULL, *sr2 = NULL;
	EVP_PKEY		*capub;
	BIGNUM			*bn = NULL;
	unsigned char		*ft = NULL, *st = NULL;
	char			*pem = NULL, *kpem = NULL;
	size_t			 plen, klen;
	time_t			 nb, na;
	int			 fl_ok, flen, slen;

	memset(&is, 0, sizeof(is));
	memset(&fl, 0, sizeof(fl));
	memset(&sr, 0, sizeof(sr));
	if (!ok(csr != NULL && pki_key_generate(csr, &key, &e) == 0,
	    "%s: key", label))
		goto out;
	fl_ok = pki_fast_issuer_init(&is, ca, cakey, &e) == 0 &&
	    pki_sign_validity(p, NOW_SEC, NOW_NSEC, 0, &nb, &na, &e) == 0 &&
	    pki_fast_leaf_issue(&is, csr, key, p, nb, na, &fl, &e) == 0;
	if (!ok(fl_ok, "%s: fast issue", label)) {
		diag("%s", e.text);
		goto out;
	}

	/* The request: same CertificationRequestInfo, valid signature. */
	if (pki_req_new(csr, key, &req, &e) != 0 ||
	    pki_req_encode(req, &pem, &plen, &e) != 0) {
		ok(0, "%s: slow request: %s", label, e.text);
		goto out;
	}
	ft = tbs_of(fl.req, fl.reqlen, 1, NULL, &fr, &flen);
	st = tbs_of(pem, plen, 1, NULL, &sr2, &slen);
	ok(ft != NULL && st != NULL && flen == slen &&
	    memcmp(ft, st, (size_t)flen) == 0, "%s: request info identical",
	    label);
	ok(fr != NULL && X509_REQ_verify(fr, X509_REQ_get0_pubkey(fr)) == 1,
	    "%s: request signature verifies", label);
	OPENSSL_free(ft);
	OPENSSL_free(st);
	ft = st = NULL;
	free(pem);
	pem = NULL;

	/* The certificate: same TBS once the serials agree. */
	sr.req = req;
	sr.profile = p;
	sr.now_sec = NOW_SEC;
	sr.now_nsec = NOW_NSEC;
	if (pki_cert_sign(&sr, ca, cakey, &slow, &e) != 0 ||
	    pki_cert_encode(slow, &pem, &plen, &e) != 0) {
		ok(0, "%s: slow certificate: %s", label, e.text);
		goto out;
	}
	ft = tbs_of(fl.cert, fl.certlen, 0, &fx, NULL, &flen);
	if (fx != NULL && (sx = X509_dup(slow->x509)) != NULL)
		(void)X509_set_serialNumber(sx, X509_get_serialNumber(fx));
	if (sx != NULL)
		slen = i2d_re_X509_tbs(sx, &st);
	ok(ft != NULL && st != NULL && flen == slen &&
	    memcmp(ft, st, (size_t)flen) == 0,
	    "%s: TBSCertificate identical but for the serial", label);
	capub = X509_get0_pubkey(ca->x509);
	ok(fx != NULL && X509_verify(fx, capub) == 1,
	    "%s: certificate signature verifies with the CA key", label);
	if (fx != NULL)
		bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(fx), NULL);
	ok(bn != NULL && ASN1_INTEGER_cmp(X509_get_serialNumber(fx),
	    X509_get_serialNumber(slow->x509)) != 0 && BN_num_bits(bn) > 100 &&
	    BN_num_bits(bn) <= 159, "%s: fresh random serial", label);
	BN_free(bn);

	/* The key PEM, as cfssl writes it. */
	if (pki_key_encode(key, PKI_KEY_FMT_CFSSL, &kpem, &klen, &e) != 0)
		diag("%s", e.text);
	ok(kpem != NULL && klen == fl.keylen &&
	    memcmp(kpem, fl.key, klen) == 0, "%s: key PEM identical", label);
 out:
	ERR_clear_error();
	pki_secret_free(kpem, klen);
	OPENSSL_free(ft);
	OPENSSL_free(st);
	free(pem);
	X509_free(fx);
	X509_free(sx);
	X509_REQ_free(fr);
	X509_REQ_free(sr2);
	pki_cert_free(slow);
	pki_req_free(req);
	pki_key_free(key);
	pki_csr_free(csr);
	pki_issued_clear(&fl);
	pki_fast_issuer_clear(&is);
}

int
main(void)
{
	struct pki_config		*cfg = NULL;
	const struct pki_profile	*peer = NULL, *client = NULL;
	const struct pki_profile	*urls = NULL, *policy = NULL;
	struct pki_key			*eckey = NULL, *rsakey = NULL;
	struct pki_cert			*ecca, *rsaca;
	struct pki_fast_issuer		 is;
	struct pki_issued		 fl;
	struct pki_csr			*csr;
	char				*pem = NULL;
	size_t				 plen;

	if (pki_config_parse(config_json, strlen(config_json), "cfg", NULL,
	    &cfg, &e) != 0 ||
	    pki_config_profile(cfg, "peer", &peer, &e) != 0 ||
	    pki_config_profile(cfg, "client", &client, &e) != 0 ||
	    pki_config_profile(cfg, "urls", &urls, &e) != 0 ||
	    pki_config_profile(cfg, "policy", &policy, &e) != 0) {
		diag("config: %s", e.text);
		return 1;
	}
	ecca = test_ca("{\"CN\":\"EC CA\",\"key\":{\"algo\":\"ecdsa\","
	    "\"size\":256},\"names\":[{\"O\":\"t\",\"OU\":\"CA\"}]}",
	    NOW_SEC - 3600, &eckey);
	rsaca = test_ca("{\"CN\":\"RSA CA\",\"key\":{\"algo\":\"rsa\","
	    "\"size\":2048}}", NOW_SEC - 3600, &rsakey);
	if (ecca == NULL || rsaca == NULL)
		return 1;

	check_case("ec ca, p-256 peer", ecca, eckey,
	    "{\"CN\":\"etcd1\",\"hosts\":[\"etcd1\",\"etcd1.example.internal\","
	    "\"10.0.0.1\",\"fd00::1\",\"::ffff:10.0.0.9\",\"localhost\","
	    "\"127.0.0.1\",\"::1\",\"a@b.example\",\"https://u.example/x\"],"
	    "\"key\":{\"algo\":\"ecdsa\",\"size\":256},\"names\":[{\"C\":\"US\","
	    "\"ST\":\"California\",\"L\":\"San Francisco\",\"O\":\"etcd\","
	    "\"OU\":\"peers\"}]}", peer);
	check_case("ec ca, p-384 client without hosts", ecca, eckey,
	    "{\"CN\":\"admin\",\"key\":{\"algo\":\"ecdsa\",\"size\":384}}",
	    client);
	check_case("rsa ca, p-521 leaf with urls", rsaca, rsakey,
	    "{\"CN\":\"m1\",\"hosts\":[\"127.0.0.1\"],\"key\":{\"algo\":"
	    "\"ecdsa\",\"size\":521}}", urls);
	check_case("rsa ca, rsa-2048 leaf", rsaca, rsakey,
	    "{\"CN\":\"r\",\"hosts\":[\"r.example\"],\"key\":{\"algo\":"
	    "\"rsa\",\"size\":2048}}", peer);
	check_case("ec ca, ed25519 leaf", ecca, eckey,
	    "{\"CN\":\"ed\",\"hosts\":[\"ed.example\"],\"key\":{\"algo\":"
	    "\"ed25519\"}}", peer);
	check_case("ec ca, empty subject (critical SAN)", ecca, eckey,
	    "{\"hosts\":[\"x.example\"],\"key\":{\"algo\":\"ecdsa\","
	    "\"size\":256}}", peer);

	/* What the fast path refuses, the caller must send elsewhere. */
	ok(pki_sign_fast_ok(peer) && !pki_sign_fast_ok(policy),
	    "a profile with policies needs the general signer");
	csr = test_csr("{\"CN\":\"x\",\"key\":{\"algo\":\"ecdsa\",\"size\":256},"
	    "\"ca\":{\"expiry\":\"1h\"}}");
	ok(csr != NULL && !pki_fast_csr_ok(csr),
	    "a CSR JSON with a ca section needs the general path");
	memset(&fl, 0, sizeof(fl));
	if (pki_fast_issuer_init(&is, ecca, eckey, &e) == 0) {
		is_int(pki_fast_leaf_issue(&is, csr, eckey, peer, 0, 60, &fl,
		    &e), PKI_ERR_ARG, "and pki_fast_leaf_issue refuses it");
		pki_fast_issuer_clear(&is);
	} else
		ok(0, "issuer: %s", e.text);
	is_int(pki_fast_issuer_init(&is, ecca, rsakey, &e), PKI_ERR_MISMATCH,
	    "an issuer whose key does not match its certificate is refused");

	/*
	 * pki_leaf_issue: the one entry point.  It declines the direct path
	 * for a "ca" section, policies, a PKCS#8 key, a CRL or host override
	 * (pki_leaf_fast_ok) and takes the general one instead.
	 */
	{
		struct pki_leaf_request	 lr;
		struct pki_cert_facts	 f;
		struct pki_issued	 lp;
		struct pki_csr		*leaf = test_csr("{\"CN\":\"g\",\"hosts\":"
		    "[\"g.example\"],\"key\":{\"algo\":\"ecdsa\",\"size\":256}}");
		struct pki_cert		*c = NULL;
		struct pki_key		*k = NULL;
		const char		*other[] = { "o.example" };
		const char		*same[] = { "g.example" };
		char			*dec = NULL;

		memset(&lr, 0, sizeof(lr));
		lr.csr = csr;
		lr.profile = peer;
		lr.ca = ecca;
		lr.cakey = eckey;
		is_int(pki_leaf_fast_ok(&lr), 0,
		    "pki_leaf_issue declines the direct path for a ca section");
		is_int(pki_leaf_issue(&lr, &lp, &e), PKI_ERR_POLICY,
		    "...and the general signer refuses a CA request under a "
		    "leaf profile");
		ok(lp.cert == NULL && lp.key == NULL,
		    "...and returns nothing");
		lr.csr = leaf;
		lr.profile = policy;
		is_int(pki_leaf_fast_ok(&lr), 0,
		    "pki_leaf_issue declines the direct path for policies");
		if (pki_leaf_issue(&lr, &lp, &e) == 0 &&
		    pki_cert_load(lp.cert, lp.certlen, "lp", &c, &e) == 0)
			ok(X509_get_ext_by_NID(c->x509, NID_certificate_policies,
			    -1) >= 0, "...and the general path issues it with "
			    "the policies");
		else
			ok(0, "policies through the general path: %s", e.text);
		pki_cert_free(c);
		c = NULL;
		pki_issued_clear(&lp);
		lr.profile = peer;
		lr.key_format = PKI_KEY_FMT_PKCS8;
		is_int(pki_leaf_fast_ok(&lr), 0, "a PKCS#8 key: general path");
		lr.key_format = PKI_KEY_FMT_CFSSL;
		lr.crl_override = "http://crl.example/x.crl";
		is_int(pki_leaf_fast_ok(&lr), 0, "-crl: general path");
		lr.crl_override = NULL;
		lr.hosts = other;
		lr.nhosts = 1;
		lr.hosts_set = 1;
		is_int(pki_leaf_fast_ok(&lr), 0,
		    "hosts other than the CSR's: general path");
		lr.hosts = same;
		ok(pki_leaf_fast_ok(&lr), "the CSR's own hosts: direct path");
		lr.hosts = NULL;
		lr.nhosts = 0;
		lr.hosts_set = 0;
		ok(pki_leaf_fast_ok(&lr), "a plain leaf: direct path");
		lr.objects = 1;
		if (pki_leaf_issue(&lr, &lp, &e) == 0 &&
		    pki_cert_load(lp.cert, lp.certlen, "lp", &c, &e) == 0 &&
		    pki_cert_serial(c, &dec, &e) == 0) {
			is_str(lp.serial, dec, "pki_leaf_issue: the serial it "
			    "reports is the certificate's");
			ok(pki_key_load(lp.key, lp.keylen, "k", NULL, &k,
			    &e) == 0 && pki_cert_matches_key(c, k) &&
			    strstr(lp.key, "EC PRIVATE KEY") != NULL &&
			    strstr(lp.req, "CERTIFICATE REQUEST") != NULL,
			    "pki_leaf_issue: the key matches; request PEM");
			ok(lp.x509 != NULL && lp.newkey != NULL &&
			    pki_cert_matches_key(lp.x509, lp.newkey) &&
			    X509_cmp(lp.x509->x509, c->x509) == 0,
			    "pki_leaf_issue: objects: the certificate and its "
			    "new key");
			memset(&f, 0, sizeof(f));
			ok(pki_cert_facts(c, &f, &e) == 0 &&
			    (int64_t)lp.not_after == f.not_after,
			    "pki_leaf_issue: notAfter reported");
			pki_cert_facts_clear(&f);
		} else {
			ok(0, "pki_leaf_issue: %s", e.text);
			ok(0, "pki_leaf_issue: key and request PEM");
			ok(0, "pki_leaf_issue: objects");
			ok(0, "pki_leaf_issue: notAfter");
		}
		free(dec);
		pki_key_free(k);
		pki_cert_free(c);
		pki_issued_clear(&lp);
		pki_csr_free(leaf);
	}
	pki_csr_free(csr);

	/* PEM line breaking at the 48-byte boundaries. */
	if (pki_pem_encode("X", (const unsigned char *)
	    "0123456789012345678901234567890123456789012345678", 49, &pem,
	    &plen, &e) == 0)
		is_str(pem, "-----BEGIN X-----\nMDEyMzQ1Njc4OTAxMjM0NTY3ODkwMT"
		    "IzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3\nOA==\n-----END X-----\n",
		    "PEM: 64 columns, last line short");
	else
		ok(0, "pem: %s", e.text);
	free(pem);
	if (pki_pem_encode("X", (const unsigned char *)"", 0, &pem, &plen,
	    &e) == 0)
		is_str(pem, "-----BEGIN X-----\n-----END X-----\n",
		    "PEM: empty input");
	free(pem);

	pki_cert_free(ecca);
	pki_cert_free(rsaca);
	pki_key_free(eckey);
	pki_key_free(rsakey);
	pki_config_free(cfg);
	return done_testing();
}

/*
 * cert.c: loading, encoding and inspecting certificates, and rebuilding
 * the CSR JSON of a CA certificate for -renewca.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "x509priv.h"

int
pki_cert_pem_der(const char *buf, size_t len, const char *source,
    unsigned char **der, long *derlen, struct pki_error *err)
{
	BIO		*bio = NULL;
	char		*name = NULL, *header = NULL;
	unsigned char	*data = NULL;
	long		 dlen = 0;
	unsigned long	 e;
	int		 r = PKI_ERR_INTERNAL;

	*der = NULL;
	*derlen = 0;
	if (source == NULL)
		source = "";
	pki_err_source(err, source);
	if (buf == NULL)
		return pki_err(err, PKI_ERR_ARG, "%s: no input", source);
	if (len > INT_MAX)
		return pki_err(err, PKI_ERR_TOO_BIG, "%s: input too large",
		    source);
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "BIO_new_mem_buf");
		goto out;
	}
	for (;;) {
		if (PEM_read_bio(bio, &name, &header, &data, &dlen) != 1) {
			e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
				r = pki_err(err, PKI_ERR_PEM,
				    "%s: no PEM-encoded certificate found",
				    source);
			else
				r = pki_err_ssl(err, PKI_ERR_PEM,
				    "%s: bad PEM data", source);
			goto out;
		}
		if (strcmp(name, "CERTIFICATE") == 0)
			break;
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	*der = data;
	*derlen = dlen;
	data = NULL;
	r = PKI_OK;
 out:
	ERR_clear_error();
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	BIO_free(bio);
	return r;
}

int
pki_cert_from_der(const unsigned char *der, long len, const char *source,
    struct pki_cert **out, struct pki_error *err)
{
	struct pki_cert		*cert = NULL;
	X509			*x = NULL;
	const unsigned char	*p = der;
	int			 r;

	*out = NULL;
	if (source == NULL)
		source = "";
	if ((x = d2i_X509(NULL, &p, len)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_PEM,
		    "%s: cannot parse certificate", source);
		goto out;
	}
	if (p != der + len) {
		r = pki_err(err, PKI_ERR_PEM,
		    "%s: trailing data after the certificate", source);
		goto out;
	}
	if ((cert = calloc(1, sizeof(*cert))) == NULL ||
	    (*source != '\0' && (cert->source = strdup(source)) == NULL)) {
		r = pki_err(err, PKI_ERR_ALLOC, "%s: out of memory", source);
		goto out;
	}
	cert->x509 = x;
	x = NULL;
	*out = cert;
	cert = NULL;
	r = PKI_OK;
 out:
	ERR_clear_error();
	X509_free(x);
	pki_cert_free(cert);
	return r;
}

int
pki_cert_load(const char *buf, size_t len, const char *source,
    struct pki_cert **out, struct pki_error *err)
{
	unsigned char	*der = NULL;
	long		 derlen = 0;
	int		 r;

	*out = NULL;
	if (source == NULL)
		source = "";
	if ((r = pki_cert_pem_der(buf, len, source, &der, &derlen, err)) ==
	    PKI_OK)
		r = pki_cert_from_der(der, derlen, source, out, err);
	OPENSSL_free(der);
	return r;
}

int
pki_cert_encode(const struct pki_cert *cert, char **pem, size_t *len,
    struct pki_error *err)
{
	BIO	*bio = NULL;
	char	*p, *s = NULL;
	long	 n;
	int	 r = PKI_ERR_INTERNAL;

	*pem = NULL;
	if (len != NULL)
		*len = 0;
	if (cert == NULL || cert->x509 == NULL)
		return pki_err(err, PKI_ERR_ARG, "no certificate to encode");
	if ((bio = BIO_new(BIO_s_mem())) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "BIO_new");
		goto out;
	}
	if (PEM_write_bio_X509(bio, cert->x509) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "PEM_write_bio_X509");
		goto out;
	}
	if ((n = BIO_get_mem_data(bio, &p)) <= 0) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "BIO_get_mem_data");
		goto out;
	}
	if ((s = malloc((size_t)n + 1)) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	*pem = s;
	s = NULL;
	if (len != NULL)
		*len = (size_t)n;
	r = PKI_OK;
 out:
	free(s);
	BIO_free(bio);
	return r;
}

int
pki_cert_serial(const struct pki_cert *cert, char **dec,
    struct pki_error *err)
{
	BIGNUM	*bn = NULL;
	char	*s = NULL;
	int	 r = PKI_ERR_INTERNAL;

	*dec = NULL;
	if (cert == NULL || cert->x509 == NULL)
		return pki_err(err, PKI_ERR_ARG, "no certificate");
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert->x509),
	    NULL)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "ASN1_INTEGER_to_BN");
		goto out;
	}
	if ((s = BN_bn2dec(bn)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "BN_bn2dec");
		goto out;
	}
	if ((*dec = strdup(s)) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	r = PKI_OK;
 out:
	OPENSSL_free(s);
	BN_free(bn);
	return r;
}

int
pki_cert_matches_key(const struct pki_cert *cert, const struct pki_key *key)
{
	const EVP_PKEY	*pub;
	int		 eq;

	if (cert == NULL || cert->x509 == NULL || key == NULL ||
	    key->pkey == NULL)
		return 0;
	if ((pub = X509_get0_pubkey(cert->x509)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	eq = EVP_PKEY_eq(pub, key->pkey);
	ERR_clear_error();
	return eq == 1;
}

int
pki_exts_is_ca(const STACK_OF(X509_EXTENSION) *exts)
{
	BASIC_CONSTRAINTS	*bc;
	int			 crit = -1, ca;

	/* NULL with crit -1: absent; -2: repeated; >= 0: undecodable. */
	if ((bc = X509V3_get_d2i(exts, NID_basic_constraints, &crit,
	    NULL)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	ca = bc->ca != 0;
	BASIC_CONSTRAINTS_free(bc);
	return ca;
}

int
pki_cert_is_ca(const struct pki_cert *cert)
{
	if (cert == NULL || cert->x509 == NULL)
		return 0;
	return pki_exts_is_ca(X509_get0_extensions(cert->x509));
}

int
pki_cert_has_san(const struct pki_cert *cert)
{
	GENERAL_NAMES	*gens;
	int		 crit = -1, has;

	if (cert == NULL || cert->x509 == NULL)
		return 0;
	if ((gens = X509_get_ext_d2i(cert->x509, NID_subject_alt_name, &crit,
	    NULL)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	has = sk_GENERAL_NAME_num(gens) > 0;
	GENERAL_NAMES_free(gens);
	return has;
}

void
pki_cert_free(struct pki_cert *cert)
{
	if (cert == NULL)
		return;
	X509_free(cert->x509);
	free(cert->source);
	free(cert);
}

/* Copies an ASN1 string's bytes into a new C string; NULL on NUL or OOM. */
static char *
asn1_strdup(const ASN1_STRING *as)
{
	const unsigned char	*d = ASN1_STRING_get0_data(as);
	int			 n = ASN1_STRING_length(as);
	char			*s;

	if (n < 0 || memchr(d, '\0', (size_t)n) != NULL)
		return NULL;
	if ((s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(s, d, (size_t)n);
	s[n] = '\0';
	return s;
}

/*
 * Appends the SANs of one type to hosts, in certificate order, as Go's
 * csr.getHosts() lists them (IP addresses as text).
 */
static int
hosts_add_type(struct pki_strv *hosts, const GENERAL_NAMES *gens, int type,
    struct pki_error *err)
{
	const GENERAL_NAME	*gen;
	const ASN1_STRING	*v;
	char			*s, ip[64];
	int			 i, t, r;

	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		gen = sk_GENERAL_NAME_value(gens, i);
		v = GENERAL_NAME_get0_value(gen, &t);
		if (t != type)
			continue;
		if (type == GEN_IPADD) {
			/* Go's x509 refuses other lengths. */
			if (ASN1_STRING_length(v) != 4 &&
			    ASN1_STRING_length(v) != 16)
				return pki_err(err, PKI_ERR_INPUT,
				    "certificate: cannot parse IP address of "
				    "length %d", ASN1_STRING_length(v));
			pki_ip_format(ASN1_STRING_get0_data(v),
			    (size_t)ASN1_STRING_length(v), ip, sizeof(ip));
			if ((r = pki_strv_push(hosts, ip)) != PKI_OK)
				return pki_err(err, r, "out of memory");
			continue;
		}
		if ((s = asn1_strdup(v)) == NULL)
			return pki_err(err, PKI_ERR_INPUT,
			    "certificate: SAN contains a NUL byte");
		r = pki_strv_push(hosts, s);
		free(s);
		if (r != PKI_OK)
			return pki_err(err, r, "out of memory");
	}
	return PKI_OK;
}

/* The "key" section that matches a public key. */
static int
key_request_of(const EVP_PKEY *pkey, char **algo, int *size,
    struct pki_error *err)
{
	const char	*a;

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		a = "rsa";
		*size = EVP_PKEY_get_bits(pkey);
		break;
	case EVP_PKEY_EC:
		a = "ecdsa";
		*size = EVP_PKEY_get_bits(pkey);
		break;
	case EVP_PKEY_ED25519:
		/* cfssl logs its default size for Ed25519 keys. */
		a = "ed25519";
		*size = 256;
		break;
	default:
		return pki_err(err, PKI_ERR_KEY,
		    "certificate: unsupported public key type");
	}
	if ((*algo = strdup(a)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	return PKI_OK;
}

static int
dupfield(char **dst, const char *src)
{
	if (src == NULL)
		return PKI_OK;
	if ((*dst = strdup(src)) == NULL)
		return PKI_ERR_ALLOC;
	return PKI_OK;
}

int
pki_cert_to_csr(const struct pki_cert *cert, int ca_only,
    struct pki_csr **out, int64_t *validity_ns, struct pki_error *err)
{
	struct pki_subject	 subj;
	struct pki_csr		*csr = NULL;
	BASIC_CONSTRAINTS	*bc = NULL;
	GENERAL_NAMES		*gens = NULL;
	const EVP_PKEY		*pkey;
	struct pki_nameent	*ne;
	int64_t			 secs, pathlen = 0;
	size_t			 i, n;
	int			 crit = -1, days = 0, dsecs = 0;
	int			 r = PKI_ERR_INTERNAL;

	*out = NULL;
	if (validity_ns != NULL)
		*validity_ns = 0;
	memset(&subj, 0, sizeof(subj));
	if (cert == NULL || cert->x509 == NULL)
		return pki_err(err, PKI_ERR_ARG, "no certificate");

	if ((bc = X509_get_ext_d2i(cert->x509, NID_basic_constraints, &crit,
	    NULL)) == NULL && crit != -1) {
		r = pki_err(err, PKI_ERR_INPUT, "certificate: invalid "
		    "basicConstraints extension");
		goto out;
	}
	if (ca_only && (bc == NULL || !bc->ca)) {
		r = pki_err(err, PKI_ERR_INPUT,
		    "input certificate is not a CA cert");
		goto out;
	}
	if (bc != NULL && bc->ca && bc->pathlen != NULL &&
	    (ASN1_INTEGER_get_int64(&pathlen, bc->pathlen) != 1 ||
	    pathlen < 0 || pathlen > INT_MAX)) {
		r = pki_err(err, PKI_ERR_INPUT,
		    "certificate: invalid basicConstraints pathLen");
		goto out;
	}

	if (ASN1_TIME_diff(&days, &dsecs, X509_get0_notBefore(cert->x509),
	    X509_get0_notAfter(cert->x509)) != 1) {
		r = pki_err_ssl(err, PKI_ERR_INPUT,
		    "certificate: invalid validity period");
		goto out;
	}
	secs = (int64_t)days * 86400 + dsecs;
	if (secs > INT64_MAX / PKI_NS_PER_SEC ||
	    secs < INT64_MIN / PKI_NS_PER_SEC) {
		r = pki_err(err, PKI_ERR_INPUT,
		    "certificate: validity period too long");
		goto out;
	}

	if ((r = pki_subject_from_name(X509_get_subject_name(cert->x509),
	    &subj, err)) != PKI_OK)
		goto out;

	if ((csr = calloc(1, sizeof(*csr))) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	if ((csr->source = strdup("certificate")) == NULL ||
	    dupfield(&csr->cn, subj.cn) != PKI_OK ||
	    dupfield(&csr->serialnumber, subj.serial) != PKI_OK) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}

	/*
	 * csr.getNames(): entry i holds the i-th C, ST, L, O and OU; csr.Name
	 * appends them back in the same order, so the subject round-trips.
	 */
	n = subj.c.n;
	if (subj.st.n > n)
		n = subj.st.n;
	if (subj.l.n > n)
		n = subj.l.n;
	if (subj.o.n > n)
		n = subj.o.n;
	if (subj.ou.n > n)
		n = subj.ou.n;
	if (n > 0 && (csr->names = calloc(n, sizeof(*csr->names))) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	csr->nnames = n;
	for (i = 0; i < n; i++) {
		ne = &csr->names[i];
		if ((i < subj.c.n && dupfield(&ne->c, subj.c.v[i]) != 0) ||
		    (i < subj.st.n && dupfield(&ne->st, subj.st.v[i]) != 0) ||
		    (i < subj.l.n && dupfield(&ne->l, subj.l.v[i]) != 0) ||
		    (i < subj.o.n && dupfield(&ne->o, subj.o.v[i]) != 0) ||
		    (i < subj.ou.n && dupfield(&ne->ou, subj.ou.v[i]) != 0)) {
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
	}

	/* Hosts in csr.getHosts() order: IPs, DNS names, e-mails, URIs. */
	crit = -1;
	if ((gens = X509_get_ext_d2i(cert->x509, NID_subject_alt_name, &crit,
	    NULL)) == NULL && crit != -1) {
		r = pki_err(err, PKI_ERR_INPUT,
		    "certificate: invalid subjectAltName extension");
		goto out;
	}
	if (gens != NULL &&
	    ((r = hosts_add_type(&csr->hosts, gens, GEN_IPADD, err)) != 0 ||
	    (r = hosts_add_type(&csr->hosts, gens, GEN_DNS, err)) != 0 ||
	    (r = hosts_add_type(&csr->hosts, gens, GEN_EMAIL, err)) != 0 ||
	    (r = hosts_add_type(&csr->hosts, gens, GEN_URI, err)) != 0))
		goto out;

	if ((pkey = X509_get0_pubkey(cert->x509)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_KEY,
		    "certificate: cannot decode the public key");
		goto out;
	}
	if ((r = key_request_of(pkey, &csr->key_algo, &csr->key_size,
	    err)) != PKI_OK)
		goto out;

	/* A CA keeps its "ca" section (csr.ExtractCertificateRequest). */
	csr->has_ca = bc != NULL && bc->ca;
	csr->ca_pathlen = (int)pathlen;
	csr->ca_pathlenzero = csr->has_ca && bc->pathlen != NULL &&
	    pathlen == 0;
	csr->has_ca_expiry = 1;
	csr->ca_expiry = secs * PKI_NS_PER_SEC;
	if (validity_ns != NULL)
		*validity_ns = csr->ca_expiry;
	*out = csr;
	csr = NULL;
	r = PKI_OK;
 out:
	ERR_clear_error();
	pki_subject_clear(&subj);
	GENERAL_NAMES_free(gens);
	BASIC_CONSTRAINTS_free(bc);
	pki_csr_free(csr);
	return r;
}

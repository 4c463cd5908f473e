/*
 * req.c: PKCS#10 certificate requests as cfssl's csr.Generate builds
 * them, loading (helpers.ParseCSR's checks), PEM output and the JSON
 * description used by certinfo -csr.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <jansson.h>

#include "internal.h"
#include "x509priv.h"

#define OID_DELEGATION	"1.3.6.1.4.1.44363.44"

static const struct {
	int		 nid;
	const char	*name;
} sigalgs[] = {
	{ NID_md2WithRSAEncryption,	"MD2WithRSA" },
	{ NID_md5WithRSAEncryption,	"MD5WithRSA" },
	{ NID_sha1WithRSAEncryption,	"SHA1WithRSA" },
	{ NID_sha1WithRSA,		"SHA1WithRSA" },
	{ NID_sha256WithRSAEncryption,	"SHA256WithRSA" },
	{ NID_sha384WithRSAEncryption,	"SHA384WithRSA" },
	{ NID_sha512WithRSAEncryption,	"SHA512WithRSA" },
	{ NID_dsaWithSHA1,		"DSAWithSHA1" },
	{ NID_dsa_with_SHA256,		"DSAWithSHA256" },
	{ NID_ecdsa_with_SHA1,		"ECDSAWithSHA1" },
	{ NID_ecdsa_with_SHA256,	"ECDSAWithSHA256" },
	{ NID_ecdsa_with_SHA384,	"ECDSAWithSHA384" },
	{ NID_ecdsa_with_SHA512,	"ECDSAWithSHA512" },
	{ NID_ED25519,			"Ed25519" },
};

const char *
pki_sigalg_name(int nid)
{
	size_t	i;

	for (i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
		if (sigalgs[i].nid == nid)
			return sigalgs[i].name;
	return "Unknown Signature";
}

void
pki_req_free(struct pki_req *req)
{
	if (req == NULL)
		return;
	X509_REQ_free(req->req);
	free(req->source);
	free(req);
}

/* Appends an extension given by dotted OID and DER contents to exts. */
static int
push_ext(STACK_OF(X509_EXTENSION) *exts, const char *oid, int critical,
    const unsigned char *der, size_t len, const char *src,
    struct pki_error *err)
{
	ASN1_OBJECT	*obj;
	int		 r;

	if ((obj = OBJ_txt2obj(oid, 1)) == NULL)
		return pki_err_ssl(err, PKI_ERR_INPUT,
		    "%s: extensions: invalid OID \"%s\"", src, oid);
	if ((r = pki_ext_push(exts, obj, critical, der, len, err)) != 0)
		pki_err_prefix(err, src);
	ASN1_OBJECT_free(obj);
	return r;
}

/* Minimal two's complement big-endian encoding of v; returns its length. */
static size_t
der_int_body(long v, unsigned char out[sizeof(long)])
{
	unsigned char	tmp[sizeof(long)];
	size_t		i, start = 0;

	for (i = 0; i < sizeof(long); i++)
		tmp[sizeof(long) - 1 - i] =
		    (unsigned char)((unsigned long)v >> (8 * i));
	while (start < sizeof(long) - 1 &&
	    ((tmp[start] == 0x00 && !(tmp[start + 1] & 0x80)) ||
	    (tmp[start] == 0xff && (tmp[start + 1] & 0x80))))
		start++;
	memcpy(out, tmp + start, sizeof(long) - start);
	return sizeof(long) - start;
}

/*
 * Go's asn1.Marshal(BasicConstraints{true, pathlen}) with MaxPathLen
 * "optional,default:-1": pathLen is omitted when -1, which is what cfssl
 * uses for "pathlen 0 without pathlenzero".
 */
static int
push_ca_ext(STACK_OF(X509_EXTENSION) *exts, const struct pki_csr *csr,
    const char *src, struct pki_error *err)
{
	unsigned char	der[8 + sizeof(long)];
	long		pathlen = csr->ca_pathlen;
	size_t		n = 0, ilen;

	if (pathlen == 0 && !csr->ca_pathlenzero)
		pathlen = -1;
	der[n++] = 0x30;		/* SEQUENCE, length patched below */
	der[n++] = 0;
	der[n++] = 0x01;		/* BOOLEAN TRUE */
	der[n++] = 0x01;
	der[n++] = 0xff;
	if (pathlen != -1) {
		der[n++] = 0x02;	/* INTEGER */
		ilen = der_int_body(pathlen, der + n + 1);
		der[n++] = (unsigned char)ilen;
		n += ilen;
	}
	der[1] = (unsigned char)(n - 2);
	return push_ext(exts, "2.5.29.19", 1, der, n, src, err);
}

int
pki_req_new(const struct pki_csr *csr, const struct pki_key *key,
    struct pki_req **out, struct pki_error *err)
{
	static const unsigned char	 null_der[] = { 0x05, 0x00 };
	struct pki_subject		 subj;
	STACK_OF(X509_EXTENSION)	*exts = NULL;
	X509_EXTENSION			*ext = NULL;
	GENERAL_NAMES			*gens = NULL;
	X509_NAME			*name = NULL;
	X509_REQ			*req = NULL;
	struct pki_req			*preq = NULL;
	const EVP_MD			*md = NULL;
	const char			*src;
	size_t				 i;
	int				 r = PKI_ERR_INTERNAL, own_san = 1;

	*out = NULL;
	memset(&subj, 0, sizeof(subj));
	src = csr->source != NULL && *csr->source != '\0' ? csr->source :
	    "csr";
	if ((r = pki_key_sig_md(key->pkey, &md, err)) != 0)
		goto out;
	if ((r = pki_subject_from_csr(csr, &subj, err)) != 0 ||
	    (r = pki_subject_to_name(&subj, &name, err)) != 0) {
		pki_err_prefix(err, src);
		goto out;
	}
	if ((req = X509_REQ_new()) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "%s: X509_REQ_new", src);
		goto out;
	}
	if (X509_REQ_set_version(req, 0) != 1 ||
	    X509_REQ_set_subject_name(req, name) != 1 ||
	    X509_REQ_set_pubkey(req, key->pkey) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "%s: X509_REQ_set", src);
		goto out;
	}

	/* Requested extensions: SAN, BasicConstraints, Delegation, user's. */
	if ((exts = sk_X509_EXTENSION_new_null()) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "%s: out of memory", src);
		goto out;
	}
	/* Go writes no SAN of its own when an extra extension is one. */
	for (i = 0; i < csr->nexts; i++)
		if (strcmp(csr->exts[i].oid, "2.5.29.17") == 0)
			own_san = 0;
	if (own_san) {
		if ((r = pki_san_from_hosts((const char *const *)csr->hosts.v,
		    csr->hosts.n, 0, &gens, err)) != 0) {
			pki_err_prefix(err, src);
			goto out;
		}
		if (gens != NULL) {
			if ((ext = X509V3_EXT_i2d(NID_subject_alt_name, 0,
			    gens)) == NULL) {
				r = pki_err_ssl(err, PKI_ERR_CRYPTO,
				    "%s: hosts: X509V3_EXT_i2d", src);
				goto out;
			}
			if (sk_X509_EXTENSION_push(exts, ext) <= 0) {
				r = pki_err_ssl(err, PKI_ERR_ALLOC,
				    "%s: out of memory", src);
				goto out;
			}
			ext = NULL;
		}
	}
	if (csr->has_ca && (r = push_ca_ext(exts, csr, src, err)) != 0)
		goto out;
	if (csr->delegation_enabled && (r = push_ext(exts, OID_DELEGATION, 0,
	    null_der, sizeof(null_der), src, err)) != 0)
		goto out;
	for (i = 0; i < csr->nexts; i++)
		if ((r = push_ext(exts, csr->exts[i].oid, csr->exts[i].critical,
		    csr->exts[i].value, csr->exts[i].len, src, err)) != 0)
			goto out;
	if (sk_X509_EXTENSION_num(exts) > 0 &&
	    X509_REQ_add_extensions(req, exts) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO,
		    "%s: X509_REQ_add_extensions", src);
		goto out;
	}
	if (X509_REQ_sign(req, key->pkey, md) <= 0) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "%s: X509_REQ_sign", src);
		goto out;
	}
	if ((preq = calloc(1, sizeof(*preq))) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "%s: out of memory", src);
		goto out;
	}
	preq->req = req;
	req = NULL;
	*out = preq;
	r = PKI_OK;
 out:
	X509_EXTENSION_free(ext);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	GENERAL_NAMES_free(gens);
	X509_NAME_free(name);
	X509_REQ_free(req);
	pki_subject_clear(&subj);
	return r;
}

int
pki_req_load(const char *buf, size_t len, const char *source,
    struct pki_req **out, struct pki_error *err)
{
	const char		*src = source != NULL && *source != '\0' ?
				    source : "csr";
	BIO			*bio = NULL;
	X509_REQ		*req = NULL;
	EVP_PKEY		*pub;
	struct pki_req		*preq = NULL;
	char			*name = NULL, *header = NULL;
	unsigned char		*data = NULL;
	const unsigned char	*p;
	unsigned long		 e;
	long			 dlen = 0;
	int			 r = PKI_ERR_INTERNAL;

	*out = NULL;
	if (len > INT_MAX)
		return pki_err(err, PKI_ERR_TOO_BIG, "%s: file too large", src);
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "%s: BIO_new_mem_buf", src);
		goto out;
	}
	if (PEM_read_bio(bio, &name, &header, &data, &dlen) != 1) {
		e = ERR_peek_last_error();
		if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
		    ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
			r = pki_err(err, PKI_ERR_PEM, "%s: no PEM-encoded "
			    "certificate request found", src);
		else
			r = pki_err_ssl(err, PKI_ERR_PEM, "%s: malformed PEM",
			    src);
		goto out;
	}
	if (strcmp(name, "CERTIFICATE REQUEST") != 0 &&
	    strcmp(name, "NEW CERTIFICATE REQUEST") != 0) {
		r = pki_err(err, PKI_ERR_PEM,
		    "%s: not a CSR (PEM block \"%s\")", src, name);
		goto out;
	}
	p = data;
	if ((req = d2i_X509_REQ(NULL, &p, dlen)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_PEM,
		    "%s: cannot parse certificate request", src);
		goto out;
	}
	if (p != data + dlen) {
		r = pki_err(err, PKI_ERR_PEM,
		    "%s: trailing data after the certificate request", src);
		goto out;
	}
	if ((pub = X509_REQ_get0_pubkey(req)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_KEY,
		    "%s: cannot parse the request's public key", src);
		goto out;
	}
	if (X509_REQ_verify(req, pub) <= 0) {
		r = pki_err(err, PKI_ERR_SIGNATURE,
		    "%s: CSR signature does not verify", src);
		goto out;
	}
	if ((preq = calloc(1, sizeof(*preq))) == NULL ||
	    (preq->source = strdup(src)) == NULL) {
		free(preq);
		r = pki_err(err, PKI_ERR_ALLOC, "%s: out of memory", src);
		goto out;
	}
	preq->req = req;
	req = NULL;
	*out = preq;
	r = PKI_OK;
 out:
	X509_REQ_free(req);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	BIO_free(bio);
	return r;
}

int
pki_req_encode(const struct pki_req *req, char **pem, size_t *len,
    struct pki_error *err)
{
	BIO	*bio = NULL;
	char	*data;
	long	 n;
	int	 r = PKI_ERR_INTERNAL;

	*pem = NULL;
	*len = 0;
	if ((bio = BIO_new(BIO_s_mem())) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "csr: BIO_new");
		goto out;
	}
	if (PEM_write_bio_X509_REQ(bio, req->req) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO,
		    "csr: PEM_write_bio_X509_REQ");
		goto out;
	}
	if ((n = BIO_get_mem_data(bio, &data)) <= 0) {
		r = pki_err(err, PKI_ERR_CRYPTO, "csr: empty PEM output");
		goto out;
	}
	if ((*pem = malloc((size_t)n + 1)) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "csr: out of memory");
		goto out;
	}
	memcpy(*pem, data, (size_t)n);
	(*pem)[n] = '\0';
	*len = (size_t)n;
	r = PKI_OK;
 out:
	BIO_free(bio);
	return r;
}

int
pki_req_info_json(const struct pki_req *req, char **json,
    struct pki_error *err)
{
	STACK_OF(X509_EXTENSION)	*exts = NULL;
	GENERAL_NAMES			*gens = NULL;
	EVP_PKEY			*pub;
	json_t				*obj = NULL, *subj;
	char				*pem = NULL, desc[32];
	size_t				 pemlen;
	int				 crit = -1, r = PKI_ERR_INTERNAL;

	*json = NULL;
	if ((obj = json_object()) == NULL)
		goto nomem;
	if ((subj = pki_name_info_json(X509_REQ_get_subject_name(req->req),
	    err)) == NULL) {
		r = err != NULL ? err->code : PKI_ERR_INPUT;
		goto out;
	}
	if (json_object_set_new(obj, "subject", subj) != 0)
		goto nomem;
	exts = X509_REQ_get_extensions(req->req);
	if (exts != NULL) {
		gens = X509V3_get_d2i(exts, NID_subject_alt_name, &crit, NULL);
		if (gens == NULL && crit != -1) {
			r = pki_err_ssl(err, PKI_ERR_INPUT,
			    "csr: malformed subjectAltName extension");
			goto out;
		}
	}
	ERR_clear_error();
	if ((r = pki_san_info_json(gens, 1, obj, err)) != 0)
		goto out;
	pub = X509_REQ_get0_pubkey(req->req);
	pki_pkey_desc(pub, desc, sizeof(desc));
	if ((r = pki_req_encode(req, &pem, &pemlen, err)) != 0)
		goto out;
	if (json_object_set_new(obj, "public_key_algorithm",
	    json_string(pki_pkey_alg_name(pub))) != 0 ||
	    json_object_set_new(obj, "key", json_string(desc)) != 0 ||
	    json_object_set_new(obj, "sigalg", json_string(pki_sigalg_name(
	    X509_REQ_get_signature_nid(req->req)))) != 0 ||
	    json_object_set_new(obj, "pem", json_string(pem)) != 0)
		goto nomem;
	if ((*json = pki_json_dump_go(obj)) == NULL)
		goto nomem;
	r = PKI_OK;
	goto out;
 nomem:
	r = pki_err(err, PKI_ERR_ALLOC, "csr: out of memory");
 out:
	ERR_clear_error();
	free(pem);
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	json_decref(obj);
	return r;
}

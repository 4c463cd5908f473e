/*
 * bundle.c: cfssl bundle, offline (bundler/bundler.go, bundle.go and
 * ubiquity/ of cfssl 1.2.0, as Go 1.19's crypto/x509 verifies).  The
 * certificate (and any intermediates after it) is chained to a root of the
 * CA bundle, through the intermediates bundle and the input's own; among
 * the chains the flavor picks one, and the result is cfssl's JSON object.
 * Nothing is fetched: AIA issuer URLs are not followed, and without
 * platform metadata every chain is equally ubiquitous, as in cfssl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <jansson.h>

#include "internal.h"
#include "x509priv.h"

/* Chains longer than this are not explored (Go stops far earlier). */
#define MAX_DEPTH	10
/* At most this many chains are collected. */
#define MAX_CHAINS	64
/* "The bundle is expiring within 30 days." */
#define EXPIRING	(720 * 3600)

/* errors.BundleExpiringBit and errors.BundleNotUbiquitousBit. */
#define CODE_EXPIRING		1
#define CODE_NOT_UBIQUITOUS	2

static const char msg_sha2[] = "The bundle contains certificates signed with "
    "advanced hash functions such as SHA2, which are problematic for certain "
    "operating systems, e.g. Windows XP SP2.";
static const char msg_ecdsa[] = "The bundle contains ECDSA signatures, which "
    "are problematic for certain operating systems, e.g. Windows XP, "
    "Android 2.2 and Android 2.3.";
static const char msg_ubiquity[] = "Unable to measure bundle ubiquity: No "
    "platform metadata present.";

struct chain {
	X509	*c[MAX_DEPTH];
	size_t	 n;
};

struct pki_bundle {
	STACK_OF(X509)	*certs;		/* the input, leaf first */
	STACK_OF(X509)	*roots;
	STACK_OF(X509)	*ints;
	EVP_PKEY	*key;		/* -key, or from PKCS #12 */
	int		 flavor;
	time_t		 now;
	const char	*source;	/* of the certificate */
	const char	*keysrc;	/* of -key */
	char		*first;		/* pkix.Name.String() of certs[0] */
	char		*root;		/* the same of the anchoring root */
	char		*json;
	size_t		 jsonlen;
	/* Chain building. */
	struct chain	 found[MAX_CHAINS];
	size_t		 nfound;
	int		 why;		/* the reason no chain was found */
	X509		*why_cert;
};

/* Reasons a candidate chain fails, in increasing order of precedence. */
#define WHY_UNKNOWN	0
#define WHY_EKU		1
#define WHY_TIME	2

void
pki_bundle_free(struct pki_bundle *b)
{
	if (b == NULL)
		return;
	sk_X509_pop_free(b->certs, X509_free);
	sk_X509_pop_free(b->roots, X509_free);
	sk_X509_pop_free(b->ints, X509_free);
	EVP_PKEY_free(b->key);
	free(b->first);
	free(b->root);
	free(b->json);
	free(b);
}

const char *
pki_bundle_subject(const struct pki_bundle *b)
{
	return b->first;
}

const char *
pki_bundle_root(const struct pki_bundle *b)
{
	return b->root;
}

const char *
pki_bundle_json(const struct pki_bundle *b, size_t *len)
{
	if (len != NULL)
		*len = b->jsonlen;
	return b->json;
}

/* ---- reading certificates -------------------------------------------- */

/* Moves the certificates of a PKCS #7 (DER) into sk. */
static int
add_pkcs7(STACK_OF(X509) *sk, const unsigned char *der, long len,
    const char *source, struct pki_error *err)
{
	PKCS7		*p7;
	STACK_OF(X509)	*in = NULL;
	X509		*x;
	int		 i, r = PKI_OK;

	if ((p7 = d2i_PKCS7(NULL, &der, len)) == NULL)
		return pki_err_ssl(err, PKI_ERR_PEM, "%s: bad PKCS #7 data",
		    source);
	if (OBJ_obj2nid(p7->type) == NID_pkcs7_signed && p7->d.sign != NULL)
		in = p7->d.sign->cert;
	for (i = 0; in != NULL && i < sk_X509_num(in); i++) {
		x = sk_X509_value(in, i);
		if (!X509_up_ref(x) || !sk_X509_push(sk, x)) {
			X509_free(x);
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			break;
		}
	}
	PKCS7_free(p7);
	return r;
}

/*
 * Parses the PEM blocks of buf into sk: CERTIFICATE and PKCS7 blocks
 * (helpers.ParseCertificatesPEM).  Returns PKI_ERR_PEM when there is no
 * PEM block at all (*none set), or a block is broken or of another type.
 */
static int
read_pem_certs(STACK_OF(X509) *sk, const char *buf, size_t len,
    const char *source, int *none, struct pki_error *err)
{
	BIO			*bio = NULL;
	char			*name = NULL, *header = NULL;
	unsigned char		*data = NULL;
	const unsigned char	*p;
	long			 dlen = 0;
	X509			*x;
	unsigned long		 e;
	int			 n = 0, r = PKI_ERR_INTERNAL;

	*none = 0;
	if (len > INT_MAX)
		return pki_err(err, PKI_ERR_TOO_BIG, "%s: too large", source);
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		return pki_err_ssl(err, PKI_ERR_ALLOC, "BIO_new_mem_buf");
	for (;;) {
		if (PEM_read_bio(bio, &name, &header, &data, &dlen) != 1) {
			e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
				ERR_clear_error();
				if (n > 0)
					break;
				*none = 1;
				r = pki_err(err, PKI_ERR_PEM, "%s: no "
				    "certificate found", source);
			} else
				r = pki_err_ssl(err, PKI_ERR_PEM, "%s: bad PEM "
				    "data", source);
			goto out;
		}
		p = data;
		if (strcmp(name, "PKCS7") == 0) {
			if ((r = add_pkcs7(sk, p, dlen, source, err)) != PKI_OK)
				goto out;
		} else if (strcmp(name, "CERTIFICATE") == 0) {
			if ((x = d2i_X509(NULL, &p, dlen)) == NULL ||
			    p != data + dlen) {
				X509_free(x);
				r = pki_err_ssl(err, PKI_ERR_PEM, "%s: certificate "
				    "#%d cannot be decoded", source, n + 1);
				goto out;
			}
			if (!sk_X509_push(sk, x)) {
				X509_free(x);
				r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
				goto out;
			}
		} else {
			r = pki_err(err, PKI_ERR_PEM, "%s: a \"%s\" PEM block "
			    "where certificates were expected", source, name);
			goto out;
		}
		n++;
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	r = PKI_OK;
 out:
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	BIO_free(bio);
	return r;
}

/*
 * The input certificates: PEM, else (helpers.ParseCertificatesDER) one DER
 * certificate, a PKCS #7 or a PKCS #12 (whose key is kept in b->key).
 */
static int
read_input(struct pki_bundle *b, const char *buf, size_t len,
    const char *source, const char *password, struct pki_error *err)
{
	const unsigned char	*p = (const unsigned char *)buf;
	PKCS12			*p12 = NULL;
	EVP_PKEY		*pkey = NULL;
	X509			*x = NULL;
	STACK_OF(X509)		*ca = NULL;
	int			 none, r;

	if ((r = read_pem_certs(b->certs, buf, len, source, &none, err)) !=
	    PKI_ERR_PEM || !none)
		return r;
	ERR_clear_error();
	if ((x = d2i_X509(NULL, &p, (long)len)) != NULL &&
	    p == (const unsigned char *)buf + len) {
		if (!sk_X509_push(b->certs, x)) {
			X509_free(x);
			return pki_err(err, PKI_ERR_ALLOC, "out of memory");
		}
		return PKI_OK;
	}
	X509_free(x);
	x = NULL;
	ERR_clear_error();
	if (add_pkcs7(b->certs, (const unsigned char *)buf, (long)len, source,
	    NULL) == PKI_OK && sk_X509_num(b->certs) > 0)
		return PKI_OK;
	ERR_clear_error();
	p = (const unsigned char *)buf;
	if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		return pki_err(err, PKI_ERR_PEM, "%s: no certificate found (not "
		    "PEM, DER, PKCS #7 or PKCS #12)", source);
	}
	if (PKCS12_parse(p12, password, &pkey, &x, &ca) != 1) {
		PKCS12_free(p12);
		return pki_err_ssl(err, PKI_ERR_ENCRYPTED, "%s: cannot read the "
		    "PKCS #12 data (wrong -password?)", source);
	}
	PKCS12_free(p12);
	r = PKI_OK;
	if (x != NULL && !sk_X509_push(b->certs, x))
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
	else
		x = NULL;
	while (r == PKI_OK && ca != NULL && sk_X509_num(ca) > 0) {
		X509	*c = sk_X509_shift(ca);

		if (!sk_X509_push(b->certs, c)) {
			X509_free(c);
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		}
	}
	if (r == PKI_OK && pkey != NULL && b->key == NULL) {
		b->key = pkey;
		pkey = NULL;
	}
	X509_free(x);
	EVP_PKEY_free(pkey);
	sk_X509_pop_free(ca, X509_free);
	if (r == PKI_OK && sk_X509_num(b->certs) == 0)
		r = pki_err(err, PKI_ERR_PEM, "%s: no certificate in the PKCS "
		    "#12 data", source);
	return r;
}

/* ---- names ------------------------------------------------------------ */

/* Appends v escaped as Go's RDNSequence.String() escapes a value. */
static void
rdn_escape(struct pki_buf *sb, const char *v)
{
	size_t	i, n = strlen(v);
	char	c[3];

	for (i = 0; i < n; i++) {
		c[0] = '\\';
		c[1] = v[i];
		c[2] = '\0';
		if (strchr(",+\"\\<>;", v[i]) != NULL ||
		    (v[i] == ' ' && (i == 0 || i == n - 1)) ||
		    (v[i] == '#' && i == 0))
			pki_buf_add(sb, c);
		else
			pki_buf_addn(sb, v + i, 1);
	}
}

/* One RDN of values of one type, "T=v1+T=v2", for the reversed string. */
static void
rdn_add(struct pki_buf *sb, const char *type, const struct pki_strv *v,
    int *first)
{
	size_t	i;

	if (v->n == 0)
		return;
	if (!*first)
		pki_buf_add(sb, ",");
	*first = 0;
	for (i = 0; i < v->n; i++) {
		if (i > 0)
			pki_buf_add(sb, "+");
		pki_buf_add(sb, type);
		pki_buf_add(sb, "=");
		rdn_escape(sb, v->v[i]);
	}
}

/*
 * Go's pkix.Name.String() of a parsed name: the RDNs of ToRDNSequence()
 * from the last to the first, then the attributes it has no field for as
 * "OID=#<DER hex>".
 */
static char *
name_string(const X509_NAME *name)
{
	struct pki_subject	 s;
	struct pki_buf		 sb = { NULL, 0, 0, 0 };
	struct pki_strv		 one = { NULL, 0 };
	char			*v[1];
	size_t			 i, j, n;
	int			 first = 1;

	memset(&s, 0, sizeof(s));
	if (pki_subject_from_name(name, &s, NULL) != PKI_OK) {
		pki_subject_clear(&s);
		return strdup("");
	}
	one.v = v;
	one.n = 1;
	if (s.serial != NULL) {
		v[0] = s.serial;
		rdn_add(&sb, "SERIALNUMBER", &one, &first);
	}
	if (s.cn != NULL) {
		v[0] = s.cn;
		rdn_add(&sb, "CN", &one, &first);
	}
	rdn_add(&sb, "OU", &s.ou, &first);
	rdn_add(&sb, "O", &s.o, &first);
	rdn_add(&sb, "POSTALCODE", &s.postal, &first);
	rdn_add(&sb, "STREET", &s.street, &first);
	rdn_add(&sb, "L", &s.l, &first);
	rdn_add(&sb, "ST", &s.st, &first);
	rdn_add(&sb, "C", &s.c, &first);
	for (i = s.nextra; i > 0; i--) {
		const char	*val = s.extra[i - 1].value;
		int		 printable = 1;

		n = strlen(val);
		for (j = 0; j < n; j++)
			if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
			    "qrstuvwxyz0123456789 '()+,-./:=?", val[j]) == NULL)
				printable = 0;
		if (!first)
			pki_buf_add(&sb, ",");
		first = 0;
		pki_buf_add(&sb, s.extra[i - 1].oid);
		/* asn1.Marshal of the Go string: its tag and length. */
		{
			char	hx[16];

			snprintf(hx, sizeof(hx), "=#%02x", printable ? 0x13 :
			    0x0c);
			pki_buf_add(&sb, hx);
			if (n < 128)
				snprintf(hx, sizeof(hx), "%02x", (unsigned)n);
			else if (n < 256)
				snprintf(hx, sizeof(hx), "81%02x", (unsigned)n);
			else
				snprintf(hx, sizeof(hx), "82%04x",
				    (unsigned)(n & 0xffff));
			pki_buf_add(&sb, hx);
			for (j = 0; j < n; j++) {
				snprintf(hx, sizeof(hx), "%02x",
				    (unsigned char)val[j]);
				pki_buf_add(&sb, hx);
			}
		}
	}
	pki_subject_clear(&s);
	if (sb.oom) {
		free(sb.b);
		return NULL;
	}
	return sb.b != NULL ? sb.b : strdup("");
}

/* cfssl's "/Country=US/Organization=X/CommonName=y" of a name. */
static char *
names_string(const X509_NAME *name)
{
	static const char *const types[18] = {
		[3] = "CommonName", [5] = "SerialNumber", [6] = "Country",
		[7] = "Locality", [8] = "Province", [9] = "StreetAddress",
		[10] = "Organization", [11] = "OrganizationalUnit",
		[17] = "PostalCode"
	};
	struct pki_buf		 sb = { NULL, 0, 0, 0 };
	const X509_NAME_ENTRY	*ne;
	const ASN1_OBJECT	*obj;
	const unsigned char	*d;
	char			 oid[128], *val = NULL;
	const char		*t;
	unsigned long		 arc;
	int			 i, len;

	for (i = 0; i < X509_NAME_entry_count(name); i++) {
		ne = X509_NAME_get_entry(name, i);
		obj = X509_NAME_ENTRY_get_object(ne);
		t = "";
		/* Go looks the fourth arc up: 2.5.4.N. */
		if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) > 0 &&
		    strncmp(oid, "2.5.4.", 6) == 0 &&
		    strchr(oid + 6, '.') == NULL) {
			arc = strtoul(oid + 6, NULL, 10);
			if (arc < 18 && types[arc] != NULL)
				t = types[arc];
		} else if ((len = OBJ_length(obj)) > 0 &&
		    (d = OBJ_get0_data(obj)) != NULL && len >= 3) {
			/* Another OID: its fourth arc names no field. */
			t = "";
		}
		pki_buf_add(&sb, "/");
		pki_buf_add(&sb, t);
		pki_buf_add(&sb, "=");
		if (pki_asn1_string_utf8(X509_NAME_ENTRY_get_data(ne), "name",
		    &val, NULL) == PKI_OK)
			pki_buf_add(&sb, val);
		free(val);
		val = NULL;
	}
	ERR_clear_error();
	if (sb.oom) {
		free(sb.b);
		return NULL;
	}
	return sb.b != NULL ? sb.b : strdup("");
}

/* ---- chains ------------------------------------------------------------ */

/* notBefore/notAfter as seconds; -1 when unreadable. */
static time_t
cert_time(const X509 *x, int after)
{
	time_t	t;

	if (pki_asn1_time(after ? X509_get0_notAfter(x) :
	    X509_get0_notBefore(x), &t) != 0)
		return -1;
	return t;
}

/* Returns 1 if x's signature uses SHA-1 or MD5, which Go refuses. */
static int
insecure_sig(const X509 *x)
{
	int	md = NID_undef, pk;

	if (OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk) != 1)
		return 0;
	return md == NID_sha1 || md == NID_md5 || md == NID_md2;
}

/* Returns 1 if parent issued child: names, key ids, signature. */
static int
issued(X509 *parent, X509 *child)
{
	EVP_PKEY	*pk;
	int		 ok;

	if (X509_check_issued(parent, child) != X509_V_OK)
		return 0;
	if ((pk = X509_get0_pubkey(parent)) == NULL)
		return 0;
	ok = X509_verify(child, pk) == 1 && !insecure_sig(child);
	ERR_clear_error();
	return ok;
}

/* Returns 1 if self-signed (CheckSignatureFrom itself). */
static int
self_signed(X509 *x)
{
	EVP_PKEY	*pk;
	int		 ok;

	if ((pk = X509_get0_pubkey(x)) == NULL)
		return 0;
	ok = X509_verify(x, pk) == 1;
	ERR_clear_error();
	return ok;
}

/*
 * Go's checkChainForKeyUsage with KeyUsages server auth, Microsoft SGC
 * and Netscape SGC (cfssl 1.2.0's bundler): every certificate with an
 * extKeyUsage (and not anyExtendedKeyUsage) must allow one of them.
 */
static int
chain_eku_ok(const struct chain *ch)
{
	EXTENDED_KEY_USAGE	*eku;
	size_t			 i;
	int			 j, nid, crit, srv, ok;

	for (i = 0; i < ch->n; i++) {
		crit = -1;
		eku = X509_get_ext_d2i(ch->c[i], NID_ext_key_usage, &crit,
		    NULL);
		if (eku == NULL) {
			ERR_clear_error();
			if (crit != -1)
				return 0;
			continue;
		}
		ok = 0;
		srv = 0;
		for (j = 0; j < sk_ASN1_OBJECT_num(eku); j++) {
			nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, j));
			if (nid == NID_anyExtendedKeyUsage)
				ok = 1;
			if (nid == NID_server_auth || nid == NID_ms_sgc ||
			    nid == NID_ns_sgc)
				srv = 1;
		}
		EXTENDED_KEY_USAGE_free(eku);
		if (!ok && !srv)
			return 0;
	}
	return 1;
}

/* Notes why a chain failed, keeping the most telling reason. */
static void
chain_fail(struct pki_bundle *b, int why, X509 *x)
{
	if (why >= b->why) {
		b->why = why;
		b->why_cert = x;
	}
}

/* Accepts ch (leaf to root) if its certificates are valid now. */
static void
chain_done(struct pki_bundle *b, const struct chain *ch)
{
	time_t	nb, na;
	size_t	i;

	for (i = 0; i < ch->n; i++) {
		nb = cert_time(ch->c[i], 0);
		na = cert_time(ch->c[i], 1);
		if (nb == -1 || na == -1 || b->now < nb || b->now > na) {
			chain_fail(b, WHY_TIME, ch->c[i]);
			return;
		}
	}
	if (!chain_eku_ok(ch)) {
		chain_fail(b, WHY_EKU, ch->c[0]);
		return;
	}
	if (b->nfound < MAX_CHAINS)
		b->found[b->nfound++] = *ch;
}

/* Returns 1 if x is in ch already. */
static int
in_chain(const struct chain *ch, const X509 *x)
{
	size_t	i;

	for (i = 0; i < ch->n; i++)
		if (X509_cmp(ch->c[i], x) == 0)
			return 1;
	return 0;
}

/* Go's buildChains: every path from ch's last certificate to a root. */
static void
build(struct pki_bundle *b, struct chain *ch, STACK_OF(X509) *ints)
{
	X509		*c = ch->c[ch->n - 1], *p;
	BASIC_CONSTRAINTS *bc;
	long		 pathlen;
	int		 i, crit;

	if (ch->n >= MAX_DEPTH)
		return;
	for (i = 0; i < sk_X509_num(b->roots); i++) {
		p = sk_X509_value(b->roots, i);
		if (in_chain(ch, p) || !issued(p, c))
			continue;
		ch->c[ch->n++] = p;
		chain_done(b, ch);
		ch->n--;
	}
	for (i = 0; ints != NULL && i < sk_X509_num(ints); i++) {
		p = sk_X509_value(ints, i);
		if (in_chain(ch, p) || !issued(p, c))
			continue;
		/* An intermediate must be a CA, within its path length. */
		crit = -1;
		bc = X509_get_ext_d2i(p, NID_basic_constraints, &crit, NULL);
		ERR_clear_error();
		if (bc == NULL || !bc->ca) {
			BASIC_CONSTRAINTS_free(bc);
			continue;
		}
		pathlen = bc->pathlen != NULL ? ASN1_INTEGER_get(bc->pathlen) :
		    -1;
		BASIC_CONSTRAINTS_free(bc);
		if (pathlen >= 0 && (long)ch->n - 1 > pathlen)
			continue;
		ch->c[ch->n++] = p;
		build(b, ch, ints);
		ch->n--;
	}
}

/* ---- ranking (ubiquity/) ---------------------------------------------- */

/* hashUbiquity: SHA-1 100, SHA-2 70, MD and others 0. */
static int
hash_ubiquity(const X509 *x)
{
	int	md = NID_undef, pk;

	if (OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk) != 1)
		return 0;
	if (md == NID_sha1)
		return 100;
	if (md == NID_sha256 || md == NID_sha384 || md == NID_sha512)
		return 70;
	return 0;
}

/* hashPriority: SHA-2 100, SHA-1 10, others 0. */
static int
hash_priority(const X509 *x)
{
	int	u = hash_ubiquity(x);

	return u == 70 ? 100 : u == 100 ? 10 : 0;
}

/* The EC curve NID of x's key, or NID_undef. */
static int
curve(const X509 *x)
{
	EVP_PKEY	*pk = X509_get0_pubkey(x);
	char		 name[64];

	if (pk == NULL || EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC ||
	    EVP_PKEY_get_utf8_string_param(pk, "group", name, sizeof(name),
	    NULL) != 1)
		return NID_undef;
	return OBJ_sn2nid(name) != NID_undef ? OBJ_sn2nid(name) :
	    EC_curve_nist2nid(name);
}

/* keyAlgoUbiquity: RSA >= 1024 100, P-256/384 70, P-521 30, else 0. */
static int
key_ubiquity(const X509 *x)
{
	EVP_PKEY	*pk = X509_get0_pubkey(x);

	if (pk == NULL)
		return 0;
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		return EVP_PKEY_get_bits(pk) >= 1024 ? 100 : 0;
	case EVP_PKEY_EC:
		switch (curve(x)) {
		case NID_X9_62_prime256v1:
		case NID_secp384r1:
			return 70;
		case NID_secp521r1:
			return 30;
		}
		return 0;
	}
	return 0;
}

/* keyAlgoPriority: P-256 100, P-384 120, P-521 140, RSA-4096 70, ... */
static int
key_priority(const X509 *x)
{
	EVP_PKEY	*pk = X509_get0_pubkey(x);

	if (pk == NULL)
		return 0;
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_EC:
		switch (curve(x)) {
		case NID_secp384r1:
			return 120;
		case NID_secp521r1:
			return 140;
		}
		return 100;
	case EVP_PKEY_RSA:
		switch (EVP_PKEY_get_bits(pk)) {
		case 4096:
			return 70;
		case 3072:
			return 50;
		case 2048:
			return 30;
		}
		return 0;
	}
	return 0;
}

static int
chain_min(const struct chain *ch, int (*f)(const X509 *))
{
	size_t	i;
	int	m = 1 << 30, v;

	for (i = 0; i < ch->n; i++)
		if ((v = f(ch->c[i])) < m)
			m = v;
	return m;
}

/* HashPriority / KeyAlgoPriority: the running mean, truncated. */
static int
chain_mean(const struct chain *ch, int (*f)(const X509 *))
{
	double	ret = 0.0, f1;
	size_t	i;

	for (i = 0; i < ch->n; i++) {
		f1 = 1.0 / ((double)i + 1.0);
		ret = ret * (1.0 - f1) + (double)f(ch->c[i]) * f1;
	}
	return (int)ret;
}

/* helpers.ExpiryTime: the earliest notAfter. */
static time_t
chain_expiry(const struct chain *ch)
{
	time_t	t, m = 0;
	size_t	i;

	for (i = 0; i < ch->n; i++)
		if ((t = cert_time(ch->c[i], 1)) != -1 && (m == 0 || t < m))
			m = t;
	return m;
}

/* helpers.ValidExpiry: the CA/Browser Forum limit on a validity. */
static int
valid_expiry(const X509 *x)
{
	time_t		nb = cert_time(x, 0), na = cert_time(x, 1);
	struct tm	a, z;
	int		max, months;

	if (nb == -1 || na == -1 || gmtime_r(&nb, &a) == NULL ||
	    gmtime_r(&na, &z) == NULL)
		return 0;
	if (nb > 1427846400)		/* after 2015-04-01 */
		max = 39;
	else if (nb > 1341100800)	/* after 2012-07-01 */
		max = 60;
	else
		max = 120;
	months = (z.tm_year - a.tm_year) * 12 + z.tm_mon - a.tm_mon;
	if (z.tm_mday > a.tm_mday)
		months++;
	return months <= max;
}

static int
cmp_length(const struct chain *a, const struct chain *c)
{
	return (int)c->n - (int)a->n;
}

static int
cmp_expiry(const struct chain *a, const struct chain *c)
{
	time_t	x = chain_expiry(a), y = chain_expiry(c);

	return x > y ? 1 : x < y ? -1 : 0;
}

static int
cmp_suite(const struct chain *a, const struct chain *c)
{
	return chain_mean(a, hash_priority) + chain_mean(a, key_priority) -
	    chain_mean(c, hash_priority) - chain_mean(c, key_priority);
}

static int
sha2_homogeneity(const struct chain *ch)
{
	size_t	i;

	for (i = 0; i + 1 < ch->n; i++)
		if (hash_ubiquity(ch->c[i]) != 70)
			return 0;
	return 1;
}

static int
cmp_sha2(const struct chain *a, const struct chain *c)
{
	return sha2_homogeneity(a) - sha2_homogeneity(c);
}

static int
cmp_hash(const struct chain *a, const struct chain *c)
{
	return chain_min(a, hash_ubiquity) - chain_min(c, hash_ubiquity);
}

static int
cmp_keyalgo(const struct chain *a, const struct chain *c)
{
	return chain_min(a, key_ubiquity) - chain_min(c, key_ubiquity);
}

/* CompareExpiryUbiquity: from the root down, later and valid first. */
static int
cmp_expiry_ubiquity(const struct chain *a, const struct chain *c)
{
	size_t		i;
	const X509	*x, *y;
	time_t		tx, ty;
	int		vx, vy;

	for (i = 0; i < a->n && i < c->n; i++) {
		x = a->c[a->n - 1 - i];
		y = c->c[c->n - 1 - i];
		vx = valid_expiry(x);
		vy = valid_expiry(y);
		if (vx != vy)
			return vx - vy;
		tx = cert_time(x, 1);
		ty = cert_time(y, 1);
		if (tx != ty)
			return tx > ty ? 1 : -1;
	}
	return 0;
}

/* ubiquity.Filter: keeps the chains ranked highest by f, in order. */
static void
filter(struct pki_bundle *b, int (*f)(const struct chain *,
    const struct chain *))
{
	struct chain	best;
	size_t		i, n = 0;
	int		r;

	if (b->nfound <= 1)
		return;
	best = b->found[0];
	for (i = 0; i < b->nfound; i++) {
		r = f(&best, &b->found[i]);
		if (r < 0) {
			best = b->found[i];
			b->found[0] = b->found[i];
			n = 1;
		} else if (r == 0)
			b->found[n++] = b->found[i];
	}
	b->nfound = n;
}

/* ---- the result -------------------------------------------------------- */

/* PEM of x without the final newline (PemBlockToString). */
static int
pem_of(X509 *x, struct pki_buf *sb)
{
	BIO	*bio;
	char	*p;
	long	 n;

	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509(bio, x) != 1) {
		BIO_free(bio);
		return -1;
	}
	n = BIO_get_mem_data(bio, &p);
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r' ||
	    p[n - 1] == ' '))
		n--;
	pki_buf_addn(sb, p, (size_t)n);
	BIO_free(bio);
	return 0;
}

/* A new JSON string of the PEMs of certs [from, to), or NULL. */
static json_t *
pems_json(X509 *const *certs, size_t n)
{
	struct pki_buf	 sb = { NULL, 0, 0, 0 };
	json_t		*v;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			pki_buf_add(&sb, "\n");
		if (pem_of(certs[i], &sb) != 0) {
			free(sb.b);
			return NULL;
		}
	}
	if (sb.oom) {
		free(sb.b);
		return NULL;
	}
	v = json_string(sb.b != NULL ? sb.b : "");
	free(sb.b);
	return v;
}

static json_t *
time_json(time_t t)
{
	char	buf[32];

	pki_time_format((int64_t)t, buf, sizeof(buf));
	return json_string(buf);
}

/* cfssl's key field: the key in cfssl's PEM format, trimmed, or "". */
static json_t *
key_json(EVP_PKEY *pkey)
{
	struct pki_key	 k;
	json_t		*v;
	char		*pem = NULL;
	size_t		 len = 0;

	if (pkey == NULL)
		return json_string("");
	k.pkey = pkey;
	if (pki_key_encode(&k, PKI_KEY_FMT_CFSSL, &pem, &len, NULL) != PKI_OK)
		return NULL;
	while (len > 0 && (pem[len - 1] == '\n' || pem[len - 1] == ' '))
		len--;
	v = json_stringn(pem, len);
	pki_secret_free(pem, len);
	return v;
}

/* CN then the DNS names, each once (bundle.buildHostnames). */
static json_t *
hostnames_json(X509 *x)
{
	GENERAL_NAMES	*gens;
	GENERAL_NAME	*g;
	X509_NAME	*nm = X509_get_subject_name(x);
	json_t		*a, *s;
	char		*cn = NULL;
	size_t		 k;
	int		 i, idx;

	if ((a = json_array()) == NULL)
		return NULL;
	idx = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
	if (idx >= 0 && pki_asn1_string_utf8(X509_NAME_ENTRY_get_data(
	    X509_NAME_get_entry(nm, idx)), "CN", &cn, NULL) == PKI_OK &&
	    *cn != '\0')
		json_array_append_new(a, json_string(cn));
	free(cn);
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS)
			continue;
		if ((s = json_stringn((const char *)ASN1_STRING_get0_data(
		    g->d.dNSName), (size_t)ASN1_STRING_length(g->d.dNSName))) ==
		    NULL)
			continue;
		for (k = 0; k < json_array_size(a); k++)
			if (json_equal(json_array_get(a, k), s))
				break;
		if (k < json_array_size(a))
			json_decref(s);
		else
			json_array_append_new(a, s);
	}
	GENERAL_NAMES_free(gens);
	ERR_clear_error();
	return a;
}

/* The OCSP URIs of x, or JSON null. */
static json_t *
ocsp_json(X509 *x)
{
	STACK_OF(OPENSSL_STRING) *ocsp = X509_get1_ocsp(x);
	json_t		*a;
	int		 i;

	if (ocsp == NULL || sk_OPENSSL_STRING_num(ocsp) == 0) {
		X509_email_free(ocsp);
		return json_null();
	}
	if ((a = json_array()) != NULL)
		for (i = 0; i < sk_OPENSSL_STRING_num(ocsp); i++)
			json_array_append_new(a, json_string(
			    sk_OPENSSL_STRING_value(ocsp, i)));
	X509_email_free(ocsp);
	return a;
}

/* Sets key of o to v (stolen); records a failure in *bad. */
static void
put(json_t *o, const char *key, json_t *v, int *bad)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		*bad = 1;
}

/* Status, then the JSON object, for the chosen chain ch. */
static int
result(struct pki_bundle *b, struct chain *ch, struct pki_error *err)
{
	json_t		*o = NULL, *st = NULL, *msgs, *skis, *v;
	X509		*leaf = ch->c[0], *root = NULL;
	EVP_PKEY	*pk = X509_get0_pubkey(leaf);
	const ASN1_OCTET_STRING *cski;
	struct pki_buf	 sb = { NULL, 0, 0, 0 }, hb;
	char		 hx[4], desc[64], text[512];
	size_t		 i, j, nexp = 0;
	time_t		 na;
	int		 code = 0, bad = 0, force = b->flavor == PKI_BUNDLE_FORCE;
	int		 rebundled, r = PKI_ERR_ALLOC;

	if ((msgs = json_array()) == NULL || (skis = json_array()) == NULL) {
		json_decref(msgs);
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	/* Expiring certificates, then the ubiquity messages. */
	for (i = 0; i < ch->n; i++) {
		if ((na = cert_time(ch->c[i], 1)) == -1 ||
		    na - b->now >= EXPIRING)
			continue;
		nexp++;
		snprintf(desc, sizeof(desc), " #%zu", i + 1);
		pki_buf_add(&sb, desc);
		/* fmt.Sprintf("%X", SubjectKeyId) */
		cski = X509_get0_subject_key_id(ch->c[i]);
		hb.b = NULL;
		hb.len = hb.cap = 0;
		hb.oom = 0;
		for (j = 0; cski != NULL &&
		    j < (size_t)ASN1_STRING_length(cski); j++) {
			snprintf(hx, sizeof(hx), "%02X",
			    ASN1_STRING_get0_data(cski)[j]);
			pki_buf_add(&hb, hx);
		}
		json_array_append_new(skis, json_string(hb.b != NULL ? hb.b :
		    ""));
		free(hb.b);
	}
	if (nexp > 0) {
		/* cfssl 1.2.0 writes no space after "days.". */
		snprintf(text, sizeof(text), "The bundle is expiring within 30 "
		    "days.%s%s in the chain.", nexp > 1 ? "The expiring certs "
		    "are" : "The expiring cert is", sb.b != NULL ? sb.b : "");
		json_array_append_new(msgs, json_string(text));
		code |= CODE_EXPIRING;
	}
	free(sb.b);
	if (chain_min(ch, hash_ubiquity) <= 70) {
		json_array_append_new(msgs, json_string(msg_sha2));
		code |= CODE_NOT_UBIQUITOUS;
	}
	if (chain_min(ch, key_ubiquity) <= 70) {
		json_array_append_new(msgs, json_string(msg_ecdsa));
		code |= CODE_NOT_UBIQUITOUS;
	}
	if (!force) {
		root = ch->c[ch->n - 1];
		json_array_append_new(msgs, json_string(msg_ubiquity));
		code |= CODE_NOT_UBIQUITOUS;
		if ((b->root = name_string(X509_get_subject_name(root))) ==
		    NULL)
			goto out;
		/* One intermediate stays with an OCSP leaf (no CA). */
		v = ocsp_json(leaf);
		if (!(json_is_array(v) && X509_check_ca(leaf) == 0 &&
		    ch->n <= 2))
			ch->n--;
		json_decref(v);
	}
	rebundled = (size_t)sk_X509_num(b->certs) != ch->n;
	for (i = 0; !rebundled && i < ch->n; i++)
		if (X509_cmp(ch->c[i], sk_X509_value(b->certs, (int)i)) != 0)
			rebundled = 1;

	if ((st = json_object()) == NULL)
		goto out;
	put(st, "rebundled", json_boolean(rebundled), &bad);
	put(st, "expiring_SKIs", json_array_size(skis) > 0 ? json_incref(skis) :
	    json_null(), &bad);
	put(st, "untrusted_root_stores", force ? json_null() : json_array(),
	    &bad);
	put(st, "messages", json_incref(msgs), &bad);
	put(st, "code", json_integer(code), &bad);

	/* json.Marshal of a map: the keys in order. */
	if ((o = json_object()) == NULL)
		goto out;
	put(o, "bundle", pems_json(ch->c, ch->n), &bad);
	{
		CRL_DIST_POINTS	*dp = X509_get_ext_d2i(leaf,
		    NID_crl_distribution_points, NULL, NULL);

		put(o, "crl_support", json_boolean(dp != NULL), &bad);
		CRL_DIST_POINTS_free(dp);
		ERR_clear_error();
	}
	put(o, "crt", pems_json(&leaf, 1), &bad);
	put(o, "expires", time_json(chain_expiry(ch)), &bad);
	put(o, "hostnames", hostnames_json(leaf), &bad);
	{
		char	*s = names_string(X509_get_issuer_name(leaf));

		put(o, "issuer", s != NULL ? json_string(s) : NULL, &bad);
		free(s);
	}
	put(o, "key", key_json(b->key), &bad);
	switch (pk != NULL ? EVP_PKEY_get_base_id(pk) : 0) {
	case EVP_PKEY_RSA:
		put(o, "key_size", json_integer(EVP_PKEY_get_bits(pk)), &bad);
		snprintf(desc, sizeof(desc), "%d-bit RSA", EVP_PKEY_get_bits(pk));
		break;
	case EVP_PKEY_EC:
		put(o, "key_size", json_integer(EVP_PKEY_get_bits(pk)), &bad);
		snprintf(desc, sizeof(desc), "%d-bit ECDSA",
		    EVP_PKEY_get_bits(pk));
		break;
	case EVP_PKEY_ED25519:
		put(o, "key_size", json_integer(0), &bad);
		snprintf(desc, sizeof(desc), "Ed25519");
		break;
	default:
		put(o, "key_size", json_integer(0), &bad);
		snprintf(desc, sizeof(desc), "Unknown");
		break;
	}
	put(o, "key_type", json_string(desc), &bad);
	put(o, "leaf_expires", time_json(cert_time(leaf, 1)), &bad);
	put(o, "ocsp", ocsp_json(leaf), &bad);
	v = json_object_get(o, "ocsp");
	put(o, "ocsp_support", json_boolean(json_is_array(v)), &bad);
	put(o, "root", root != NULL ? pems_json(&root, 1) : json_string(""),
	    &bad);
	put(o, "signature", json_string(pki_sigalg_name(
	    X509_get_signature_nid(leaf))), &bad);
	put(o, "status", json_incref(st), &bad);
	{
		char	*s = names_string(X509_get_subject_name(leaf));

		put(o, "subject", s != NULL ? json_string(s) : NULL, &bad);
		free(s);
	}
	if (bad || (b->json = pki_json_dump_go_flags(o, JSON_COMPACT |
	    JSON_PRESERVE_ORDER)) == NULL)
		goto out;
	b->jsonlen = strlen(b->json);
	r = PKI_OK;
 out:
	json_decref(o);
	json_decref(st);
	json_decref(msgs);
	json_decref(skis);
	if (r != PKI_OK)
		return pki_err(err, r, "out of memory");
	return PKI_OK;
}

/* ---- the API ------------------------------------------------------------- */

int
pki_bundle_new(const struct pki_bundle_input *in, struct pki_bundle **out,
    struct pki_error *err)
{
	struct pki_bundle	*b = NULL;
	struct pki_key		*k = NULL;
	int			 none, r = PKI_ERR_ALLOC;

	*out = NULL;
	if (in == NULL || in->certs == NULL)
		return pki_err(err, PKI_ERR_ARG, "bundle: no certificate");
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->certs = sk_X509_new_null()) == NULL ||
	    (b->roots = sk_X509_new_null()) == NULL ||
	    (b->ints = sk_X509_new_null()) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	b->flavor = in->flavor;
	b->now = in->now != 0 ? in->now : time(NULL);
	b->source = in->certs_source != NULL ? in->certs_source : "<input>";
	pki_err_source(err, b->source);
	if ((r = read_input(b, in->certs, in->certs_len, b->source,
	    in->password != NULL ? in->password : "", err)) != PKI_OK)
		goto out;
	if (in->roots != NULL) {
		pki_err_source(err, in->roots_source);
		if ((r = read_pem_certs(b->roots, in->roots, in->roots_len,
		    in->roots_source, &none, err)) != PKI_OK)
			goto out;
	}
	if (in->ints != NULL) {
		pki_err_source(err, in->ints_source);
		if ((r = read_pem_certs(b->ints, in->ints, in->ints_len,
		    in->ints_source, &none, err)) != PKI_OK)
			goto out;
	}
	if (in->key != NULL) {
		b->keysrc = in->key_source;
		if ((r = pki_key_load(in->key, in->key_len, in->key_source, NULL,
		    &k, err)) != PKI_OK)
			goto out;
		EVP_PKEY_free(b->key);
		b->key = k->pkey;
		k->pkey = NULL;
	}
	if ((b->first = name_string(X509_get_subject_name(
	    sk_X509_value(b->certs, 0)))) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	*out = b;
	b = NULL;
	r = PKI_OK;
 out:
	ERR_clear_error();
	pki_key_free(k);
	pki_bundle_free(b);
	return r;
}

int
pki_bundle_flavor(const char *name)
{
	if (name == NULL || strcmp(name, "ubiquitous") == 0)
		return PKI_BUNDLE_UBIQUITOUS;
	if (strcmp(name, "optimal") == 0)
		return PKI_BUNDLE_OPTIMAL;
	if (strcmp(name, "force") == 0)
		return PKI_BUNDLE_FORCE;
	return PKI_BUNDLE_OTHER;
}

int
pki_bundle_open(const struct pki_bundle_files *f, struct pki_bundle **out,
    struct pki_error *err)
{
	struct pki_bundle_input	 in;
	const char		*env, *src[4];
	char			*buf[4] = { NULL, NULL, NULL, NULL };
	size_t			 len[4] = { 0, 0, 0, 0 };
	int			 i, r = PKI_OK;

	*out = NULL;
	memset(&in, 0, sizeof(in));
	in.certs_source = f->cert;
	in.key_source = f->key;
	in.ints_source = f->ints;
	/* Without -ca-bundle, the system's roots, as cfssl (Go) uses them. */
	if ((in.roots_source = f->roots) == NULL) {
		env = getenv(X509_get_default_cert_file_env());
		in.roots_source = env != NULL && *env != '\0' ? env :
		    X509_get_default_cert_file();
	}
	src[0] = in.certs_source;
	src[1] = in.key_source;
	src[2] = in.roots_source;
	src[3] = in.ints_source;
	for (i = 0; i < 4 && r == PKI_OK; i++)
		if (src[i] != NULL)
			r = pki_input_read(src[i], 0, PKI_MAX_INPUT, &buf[i],
			    &len[i], err);
	if (r == PKI_OK) {
		in.certs = buf[0];
		in.certs_len = len[0];
		if (in.certs_source != NULL && strcmp(in.certs_source, "-") ==
		    0)
			in.certs_source = "<stdin>";
		in.key = buf[1];
		in.key_len = len[1];
		in.roots = buf[2];
		in.roots_len = len[2];
		in.ints = buf[3];
		in.ints_len = len[3];
		in.flavor = pki_bundle_flavor(f->flavor);
		in.password = f->password != NULL ? f->password : "0";
		r = pki_bundle_new(&in, out, err);
	}
	pki_secret_free(buf[1], len[1]);
	for (i = 0; i < 4; i++)
		if (i != 1)
			free(buf[i]);
	return r;
}

/* Returns 1 if each certificate of sk verifies the one before it. */
static int
partial_verify(STACK_OF(X509) *sk)
{
	EVP_PKEY	*pk;
	int		 i, ok = 1;

	for (i = 0; ok && i + 1 < sk_X509_num(sk); i++)
		ok = (pk = X509_get0_pubkey(sk_X509_value(sk, i + 1))) !=
		    NULL && X509_verify(sk_X509_value(sk, i), pk) == 1;
	ERR_clear_error();
	return ok;
}

/* Reverses sk in place. */
static void
reverse(STACK_OF(X509) *sk)
{
	int	i, n = sk_X509_num(sk);
	X509	*t;

	for (i = 0; i < n / 2; i++) {
		t = sk_X509_value(sk, i);
		(void)sk_X509_set(sk, i, sk_X509_value(sk, n - 1 - i));
		(void)sk_X509_set(sk, n - 1 - i, t);
	}
}

int
pki_bundle_build(struct pki_bundle *b, struct pki_error *err)
{
	struct chain	 ch;
	STACK_OF(X509)	*all = NULL;
	X509		*leaf;
	EVP_PKEY	*pk;
	char		 t[32], *name;
	time_t		 when;
	int		 i, id, r;

	pki_err_source(err, b->source);
	/* A chain given leaf last is turned around. */
	if (sk_X509_num(b->certs) > 1 && !partial_verify(b->certs)) {
		reverse(b->certs);
		if (!partial_verify(b->certs))
			reverse(b->certs);
	}
	leaf = sk_X509_value(b->certs, 0);
	if ((pk = X509_get0_pubkey(leaf)) == NULL)
		return pki_err_ssl(err, PKI_ERR_KEY, "%s: the certificate's "
		    "public key cannot be decoded", b->source);
	id = EVP_PKEY_get_base_id(pk);
	if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC && id != EVP_PKEY_ED25519)
		return pki_err(err, PKI_ERR_KEY, "%s: the certificate's key is "
		    "not RSA, ECDSA or Ed25519", b->source);
	if (b->key != NULL && EVP_PKEY_eq(b->key, pk) != 1) {
		ERR_clear_error();
		return pki_err(err, PKI_ERR_MISMATCH, "%s: the private key does "
		    "not match the certificate %s", b->keysrc != NULL ?
		    b->keysrc : "key", b->source);
	}
	memset(&ch, 0, sizeof(ch));
	if (b->flavor == PKI_BUNDLE_FORCE) {
		/* Only checks that the input is a chain. */
		if (!partial_verify(b->certs))
			return pki_err(err, PKI_ERR_SIGNATURE, "%s: the "
			    "certificates do not form a chain (each must be "
			    "signed by the next)", b->source);
		for (i = 0; i < sk_X509_num(b->certs) && i < MAX_DEPTH; i++)
			ch.c[ch.n++] = sk_X509_value(b->certs, i);
		return result(b, &ch, err);
	}
	if (self_signed(leaf))
		return pki_err(err, PKI_ERR_INPUT, "%s: the certificate is "
		    "self-signed: there is nothing to bundle", b->source);
	ch.c[ch.n++] = leaf;
	build(b, &ch, b->ints);
	/* Failing that, with the input's own intermediates. */
	if (b->nfound == 0 && sk_X509_num(b->certs) > 1) {
		if ((all = sk_X509_dup(b->ints)) == NULL)
			return pki_err(err, PKI_ERR_ALLOC, "out of memory");
		for (i = 1; i < sk_X509_num(b->certs); i++)
			if (!sk_X509_push(all, sk_X509_value(b->certs, i))) {
				sk_X509_free(all);
				return pki_err(err, PKI_ERR_ALLOC,
				    "out of memory");
			}
		ch.n = 1;
		build(b, &ch, all);
		sk_X509_free(all);
	}
	if (b->nfound == 0) {
		switch (b->why) {
		case WHY_TIME:
			when = cert_time(b->why_cert, 1);
			r = when != -1 && b->now > when;
			if (!r)
				when = cert_time(b->why_cert, 0);
			pki_time_format((int64_t)when, t, sizeof(t));
			name = name_string(X509_get_subject_name(b->why_cert));
			r = pki_err(err, PKI_ERR_SIGNATURE, "%s: the chain does "
			    "not verify: %s %s %s", b->source, name != NULL ?
			    name : "a certificate", r ? "expired on" :
			    "is not valid before", t);
			free(name);
			return r;
		case WHY_EKU:
			return pki_err(err, PKI_ERR_SIGNATURE, "%s: the chain "
			    "does not verify: the certificate's extended key "
			    "usage does not allow server auth", b->source);
		}
		return pki_err(err, PKI_ERR_SIGNATURE, "%s: the chain does not "
		    "verify: signed by an unknown authority (no path to a "
		    "root of the CA bundle)", b->source);
	}
	/* The flavors (no platform metadata: ubiquity ties everywhere). */
	if (b->flavor != PKI_BUNDLE_OPTIMAL) {
		filter(b, cmp_sha2);
		filter(b, cmp_length);
		filter(b, cmp_hash);
		filter(b, cmp_keyalgo);
		filter(b, cmp_expiry_ubiquity);
	}
	filter(b, cmp_length);
	filter(b, cmp_expiry);
	filter(b, cmp_suite);
	ch = b->found[0];
	return result(b, &ch, err);
}

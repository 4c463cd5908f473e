/*
 * floor.c: the floor of the etcd-pki benchmark (bench/README.md).
 *
 * Does, in one process and on N threads, exactly the raw OpenSSL work a
 * cluster issue needs and nothing else: key generation, building and
 * signing each CSR (PKCS#10) and certificate, PEM encoding, and writing
 * NAME.pem, NAME-key.pem (0600) and NAME.csr into a directory per leaf
 * with plain open/write/close (no fsync).  The CA (ca.pem, ca-key.pem,
 * ca.csr) goes at the top.  No input parsing, no checks, no reports.
 *
 * Two routes do the same work:
 *   x509  the plain OpenSSL API: X509_REQ/X509 objects, X509_*_sign,
 *         PEM_write_bio_* (public and private keys go through OpenSSL
 *         3.0's provider encoders);
 *   der   DER built directly (SubjectPublicKeyInfo, SEC1/PKCS#1 private
 *         key, TBSCertificate, CertificationRequestInfo) and signed with
 *         EVP_DigestSign; base64 by EVP_EncodeBlock.
 * The cheaper median is the floor.
 *
 * Build: cc -O2 floor.c $(pkg-config --cflags --libs libcrypto) -pthread
 * Usage: floor [-kP] [-a ALGO] [-j THREADS] [-n MEMBERS] [-o DIR]
 *            [-r REPS] [-R der|x509|both]
 *   -a  ecdsa-256 (default) or rsa-BITS
 *   -P  RSA keys from two BN_generate_prime_ex2 primes of BITS/2 bits (p
 *       mod 65537 != 1, two top bits set), d = e^-1 mod lcm(p-1, q-1), as
 *       etcd-pki makes them (pki/rsagen.c, without its checks and pairwise
 *       test, and on the worker's own thread); default: EVP_PKEY_keygen,
 *       OpenSSL 3.0's FIPS 186-4 B.3.6 generator
 *   -j  threads (default: the online CPUs)
 *   -n  N synthetic members m1..mN (own name, 127.0.x.y) instead of the
 *       guide's etcd1..etcd3; a client "admin" is always added
 *   -o  output directory (default: a new /tmp/floor.XXXXXX); repetition r
 *       of route R writes into DIR/R.r, a new directory each time
 *   -k  keep the output (default: deleted after the last measurement)
 *   -r  repetitions per route (default 5)
 *   -R  the route(s) to measure (default: both)
 * Output: per route, the median, min and max wall time of a repetition
 * and the mean time per operation; then "FLOOR_MS <median> <route>" for
 * the cheaper route.  Exits 1 on any failure.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* nftw, mkdirat, O_DIRECTORY */
#endif

#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define MAXSAN		8
#define SCRATCH		16384
#define LEAF_EXPIRY	(43800L * 3600)		/* request-config.json */
#define CA_EXPIRY	(87600L * 3600)		/* ca-csr.json */
#define BACKDATE	300			/* cfssl: 5 minutes */

enum { KIND_CA, KIND_PEER, KIND_CLIENT };
enum { ROUTE_DER, ROUTE_X509 };
enum { OP_KEYGEN, OP_BUILD, OP_SIGN, OP_ENCODE, OP_WRITE, OP_NUM };

static const char *const route_names[] = { "der", "x509" };

/* One certificate to make: leaves[0] is the CA. */
struct leaf {
	char		 name[32];		/* file base name */
	char		 dir[48];		/* its directory, "" for the CA */
	char		 cn[48];
	int		 kind;
	int		 plain;			/* subject: CN only */
	char		 dns[MAXSAN][48];
	size_t		 ndns;
	unsigned char	 ip[MAXSAN][16];
	size_t		 iplen[MAXSAN];
	size_t		 nip;
	EVP_PKEY	*key;			/* per repetition */
};

struct params {
	int		 rsa_bits;		/* 0: ECDSA P-256 */
	const char	*algo;
	int		 threads;
	int		 reps;
	int		 route;			/* -1: both */
	int		 keep;
	int		 primes;		/* -P */
	long		 members;		/* 0: the guide's example */
	char		*dir;
};

/* The CA as the signers need it; read-only once ready. */
struct ca {
	unsigned char	 name[512];		/* subject DER (der route) */
	size_t		 namelen;
	unsigned char	 ski[SHA_DIGEST_LENGTH];
	EVP_PKEY	*key;
	X509		*cert;			/* x509 route */
};

struct run {
	const struct params *p;
	int		 route;
	struct leaf	*leaves;
	size_t		 nleaves;		/* including the CA */
	int		 basefd;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	size_t		 next;			/* next key to generate */
	int		 ca_ready;
	size_t		*pending;		/* keys waiting for the CA */
	size_t		 npending;
	struct ca	 ca;
	EVP_MD		*sha1;
	EVP_MD		*sha256;
};

/* Per thread: reused contexts, scratch buffers, and the time per op. */
struct tctx {
	struct run	*run;
	pthread_t	 tid;
	EVP_PKEY_CTX	*kctx;
	EVP_PKEY_CTX	*ca_pctx;		/* signing with the CA key */
	unsigned char	*spki, *tbs, *sig, *csr, *crt, *kder;
	size_t		 spkilen, csrlen, crtlen, kderlen;
	unsigned char	 pub[1100];		/* subjectPublicKey bits */
	size_t		 publen;
	char		*pem[3];		/* cert, key, csr */
	size_t		 pemlen[3];
	uint64_t	 ns[OP_NUM];
	uint64_t	 cnt[OP_NUM];
	uint64_t	 t0;
};

static void die(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list		 ap;
	unsigned long	 e;
	char		 buf[256];

	fputs("floor: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		fprintf(stderr, ": %s", buf);
	}
	fputc('\n', stderr);
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		die("clock_gettime: %s", strerror(errno));
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Starts timing an operation of thread t. */
static void
op_start(struct tctx *t)
{
	t->t0 = now_ns();
}

/* Charges the time since op_start to op, n times. */
static void
op_end(struct tctx *t, int op, unsigned n)
{
	uint64_t	now = now_ns();

	t->ns[op] += now - t->t0;
	t->cnt[op] += n;
	t->t0 = now;
}

static void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n, size)) == NULL)
		die("calloc: %s", strerror(errno));
	return p;
}

/* ---- DER by hand ------------------------------------------------------ */

struct der {
	unsigned char	*b;
	size_t		 n, cap;
};

static void
d_init(struct der *d, unsigned char *buf, size_t cap)
{
	d->b = buf;
	d->n = 0;
	d->cap = cap;
}

static void
d_need(struct der *d, size_t k)
{
	if (d->n + k > d->cap)
		die("DER buffer too small");
}

static void
d_bytes(struct der *d, const void *p, size_t len)
{
	d_need(d, len);
	memcpy(d->b + d->n, p, len);
	d->n += len;
}

/* Opens a constructed element; the length is fixed by d_close. */
static size_t
d_open(struct der *d, int tag)
{
	size_t	at = d->n;

	d_need(d, 4);
	d->b[at] = (unsigned char)tag;
	d->n += 4;
	return at;
}

static void
d_close(struct der *d, size_t at)
{
	size_t		 clen = d->n - at - 4, hl;
	unsigned char	*h = d->b + at + 1;

	if (clen < 0x80)
		hl = 1;
	else if (clen < 0x100)
		hl = 2;
	else if (clen < 0x10000)
		hl = 3;
	else
		die("DER element too long");
	if (hl != 3)
		memmove(h + hl, h + 3, clen);
	if (hl == 1)
		h[0] = (unsigned char)clen;
	else if (hl == 2) {
		h[0] = 0x81;
		h[1] = (unsigned char)clen;
	} else {
		h[0] = 0x82;
		h[1] = (unsigned char)(clen >> 8);
		h[2] = (unsigned char)clen;
	}
	d->n = at + 1 + hl + clen;
}

static void
d_tlv(struct der *d, int tag, const void *p, size_t len)
{
	size_t	at = d_open(d, tag);

	d_bytes(d, p, len);
	d_close(d, at);
}

/* An INTEGER from big-endian unsigned bytes. */
static void
d_uint(struct der *d, const unsigned char *p, size_t len)
{
	size_t	at;

	while (len > 1 && p[0] == 0) {
		p++;
		len--;
	}
	at = d_open(d, 0x02);
	if (len == 0 || (p[0] & 0x80))
		d_bytes(d, "", 1);
	d_bytes(d, p, len);
	d_close(d, at);
}

static void
d_bn_param(struct der *d, const EVP_PKEY *key, const char *param)
{
	BIGNUM		*bn = NULL;
	unsigned char	 buf[1024];
	int		 len;

	if (EVP_PKEY_get_bn_param(key, param, &bn) != 1)
		die("EVP_PKEY_get_bn_param %s", param);
	if ((len = BN_bn2bin(bn, buf)) < 0 || (size_t)len > sizeof(buf))
		die("BN_bn2bin");
	d_uint(d, buf, (size_t)len);
	OPENSSL_cleanse(buf, sizeof(buf));
	BN_clear_free(bn);
}

static const unsigned char oid_ku[] = { 0x55, 0x1d, 0x0f };
static const unsigned char oid_eku[] = { 0x55, 0x1d, 0x25 };
static const unsigned char oid_bc[] = { 0x55, 0x1d, 0x13 };
static const unsigned char oid_ski[] = { 0x55, 0x1d, 0x0e };
static const unsigned char oid_aki[] = { 0x55, 0x1d, 0x23 };
static const unsigned char oid_san[] = { 0x55, 0x1d, 0x11 };
static const unsigned char oid_extreq[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e };
static const unsigned char oid_ec[] = {
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
static const unsigned char oid_p256[] = {
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const unsigned char oid_rsa[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };
static const unsigned char alg_ecdsa_sha256[] = {
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03,
	0x02 };
static const unsigned char alg_rsa_sha256[] = {
	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
	0x01, 0x0b, 0x05, 0x00 };
static const unsigned char eku_server[] = {
	0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01 };
static const unsigned char eku_client[] = {
	0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02 };

/*
 * The subject attributes of the guide's example (etcd-pki cluster init):
 * C, ST, L, O, OU, then CN, as cfssl orders them.  Synthetic members have
 * a CN only.
 */
static const struct {
	unsigned char	 oid;			/* 2.5.4.oid */
	int		 nid;
	const char	*value[3];		/* CA, peer, client */
} name_attrs[] = {
	{ 6, NID_countryName, { "US", "US", "US" } },
	{ 8, NID_stateOrProvinceName,
	    { "California", "California", "California" } },
	{ 7, NID_localityName,
	    { "San Francisco", "San Francisco", "San Francisco" } },
	{ 10, NID_organizationName, { "etcd-pki example",
	    "etcd-pki example", "etcd-pki example" } },
	{ 11, NID_organizationalUnitName, { "CA", "etcd peers",
	    "etcd peers" } },
};

static void
d_attr(struct der *d, unsigned char oid, const char *value)
{
	unsigned char	 o[3] = { 0x55, 0x04, oid };
	size_t		 set, seq;

	set = d_open(d, 0x31);
	seq = d_open(d, 0x30);
	d_tlv(d, 0x06, o, sizeof(o));
	d_tlv(d, 0x13, value, strlen(value));	/* PrintableString */
	d_close(d, seq);
	d_close(d, set);
}

static void
d_name(struct der *d, const struct leaf *l)
{
	size_t	at, i;

	at = d_open(d, 0x30);
	for (i = 0; !l->plain && i < sizeof(name_attrs) /
	    sizeof(name_attrs[0]); i++)
		if (name_attrs[i].value[l->kind] != NULL)
			d_attr(d, name_attrs[i].oid,
			    name_attrs[i].value[l->kind]);
	d_attr(d, 3, l->cn);
	d_close(d, at);
}

/* Opens Extension { extnID, [critical,] extnValue OCTET STRING { ... } }. */
static void
d_ext_open(struct der *d, const unsigned char *oid, size_t oidlen, int crit,
    size_t *seq, size_t *oct)
{
	*seq = d_open(d, 0x30);
	d_tlv(d, 0x06, oid, oidlen);
	if (crit)
		d_bytes(d, "\x01\x01\xff", 3);
	*oct = d_open(d, 0x04);
}

static void
d_ext_close(struct der *d, size_t seq, size_t oct)
{
	d_close(d, oct);
	d_close(d, seq);
}

static void
d_ext_san(struct der *d, const struct leaf *l)
{
	size_t	seq, oct, gn, i;

	d_ext_open(d, oid_san, sizeof(oid_san), 0, &seq, &oct);
	gn = d_open(d, 0x30);
	for (i = 0; i < l->ndns; i++)
		d_tlv(d, 0x82, l->dns[i], strlen(l->dns[i]));
	for (i = 0; i < l->nip; i++)
		d_tlv(d, 0x87, l->ip[i], l->iplen[i]);
	d_close(d, gn);
	d_ext_close(d, seq, oct);
}

static void
d_ext_bc(struct der *d, int ca)
{
	size_t	seq, oct, bc;

	d_ext_open(d, oid_bc, sizeof(oid_bc), 1, &seq, &oct);
	bc = d_open(d, 0x30);
	if (ca)
		d_bytes(d, "\x01\x01\xff", 3);
	d_close(d, bc);
	d_ext_close(d, seq, oct);
}

/*
 * The SubjectPublicKeyInfo of l's key into t->spki, and its subjectPublicKey
 * bits (the EC point, or the RSAPublicKey DER) into t->pub.
 */
static void
der_spki(struct tctx *t, const struct leaf *l)
{
	const struct params *p = t->run->p;
	struct der	 d;
	size_t		 spki, alg, bits, seq;

	d_init(&d, t->spki, SCRATCH);
	spki = d_open(&d, 0x30);
	alg = d_open(&d, 0x30);
	if (p->rsa_bits == 0) {
		if (EVP_PKEY_get_octet_string_param(l->key,
		    OSSL_PKEY_PARAM_PUB_KEY, t->pub, sizeof(t->pub),
		    &t->publen) != 1)
			die("EVP_PKEY_get_octet_string_param pub");
		d_tlv(&d, 0x06, oid_ec, sizeof(oid_ec));
		d_tlv(&d, 0x06, oid_p256, sizeof(oid_p256));
		d_close(&d, alg);
		bits = d_open(&d, 0x03);
		d_bytes(&d, "", 1);
		d_bytes(&d, t->pub, t->publen);
		d_close(&d, bits);
	} else {
		d_tlv(&d, 0x06, oid_rsa, sizeof(oid_rsa));
		d_bytes(&d, "\x05\x00", 2);
		d_close(&d, alg);
		bits = d_open(&d, 0x03);
		d_bytes(&d, "", 1);
		seq = d_open(&d, 0x30);
		d_bn_param(&d, l->key, OSSL_PKEY_PARAM_RSA_N);
		d_bn_param(&d, l->key, OSSL_PKEY_PARAM_RSA_E);
		d_close(&d, seq);
		d_close(&d, bits);
		/* The SKI hashes the BIT STRING's content after the pad. */
		t->publen = d.n - (seq);
		memcpy(t->pub, d.b + seq, t->publen);
	}
	d_close(&d, spki);
	t->spkilen = d.n;
}

/* SEC1 ECPrivateKey or PKCS#1 RSAPrivateKey, as cfssl writes them. */
static void
der_privkey(struct tctx *t, const struct leaf *l)
{
	static const char *const rsa_params[] = {
		OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E,
		OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2,
		OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	struct der	 d;
	BIGNUM		*bn = NULL;
	unsigned char	 priv[32];
	size_t		 seq, at, i;

	d_init(&d, t->kder, SCRATCH);
	seq = d_open(&d, 0x30);
	if (t->run->p->rsa_bits == 0) {
		if (EVP_PKEY_get_bn_param(l->key, OSSL_PKEY_PARAM_PRIV_KEY,
		    &bn) != 1)
			die("EVP_PKEY_get_bn_param priv");
		if (BN_bn2binpad(bn, priv, sizeof(priv)) != sizeof(priv))
			die("BN_bn2binpad");
		BN_clear_free(bn);
		d_bytes(&d, "\x02\x01\x01", 3);
		d_tlv(&d, 0x04, priv, sizeof(priv));
		OPENSSL_cleanse(priv, sizeof(priv));
		at = d_open(&d, 0xa0);
		d_tlv(&d, 0x06, oid_p256, sizeof(oid_p256));
		d_close(&d, at);
		at = d_open(&d, 0xa1);
		i = d_open(&d, 0x03);
		d_bytes(&d, "", 1);
		d_bytes(&d, t->pub, t->publen);
		d_close(&d, i);
		d_close(&d, at);
	} else {
		d_bytes(&d, "\x02\x01\x00", 3);
		for (i = 0; i < sizeof(rsa_params) / sizeof(rsa_params[0]);
		    i++)
			d_bn_param(&d, l->key, rsa_params[i]);
	}
	d_close(&d, seq);
	t->kderlen = d.n;
}

/*
 * Signs buf with key into the thread's sig buffer; returns its length.
 * SHA-256, then EVP_PKEY_sign on a context kept per thread for the CA
 * key (initialised once), or made for a leaf's own key.
 */
static size_t
sign(struct tctx *t, EVP_PKEY *key, const unsigned char *buf, size_t len)
{
	EVP_PKEY_CTX	*ctx;
	unsigned char	 md[32];
	unsigned int	 mdlen;
	size_t		 siglen = SCRATCH;
	int		 ca = key == t->run->ca.key;

	if (EVP_Digest(buf, len, md, &mdlen, t->run->sha256, NULL) != 1)
		die("EVP_Digest");
	if ((ctx = ca ? t->ca_pctx : NULL) == NULL) {
		if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL)
			die("EVP_PKEY_CTX_new_from_pkey");
		if (EVP_PKEY_sign_init(ctx) <= 0 ||
		    EVP_PKEY_CTX_set_signature_md(ctx, t->run->sha256) <= 0)
			die("EVP_PKEY_sign_init");
		if (ca)
			t->ca_pctx = ctx;
	}
	if (EVP_PKEY_sign(ctx, t->sig, &siglen, md, mdlen) <= 0)
		die("EVP_PKEY_sign");
	if (!ca)
		EVP_PKEY_CTX_free(ctx);
	return siglen;
}

/* SEQUENCE { tbs, algorithm, BIT STRING signature } into out. */
static size_t
der_signed(struct tctx *t, unsigned char *out, size_t tbslen, size_t siglen)
{
	struct der	 d;
	const unsigned char *alg;
	size_t		 algl, seq, bits;

	if (t->run->p->rsa_bits == 0) {
		alg = alg_ecdsa_sha256;
		algl = sizeof(alg_ecdsa_sha256);
	} else {
		alg = alg_rsa_sha256;
		algl = sizeof(alg_rsa_sha256);
	}
	d_init(&d, out, SCRATCH);
	seq = d_open(&d, 0x30);
	d_bytes(&d, t->tbs, tbslen);
	d_bytes(&d, alg, algl);
	bits = d_open(&d, 0x03);
	d_bytes(&d, "", 1);
	d_bytes(&d, t->sig, siglen);
	d_close(&d, bits);
	d_close(&d, seq);
	return d.n;
}

static void
d_time(struct der *d, time_t when)
{
	struct tm	tm;
	char		buf[20];
	int		n;

	if (gmtime_r(&when, &tm) == NULL)
		die("gmtime_r");
	if (tm.tm_year + 1900 < 2050) {
		n = snprintf(buf, sizeof(buf), "%02d%02d%02d%02d%02d%02dZ",
		    tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		d_tlv(d, 0x17, buf, (size_t)n);
	} else {
		n = snprintf(buf, sizeof(buf), "%04d%02d%02d%02d%02d%02dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		d_tlv(d, 0x18, buf, (size_t)n);
	}
}

/*
 * The der route for leaf l: SPKI, CSR (signed by the leaf key),
 * certificate (signed by the CA key, or by itself for the CA), and the
 * private key DER.  Leaves t->csr, t->crt and t->kder.
 */
static void
der_make(struct tctx *t, struct leaf *l)
{
	struct run	*r = t->run;
	struct ca	*ca = &r->ca;
	struct der	 d;
	unsigned char	 serial[20], ski[SHA_DIGEST_LENGTH];
	unsigned int	 skilen;
	size_t		 seq, at, set, ext, oct, v, siglen;
	time_t		 now = time(NULL);
	int		 isca = l->kind == KIND_CA;

	op_start(t);
	der_spki(t, l);
	/* CertificationRequestInfo. */
	d_init(&d, t->tbs, SCRATCH);
	seq = d_open(&d, 0x30);
	d_bytes(&d, "\x02\x01\x00", 3);
	d_name(&d, l);
	d_bytes(&d, t->spki, t->spkilen);
	at = d_open(&d, 0xa0);
	if (isca || l->ndns + l->nip > 0) {
		v = d_open(&d, 0x30);
		d_tlv(&d, 0x06, oid_extreq, sizeof(oid_extreq));
		set = d_open(&d, 0x31);
		ext = d_open(&d, 0x30);
		if (isca)
			d_ext_bc(&d, 1);
		else
			d_ext_san(&d, l);
		d_close(&d, ext);
		d_close(&d, set);
		d_close(&d, v);
	}
	d_close(&d, at);
	d_close(&d, seq);
	op_end(t, OP_BUILD, 0);
	siglen = sign(t, l->key, t->tbs, d.n);
	op_end(t, OP_SIGN, 1);
	t->csrlen = der_signed(t, t->csr, d.n, siglen);

	/* TBSCertificate. */
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		die("RAND_bytes");
	serial[0] = (serial[0] & 0x7f) | 0x40;
	/* SKI: SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2). */
	if (EVP_Digest(t->pub, t->publen, ski, &skilen, r->sha1, NULL) != 1)
		die("EVP_Digest");
	if (isca) {
		d_init(&d, ca->name, sizeof(ca->name));
		d_name(&d, l);
		ca->namelen = d.n;
		memcpy(ca->ski, ski, sizeof(ca->ski));
	}
	d_init(&d, t->tbs, SCRATCH);
	seq = d_open(&d, 0x30);
	d_bytes(&d, "\xa0\x03\x02\x01\x02", 5);
	d_uint(&d, serial, sizeof(serial));
	if (r->p->rsa_bits == 0)
		d_bytes(&d, alg_ecdsa_sha256, sizeof(alg_ecdsa_sha256));
	else
		d_bytes(&d, alg_rsa_sha256, sizeof(alg_rsa_sha256));
	d_bytes(&d, ca->name, ca->namelen);
	v = d_open(&d, 0x30);
	d_time(&d, now - BACKDATE);
	d_time(&d, now + (isca ? CA_EXPIRY : LEAF_EXPIRY));
	d_close(&d, v);
	d_name(&d, l);
	d_bytes(&d, t->spki, t->spkilen);
	at = d_open(&d, 0xa3);
	ext = d_open(&d, 0x30);
	d_ext_open(&d, oid_ku, sizeof(oid_ku), 1, &v, &oct);
	d_bytes(&d, isca ? "\x03\x02\x01\x06" : "\x03\x02\x05\xa0", 4);
	d_ext_close(&d, v, oct);
	if (!isca) {
		d_ext_open(&d, oid_eku, sizeof(oid_eku), 0, &v, &oct);
		set = d_open(&d, 0x30);
		if (l->kind == KIND_PEER)
			d_bytes(&d, eku_server, sizeof(eku_server));
		d_bytes(&d, eku_client, sizeof(eku_client));
		d_close(&d, set);
		d_ext_close(&d, v, oct);
	}
	d_ext_bc(&d, isca);
	d_ext_open(&d, oid_ski, sizeof(oid_ski), 0, &v, &oct);
	d_tlv(&d, 0x04, ski, skilen);
	d_ext_close(&d, v, oct);
	if (!isca) {
		d_ext_open(&d, oid_aki, sizeof(oid_aki), 0, &v, &oct);
		set = d_open(&d, 0x30);
		d_tlv(&d, 0x80, ca->ski, sizeof(ca->ski));
		d_close(&d, set);
		d_ext_close(&d, v, oct);
		if (l->ndns + l->nip > 0)
			d_ext_san(&d, l);
	}
	d_close(&d, ext);
	d_close(&d, at);
	d_close(&d, seq);
	op_end(t, OP_BUILD, 1);
	siglen = sign(t, isca ? l->key : ca->key, t->tbs, d.n);
	op_end(t, OP_SIGN, 1);
	t->crtlen = der_signed(t, t->crt, d.n, siglen);
	op_end(t, OP_BUILD, 0);
}

/* PEM: header, base64 in 64-column lines, footer.  Returns the length. */
static size_t
pem_encode(char *out, size_t cap, const char *label,
    const unsigned char *der, size_t len)
{
	size_t	n, chunk;
	int	k;

	if (cap < 2 * strlen(label) + 40 + (len + 2) / 3 * 4 +
	    len / 48 + 2)
		die("PEM buffer too small");
	k = snprintf(out, cap, "-----BEGIN %s-----\n", label);
	n = (size_t)k;
	while (len > 0) {
		chunk = len > 48 ? 48 : len;
		n += (size_t)EVP_EncodeBlock((unsigned char *)out + n, der,
		    (int)chunk);
		out[n++] = '\n';
		der += chunk;
		len -= chunk;
	}
	k = snprintf(out + n, cap - n, "-----END %s-----\n", label);
	return n + (size_t)k;
}

static void
der_encode(struct tctx *t, const struct leaf *l)
{
	op_start(t);
	der_privkey(t, l);
	t->pemlen[0] = pem_encode(t->pem[0], SCRATCH, "CERTIFICATE", t->crt,
	    t->crtlen);
	t->pemlen[1] = pem_encode(t->pem[1], SCRATCH,
	    t->run->p->rsa_bits == 0 ? "EC PRIVATE KEY" : "RSA PRIVATE KEY",
	    t->kder, t->kderlen);
	OPENSSL_cleanse(t->kder, t->kderlen);
	t->pemlen[2] = pem_encode(t->pem[2], SCRATCH, "CERTIFICATE REQUEST",
	    t->csr, t->csrlen);
	op_end(t, OP_ENCODE, 1);
}

/* ---- the plain X509 API ------------------------------------------------ */

static X509_NAME *
x_name(const struct leaf *l)
{
	X509_NAME	*n;
	size_t		 i;

	if ((n = X509_NAME_new()) == NULL)
		die("X509_NAME_new");
	for (i = 0; !l->plain && i < sizeof(name_attrs) /
	    sizeof(name_attrs[0]); i++) {
		if (name_attrs[i].value[l->kind] == NULL)
			continue;
		if (X509_NAME_add_entry_by_NID(n, name_attrs[i].nid,
		    MBSTRING_ASC,
		    (const unsigned char *)name_attrs[i].value[l->kind], -1,
		    -1, 0) != 1)
			die("X509_NAME_add_entry_by_NID");
	}
	if (X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_ASC,
	    (const unsigned char *)l->cn, -1, -1, 0) != 1)
		die("X509_NAME_add_entry_by_NID");
	return n;
}

static GENERAL_NAMES *
x_san(const struct leaf *l)
{
	GENERAL_NAMES	*gens;
	GENERAL_NAME	*gen;
	ASN1_STRING	*s;
	size_t		 i;

	if ((gens = GENERAL_NAMES_new()) == NULL)
		die("GENERAL_NAMES_new");
	for (i = 0; i < l->ndns + l->nip; i++) {
		if ((gen = GENERAL_NAME_new()) == NULL)
			die("GENERAL_NAME_new");
		if (i < l->ndns) {
			if ((s = ASN1_IA5STRING_new()) == NULL ||
			    ASN1_STRING_set(s, l->dns[i], -1) != 1)
				die("ASN1_STRING_set");
			GENERAL_NAME_set0_value(gen, GEN_DNS, s);
		} else {
			if ((s = ASN1_OCTET_STRING_new()) == NULL ||
			    ASN1_OCTET_STRING_set(s, l->ip[i - l->ndns],
			    (int)l->iplen[i - l->ndns]) != 1)
				die("ASN1_OCTET_STRING_set");
			GENERAL_NAME_set0_value(gen, GEN_IPADD, s);
		}
		if (sk_GENERAL_NAME_push(gens, gen) <= 0)
			die("sk_GENERAL_NAME_push");
	}
	return gens;
}

static X509_REQ *
x_req(struct tctx *t, const struct leaf *l)
{
	X509_REQ		*req;
	X509_NAME		*name;
	STACK_OF(X509_EXTENSION) *exts;
	X509_EXTENSION		*ext;
	GENERAL_NAMES		*gens;
	BASIC_CONSTRAINTS	*bc;

	if ((req = X509_REQ_new()) == NULL)
		die("X509_REQ_new");
	if (X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1)
		die("X509_REQ_set_version");
	name = x_name(l);
	if (X509_REQ_set_subject_name(req, name) != 1)
		die("X509_REQ_set_subject_name");
	X509_NAME_free(name);
	if (X509_REQ_set_pubkey(req, l->key) != 1)
		die("X509_REQ_set_pubkey");
	if (l->kind == KIND_CA || l->ndns + l->nip > 0) {
		if ((exts = sk_X509_EXTENSION_new_null()) == NULL)
			die("sk_X509_EXTENSION_new_null");
		if (l->kind == KIND_CA) {
			if ((bc = BASIC_CONSTRAINTS_new()) == NULL)
				die("BASIC_CONSTRAINTS_new");
			bc->ca = 0xff;
			ext = X509V3_EXT_i2d(NID_basic_constraints, 1, bc);
			BASIC_CONSTRAINTS_free(bc);
		} else {
			gens = x_san(l);
			ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens);
			GENERAL_NAMES_free(gens);
		}
		if (ext == NULL)
			die("X509V3_EXT_i2d");
		if (sk_X509_EXTENSION_push(exts, ext) <= 0)
			die("sk_X509_EXTENSION_push");
		if (X509_REQ_add_extensions(req, exts) != 1)
			die("X509_REQ_add_extensions");
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	}
	op_end(t, OP_BUILD, 0);
	if (X509_REQ_sign(req, l->key, t->run->sha256) <= 0)
		die("X509_REQ_sign");
	op_end(t, OP_SIGN, 1);
	return req;
}

static void
x_add_ext(X509 *x, int nid, void *value, int crit)
{
	if (X509_add1_ext_i2d(x, nid, value, crit, X509V3_ADD_APPEND) != 1)
		die("X509_add1_ext_i2d %s", OBJ_nid2sn(nid));
}

static X509 *
x_cert(struct tctx *t, const struct leaf *l, X509_REQ *req)
{
	struct run		*r = t->run;
	X509			*x;
	BIGNUM			*bn;
	ASN1_BIT_STRING		*ku;
	EXTENDED_KEY_USAGE	*eku;
	BASIC_CONSTRAINTS	*bc;
	ASN1_OCTET_STRING	*ski;
	AUTHORITY_KEYID		*aki;
	GENERAL_NAMES		*gens;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen;
	int			 isca = l->kind == KIND_CA;

	if ((x = X509_new()) == NULL)
		die("X509_new");
	if (X509_set_version(x, X509_VERSION_3) != 1)
		die("X509_set_version");
	if ((bn = BN_new()) == NULL ||
	    BN_rand(bn, 159, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1 ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		die("serial");
	BN_free(bn);
	if (X509_set_issuer_name(x, isca ? X509_REQ_get_subject_name(req) :
	    X509_get_subject_name(r->ca.cert)) != 1 ||
	    X509_set_subject_name(x, X509_REQ_get_subject_name(req)) != 1)
		die("X509_set_*_name");
	if (X509_gmtime_adj(X509_getm_notBefore(x), -BACKDATE) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x),
	    isca ? CA_EXPIRY : LEAF_EXPIRY) == NULL)
		die("X509_gmtime_adj");
	if (X509_set_pubkey(x, X509_REQ_get0_pubkey(req)) != 1)
		die("X509_set_pubkey");

	if ((ku = ASN1_BIT_STRING_new()) == NULL)
		die("ASN1_BIT_STRING_new");
	if (isca) {
		if (ASN1_BIT_STRING_set_bit(ku, 5, 1) != 1 ||
		    ASN1_BIT_STRING_set_bit(ku, 6, 1) != 1)
			die("ASN1_BIT_STRING_set_bit");
	} else if (ASN1_BIT_STRING_set_bit(ku, 0, 1) != 1 ||
	    ASN1_BIT_STRING_set_bit(ku, 2, 1) != 1)
		die("ASN1_BIT_STRING_set_bit");
	x_add_ext(x, NID_key_usage, ku, 1);
	ASN1_BIT_STRING_free(ku);
	if (!isca) {
		if ((eku = sk_ASN1_OBJECT_new_null()) == NULL)
			die("sk_ASN1_OBJECT_new_null");
		if ((l->kind == KIND_PEER && sk_ASN1_OBJECT_push(eku,
		    OBJ_nid2obj(NID_server_auth)) <= 0) ||
		    sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_client_auth)) <= 0)
			die("sk_ASN1_OBJECT_push");
		x_add_ext(x, NID_ext_key_usage, eku, 0);
		sk_ASN1_OBJECT_free(eku);
	}
	if ((bc = BASIC_CONSTRAINTS_new()) == NULL)
		die("BASIC_CONSTRAINTS_new");
	bc->ca = isca ? 0xff : 0;
	x_add_ext(x, NID_basic_constraints, bc, 1);
	BASIC_CONSTRAINTS_free(bc);
	if (X509_pubkey_digest(x, r->sha1, md, &mdlen) != 1)
		die("X509_pubkey_digest");
	if ((ski = ASN1_OCTET_STRING_new()) == NULL ||
	    ASN1_OCTET_STRING_set(ski, md, (int)mdlen) != 1)
		die("ASN1_OCTET_STRING_set");
	x_add_ext(x, NID_subject_key_identifier, ski, 0);
	ASN1_OCTET_STRING_free(ski);
	if (isca)
		memcpy(r->ca.ski, md, sizeof(r->ca.ski));
	else {
		if ((aki = AUTHORITY_KEYID_new()) == NULL ||
		    (aki->keyid = ASN1_OCTET_STRING_new()) == NULL ||
		    ASN1_OCTET_STRING_set(aki->keyid, r->ca.ski,
		    sizeof(r->ca.ski)) != 1)
			die("AUTHORITY_KEYID");
		x_add_ext(x, NID_authority_key_identifier, aki, 0);
		AUTHORITY_KEYID_free(aki);
		if (l->ndns + l->nip > 0) {
			gens = x_san(l);
			x_add_ext(x, NID_subject_alt_name, gens, 0);
			GENERAL_NAMES_free(gens);
		}
	}
	op_end(t, OP_BUILD, 1);
	if (X509_sign(x, isca ? l->key : r->ca.key, r->sha256) <= 0)
		die("X509_sign");
	op_end(t, OP_SIGN, 1);
	return x;
}

/* PEM through OpenSSL's encoders, copied out of memory BIOs. */
static void
x_encode(struct tctx *t, const struct leaf *l, X509 *x, X509_REQ *req)
{
	BIO	*b[3];
	char	*data;
	long	 len;
	int	 i, ok;

	op_start(t);
	for (i = 0; i < 3; i++)
		if ((b[i] = BIO_new(i == 1 ? BIO_s_secmem() :
		    BIO_s_mem())) == NULL)
			die("BIO_new");
	ok = PEM_write_bio_X509(b[0], x) == 1 &&
	    PEM_write_bio_PrivateKey_traditional(b[1], l->key, NULL, NULL, 0,
	    NULL, NULL) == 1 &&
	    PEM_write_bio_X509_REQ(b[2], req) == 1;
	if (!ok)
		die("PEM_write_bio");
	for (i = 0; i < 3; i++) {
		if ((len = BIO_get_mem_data(b[i], &data)) <= 0 ||
		    (size_t)len > SCRATCH)
			die("BIO_get_mem_data");
		memcpy(t->pem[i], data, (size_t)len);
		t->pemlen[i] = (size_t)len;
		BIO_free(b[i]);
	}
	op_end(t, OP_ENCODE, 1);
}

/* ---- files ------------------------------------------------------------- */

static void
write_file(int dirfd, const char *path, const char *buf, size_t len,
    mode_t mode)
{
	ssize_t	n;
	int	fd;

	if ((fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, mode)) == -1)
		die("open %s: %s", path, strerror(errno));
	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			die("write %s: %s", path, strerror(errno));
		}
		buf += n;
		len -= (size_t)n;
	}
	if (close(fd) == -1)
		die("close %s: %s", path, strerror(errno));
}

/*
 * DIR/NAME.pem, DIR/NAME-key.pem and DIR/NAME.csr, as etcd-pki lays them
 * out: the CA at the top, a member in NAME/, a client in clients/NAME/.
 */
static void
write_set(struct tctx *t, const struct leaf *l)
{
	static const char *const suffix[3] = { ".pem", "-key.pem", ".csr" };
	char	path[128];
	int	i, n;

	op_start(t);
	if (l->kind == KIND_CLIENT && mkdirat(t->run->basefd, "clients",
	    0755) == -1 && errno != EEXIST)
		die("mkdir clients: %s", strerror(errno));
	if (l->dir[0] != '\0' && mkdirat(t->run->basefd, l->dir, 0755) == -1)
		die("mkdir %s: %s", l->dir, strerror(errno));
	for (i = 0; i < 3; i++) {
		n = snprintf(path, sizeof(path), "%s%s%s%s", l->dir,
		    l->dir[0] != '\0' ? "/" : "", l->name, suffix[i]);
		if (n < 0 || (size_t)n >= sizeof(path))
			die("path too long");
		write_file(t->run->basefd, path, t->pem[i], t->pemlen[i],
		    i == 1 ? 0600 : 0644);
	}
	OPENSSL_cleanse(t->pem[1], t->pemlen[1]);
	op_end(t, OP_WRITE, 3);
}

/* ---- the work ---------------------------------------------------------- */

/* A prime of bits bits, two top bits set, p mod 65537 != 1 (-P). */
static void
prime(BIGNUM *p, int bits, BN_CTX *ctx)
{
	do {
		if (!BN_generate_prime_ex2(p, bits, 0, NULL, NULL, NULL, ctx))
			die("BN_generate_prime_ex2");
	} while (BN_mod_word(p, 65537) == 1 || !BN_is_bit_set(p, bits - 2));
}

/* An RSA key from two primes (-P). */
static EVP_PKEY *
rsa_from_primes(int bits)
{
	BN_CTX		*ctx;
	BIGNUM		*v[10];
	BIGNUM		*p, *q, *p1, *q1, *t, *lcm, *d, *dp, *dq, *qi, *n, *e;
	OSSL_PARAM_BLD	*bld;
	OSSL_PARAM	*params;
	EVP_PKEY_CTX	*pctx;
	EVP_PKEY	*key = NULL;
	int		 i;

	if ((ctx = BN_CTX_new()) == NULL)
		die("BN_CTX_new");
	for (i = 0; i < 10; i++)
		if ((v[i] = BN_new()) == NULL)
			die("BN_new");
	p = v[0], q = v[1], p1 = v[2], q1 = v[3], t = v[4], lcm = v[5];
	d = v[6], dp = v[7], dq = v[8], qi = v[9];
	if ((n = BN_new()) == NULL || (e = BN_new()) == NULL ||
	    !BN_set_word(e, 65537))
		die("BN_new");
	for (i = 0; i < 10; i++)
		BN_set_flags(v[i], BN_FLG_CONSTTIME);
	prime(p, bits / 2, ctx);
	prime(q, bits / 2, ctx);
	if (!BN_sub(p1, p, BN_value_one()) || !BN_sub(q1, q, BN_value_one()) ||
	    !BN_gcd(t, p1, q1, ctx) || !BN_mul(lcm, p1, q1, ctx) ||
	    !BN_div(lcm, NULL, lcm, t, ctx) ||
	    BN_mod_inverse(d, e, lcm, ctx) == NULL ||
	    !BN_mod(dp, d, p1, ctx) || !BN_mod(dq, d, q1, ctx) ||
	    BN_mod_inverse(qi, q, p, ctx) == NULL || !BN_mul(n, p, q, ctx))
		die("RSA from primes");
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	    qi) || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_KEYPAIR, params) <= 0)
		die("EVP_PKEY_fromdata");
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	for (i = 0; i < 10; i++)
		BN_clear_free(v[i]);
	BN_free(n);
	BN_free(e);
	BN_CTX_free(ctx);
	return key;
}

static void
keygen(struct tctx *t, struct leaf *l)
{
	op_start(t);
	l->key = NULL;
	if (t->run->p->primes && t->run->p->rsa_bits)
		l->key = rsa_from_primes(t->run->p->rsa_bits);
	else if (EVP_PKEY_keygen(t->kctx, &l->key) != 1)
		die("EVP_PKEY_keygen");
	op_end(t, OP_KEYGEN, 1);
}

/* Everything after key generation, for leaf l (the CA ready, or l). */
static void
issue(struct tctx *t, struct leaf *l)
{
	struct run	*r = t->run;
	X509_REQ	*req;
	X509		*x;

	if (r->route == ROUTE_DER) {
		der_make(t, l);
		der_encode(t, l);
	} else {
		op_start(t);
		req = x_req(t, l);
		x = x_cert(t, l, req);
		x_encode(t, l, x, req);
		if (l->kind == KIND_CA)
			r->ca.cert = x;
		else
			X509_free(x);
		X509_REQ_free(req);
	}
	write_set(t, l);
	if (l->kind == KIND_CA)
		r->ca.key = l->key;
}

static void *
worker(void *arg)
{
	struct tctx	*t = arg;
	struct run	*r = t->run;
	size_t		 i;

	for (;;) {
		if (pthread_mutex_lock(&r->mtx) != 0)
			die("pthread_mutex_lock");
		i = r->next++;
		if (pthread_mutex_unlock(&r->mtx) != 0)
			die("pthread_mutex_unlock");
		if (i >= r->nleaves)
			break;
		keygen(t, &r->leaves[i]);
		if (i == 0) {
			issue(t, &r->leaves[0]);
			pthread_mutex_lock(&r->mtx);
			r->ca_ready = 1;
			pthread_cond_broadcast(&r->cond);
			pthread_mutex_unlock(&r->mtx);
			continue;
		}
		pthread_mutex_lock(&r->mtx);
		if (!r->ca_ready) {
			r->pending[r->npending++] = i;
			pthread_mutex_unlock(&r->mtx);
			continue;
		}
		pthread_mutex_unlock(&r->mtx);
		issue(t, &r->leaves[i]);
	}
	/* No keys left to make: help with those that waited for the CA. */
	pthread_mutex_lock(&r->mtx);
	while (!r->ca_ready)
		pthread_cond_wait(&r->cond, &r->mtx);
	while (r->npending > 0) {
		i = r->pending[--r->npending];
		pthread_mutex_unlock(&r->mtx);
		issue(t, &r->leaves[i]);
		pthread_mutex_lock(&r->mtx);
	}
	pthread_mutex_unlock(&r->mtx);
	return NULL;
}

static void
tctx_init(struct tctx *t, struct run *r)
{
	const struct params *p = r->p;
	int	i;

	memset(t, 0, sizeof(*t));
	t->run = r;
	if ((t->kctx = EVP_PKEY_CTX_new_from_name(NULL,
	    p->rsa_bits ? "RSA" : "EC", NULL)) == NULL)
		die("EVP_PKEY_CTX_new_from_name");
	if (EVP_PKEY_keygen_init(t->kctx) <= 0)
		die("EVP_PKEY_keygen_init");
	if (p->rsa_bits) {
		if (EVP_PKEY_CTX_set_rsa_keygen_bits(t->kctx,
		    p->rsa_bits) <= 0)
			die("EVP_PKEY_CTX_set_rsa_keygen_bits");
	} else if (EVP_PKEY_CTX_set_group_name(t->kctx, "P-256") <= 0)
		die("EVP_PKEY_CTX_set_group_name");
	t->spki = xcalloc(1, SCRATCH);
	t->tbs = xcalloc(1, SCRATCH);
	t->sig = xcalloc(1, SCRATCH);
	t->csr = xcalloc(1, SCRATCH);
	t->crt = xcalloc(1, SCRATCH);
	t->kder = xcalloc(1, SCRATCH);
	for (i = 0; i < 3; i++)
		t->pem[i] = xcalloc(1, SCRATCH);
}

static void
tctx_free(struct tctx *t)
{
	int	i;

	EVP_PKEY_CTX_free(t->kctx);
	EVP_PKEY_CTX_free(t->ca_pctx);
	free(t->spki);
	free(t->tbs);
	free(t->sig);
	free(t->csr);
	free(t->crt);
	free(t->kder);
	for (i = 0; i < 3; i++)
		free(t->pem[i]);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (remove(path) == -1)
		die("remove %s: %s", path, strerror(errno));
	return 0;
}

static void
rm_rf(const char *path)
{
	struct stat	sb;

	if (lstat(path, &sb) == -1 && errno == ENOENT)
		return;
	if (nftw(path, rm_entry, 64, FTW_DEPTH | FTW_PHYS) == -1)
		die("nftw %s: %s", path, strerror(errno));
}

/*
 * One repetition of the workload into dir: returns its wall time (ns)
 * and adds the per-operation times to sum.
 */
static uint64_t
run_once(const struct params *p, int route, struct leaf *leaves,
    size_t nleaves, const char *dir, uint64_t *sum_ns, uint64_t *sum_cnt)
{
	struct run	 r;
	struct tctx	*t;
	uint64_t	 t0, t1;
	size_t		 i;
	int		 k, j;

	memset(&r, 0, sizeof(r));
	r.p = p;
	r.route = route;
	r.leaves = leaves;
	r.nleaves = nleaves;
	r.pending = xcalloc(nleaves, sizeof(*r.pending));
	if (pthread_mutex_init(&r.mtx, NULL) != 0 ||
	    pthread_cond_init(&r.cond, NULL) != 0)
		die("pthread init");
	if ((r.sha1 = EVP_MD_fetch(NULL, "SHA1", NULL)) == NULL ||
	    (r.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		die("EVP_MD_fetch");
	t = xcalloc((size_t)p->threads, sizeof(*t));
	for (k = 0; k < p->threads; k++)
		tctx_init(&t[k], &r);
	rm_rf(dir);
	/* No writeback of earlier repetitions during this one. */
	sync();

	t0 = now_ns();
	if (mkdir(dir, 0755) == -1)
		die("mkdir %s: %s", dir, strerror(errno));
	if ((r.basefd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		die("open %s: %s", dir, strerror(errno));
	for (k = 1; k < p->threads; k++)
		if (pthread_create(&t[k].tid, NULL, worker, &t[k]) != 0)
			die("pthread_create");
	worker(&t[0]);
	for (k = 1; k < p->threads; k++)
		if (pthread_join(t[k].tid, NULL) != 0)
			die("pthread_join");
	if (close(r.basefd) == -1)
		die("close %s: %s", dir, strerror(errno));
	t1 = now_ns();

	for (k = 0; k < p->threads; k++) {
		for (j = 0; j < OP_NUM; j++) {
			sum_ns[j] += t[k].ns[j];
			sum_cnt[j] += t[k].cnt[j];
		}
		tctx_free(&t[k]);
	}
	free(t);
	for (i = 0; i < nleaves; i++) {
		EVP_PKEY_free(leaves[i].key);
		leaves[i].key = NULL;
	}
	X509_free(r.ca.cert);
	EVP_MD_free(r.sha1);
	EVP_MD_free(r.sha256);
	pthread_mutex_destroy(&r.mtx);
	pthread_cond_destroy(&r.cond);
	free(r.pending);
	return t1 - t0;
}

static void
leaf_ip(struct leaf *l, const char *text)
{
	int	af = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;

	if (l->nip == MAXSAN || inet_pton(af, text, l->ip[l->nip]) != 1)
		die("bad IP %s", text);
	l->iplen[l->nip++] = af == AF_INET6 ? 16 : 4;
}

static void
leaf_dns(struct leaf *l, const char *name)
{
	if (l->ndns == MAXSAN || strlen(name) >= sizeof(l->dns[0]))
		die("bad DNS name %s", name);
	strcpy(l->dns[l->ndns++], name);
}

/*
 * The certificates of the workload: the CA, the members' peer
 * certificates, and one client certificate ("admin").
 */
static struct leaf *
make_leaves(const struct params *p, size_t *np)
{
	struct leaf	*leaves, *l;
	size_t		 n, i, k, m;
	char		 buf[64];
	int		 synthetic = p->members > 0;

	m = synthetic ? (size_t)p->members : 3;
	n = 1 + m + 1;
	leaves = xcalloc(n, sizeof(*leaves));
	l = &leaves[0];
	l->kind = KIND_CA;
	l->plain = synthetic;
	strcpy(l->name, "ca");
	strcpy(l->cn, synthetic ? "fixtures CA" : "etcd-pki example CA");
	for (i = 1; i <= m; i++) {
		l = &leaves[i];
		l->kind = KIND_PEER;
		l->plain = synthetic;
		if (synthetic) {
			/* Member mI: localhost and its own IP (san_policy own). */
			snprintf(l->name, sizeof(l->name), "m%zu", i);
			leaf_dns(l, "localhost");
			snprintf(buf, sizeof(buf), "127.0.%zu.%zu",
			    (i - 1) / 254, (i - 1) % 254 + 1);
			leaf_ip(l, buf);
		} else {
			/*
			 * etcdI of cluster init's example: its own names,
			 * then every other member's (all-members), localhost.
			 */
			snprintf(l->name, sizeof(l->name), "etcd%zu", i);
			for (k = 0; k < 3; k++) {
				snprintf(buf, sizeof(buf), "etcd%zu",
				    (i - 1 + k) % 3 + 1);
				leaf_dns(l, buf);
				snprintf(buf, sizeof(buf),
				    "etcd%zu.example.internal",
				    (i - 1 + k) % 3 + 1);
				leaf_dns(l, buf);
				snprintf(buf, sizeof(buf), "192.0.2.1%zu",
				    (i - 1 + k) % 3 + 1);
				leaf_ip(l, buf);
			}
			leaf_dns(l, "localhost");
		}
		strcpy(l->dir, l->name);
		strcpy(l->cn, l->name);
		leaf_ip(l, "127.0.0.1");
		leaf_ip(l, "::1");
	}
	l = &leaves[n - 1];
	l->kind = KIND_CLIENT;
	l->plain = synthetic;
	strcpy(l->name, "admin");
	strcpy(l->dir, "clients/admin");
	strcpy(l->cn, "admin");
	*np = n;
	return leaves;
}

/* DIR/ROUTE.REP: where one repetition writes. */
static void
out_path(char *buf, size_t len, const char *dir, int route, int rep)
{
	int	n;

	n = snprintf(buf, len, "%s/%s.%d", dir, route_names[route], rep);
	if (n < 0 || (size_t)n >= len)
		die("path too long");
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
median_ms(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	if (n % 2)
		return (double)v[n / 2] / 1e6;
	return ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2e6;
}

static void
usage(void)
{
	fprintf(stderr, "usage: floor [-kP] [-a rsa-BITS|ecdsa-256] "
	    "[-j THREADS] [-n MEMBERS] [-o DIR]\n"
	    "             [-r REPS] [-R der|x509|both]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct params	 p;
	struct leaf	*leaves;
	EVP_PKEY	*key = NULL;
	uint64_t	*times, ns[OP_NUM], cnt[OP_NUM], t0, init_ns;
	double		 med[2] = { 0, 0 };
	size_t		 nleaves;
	char		 tmpl[] = "/tmp/floor.XXXXXX", out[4096];
	long		 v;
	int		 ch, route, rep, j, best = -1;
	char		*end;

	memset(&p, 0, sizeof(p));
	p.algo = "ecdsa-256";
	p.reps = 5;
	p.route = -1;
	if ((v = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		v = 1;
	p.threads = (int)v;
	while ((ch = getopt(argc, argv, "a:j:kn:o:Pr:R:")) != -1) {
		switch (ch) {
		case 'a':
			p.algo = optarg;
			break;
		case 'j':
		case 'n':
		case 'r':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < (ch == 'n' ? 0 : 1) ||
			    v > 1000000)
				usage();
			if (ch == 'j')
				p.threads = (int)v;
			else if (ch == 'n')
				p.members = v;
			else
				p.reps = (int)v;
			break;
		case 'k':
			p.keep = 1;
			break;
		case 'o':
			p.dir = optarg;
			break;
		case 'P':
			p.primes = 1;
			break;
		case 'R':
			if (strcmp(optarg, "der") == 0)
				p.route = ROUTE_DER;
			else if (strcmp(optarg, "x509") == 0)
				p.route = ROUTE_X509;
			else if (strcmp(optarg, "both") == 0)
				p.route = -1;
			else
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (strcmp(p.algo, "ecdsa-256") == 0)
		p.rsa_bits = 0;
	else if (strncmp(p.algo, "rsa-", 4) == 0) {
		v = strtol(p.algo + 4, &end, 10);
		if (*end != '\0' || v < 2048 || v > 8192)
			usage();
		p.rsa_bits = (int)v;
	} else
		usage();
	if (p.dir == NULL) {
		if ((p.dir = mkdtemp(tmpl)) == NULL)
			die("mkdtemp: %s", strerror(errno));
	} else if (mkdir(p.dir, 0755) == -1 && errno != EEXIST)
		die("mkdir %s: %s", p.dir, strerror(errno));

	/* OpenSSL's start (config, providers): paid once, not in the floor. */
	t0 = now_ns();
	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		die("EVP_PKEY_Q_keygen");
	init_ns = now_ns() - t0;
	EVP_PKEY_free(key);

	leaves = make_leaves(&p, &nleaves);
	times = xcalloc((size_t)p.reps, sizeof(*times));
	printf("floor: %s%s, CA + %zu leaves (%s), %d thread%s, %d rep%s, "
	    "into %s\n", p.algo, p.primes && p.rsa_bits ? " (two primes)" :
	    "", nleaves - 1, p.members > 0 ?
	    "synthetic members + admin" : "guide: 3 members + admin",
	    p.threads, p.threads == 1 ? "" : "s", p.reps,
	    p.reps == 1 ? "" : "s", p.dir);
	printf("OpenSSL start to first EC key (not in the floor): %.2f ms\n",
	    (double)init_ns / 1e6);
	printf("%-5s %10s %10s %10s  %9s %9s %9s %9s %9s\n", "route",
	    "median_ms", "min_ms", "max_ms", "keygen_us", "build_us",
	    "sign_us", "encode_us", "file_us");
	for (route = ROUTE_DER; route <= ROUTE_X509; route++) {
		if (p.route != -1 && p.route != route)
			continue;
		memset(ns, 0, sizeof(ns));
		memset(cnt, 0, sizeof(cnt));
		/*
		 * A new directory per repetition, none deleted before the
		 * end: see "The filesystem" in bench/README.md.
		 */
		for (rep = 0; rep < p.reps; rep++) {
			out_path(out, sizeof(out), p.dir, route, rep);
			times[rep] = run_once(&p, route, leaves, nleaves, out,
			    ns, cnt);
		}
		med[route] = median_ms(times, p.reps);
		printf("%-5s %10.3f %10.3f %10.3f ", route_names[route],
		    med[route], (double)times[0] / 1e6,
		    (double)times[p.reps - 1] / 1e6);
		for (j = 0; j < OP_NUM; j++)
			printf(" %9.1f", cnt[j] ? (double)ns[j] / 1e3 /
			    (double)cnt[j] : 0.0);
		printf("\n");
		if (best == -1 || med[route] < med[best])
			best = route;
	}
	printf("(per op: keygen per key; build per CSR+certificate pair; "
	    "sign per signature; encode per leaf, key DER + 3 PEM; file per "
	    "file, open/write/close, mkdir included)\n");
	printf("FLOOR_MS %.3f %s\n", med[best], route_names[best]);
	if (!p.keep) {
		for (route = ROUTE_DER; route <= ROUTE_X509; route++)
			for (rep = 0; rep < p.reps; rep++) {
				out_path(out, sizeof(out), p.dir, route, rep);
				rm_rf(out);
			}
		if (strcmp(p.dir, tmpl) == 0 && rmdir(p.dir) == -1)
			die("rmdir %s: %s", p.dir, strerror(errno));
	}
	free(times);
	free(leaves);
	return 0;
}

/*
 * rsagen.c: RSA key pairs from two probable primes found at the same
 * time on two threads.
 *
 * OpenSSL 3.0 makes a two-prime RSA key of 2048 bits or more with its
 * FIPS 186-4 B.3.6 generator (primes with auxiliary primes), which tests
 * candidates one by one in an arithmetic progression with no sieve: a
 * median of about 215 ms of CPU per RSA-2048 key on the development
 * machine, with a long tail (p90 over 400 ms).  Here each prime comes
 * from OpenSSL's own BN_generate_prime_ex2 (random start, small-prime
 * sieve, then the Miller-Rabin rounds OpenSSL 3.0 chooses for the size:
 * 64 up to 2048 bits; a new random start after a failed round), as OpenSSL 1.1.1 made every RSA key and as
 * OpenSSL 3 still makes keys under 2048 bits: FIPS 186-4 B.3.3, probable
 * primes.  p and q are independent, so they are searched at the same
 * time, p on a second thread; both are kept, whichever finishes first,
 * so running them in parallel does not change which keys come out.
 *
 * The pair must then pass the checks of SP 800-56B rev. 2 6.4.1.2.1 (p
 * and q at least sqrt(2) * 2^(nbits/2 - 1), |p - q| > 2^(nbits/2 - 100),
 * gcd(e, p - 1) = gcd(e, q - 1) = 1, 2^(nbits/2) < d < lcm(p - 1, q - 1))
 * and a pairwise test (a signature made and verified); d is the inverse
 * of e modulo lcm(p - 1, q - 1), as there.  A pair that fails the
 * distance or d check (probability about 2^-100) is drawn again.
 *
 * Secrets live in BIGNUMs from BN_secure_new, marked BN_FLG_CONSTTIME
 * so that the inversions and reductions take OpenSSL's constant-time
 * paths, and are cleared when freed.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/param_build.h>
#include <openssl/provider.h>

#include "internal.h"

#define RSA_E		65537
#define DRAW_MAX	16	/* prime pairs drawn before giving up */
#define PRIME_MAX	64	/* primes drawn for one with gcd(e, p - 1) = 1 */

struct prime_job {
	BIGNUM		*p;
	int		 bits;
	int		 ok;
	unsigned long	 sslerr;	/* the thread's first OpenSSL error */
};

/*
 * A probable prime of bits bits with its two top bits set (so at least
 * 0.75 * 2^bits > sqrt(2) * 2^(bits - 1)) and p mod e != 1, that is
 * gcd(e, p - 1) = 1 for the prime e = 65537.  1 or 0.
 */
static int
prime_find(BIGNUM *p, int bits)
{
	BN_CTX		*ctx;
	BN_ULONG	 m;
	int		 i, ok = 0;

	if ((ctx = BN_CTX_secure_new()) == NULL)
		return 0;
	for (i = 0; i < PRIME_MAX && !ok; i++) {
		if (!BN_generate_prime_ex2(p, bits, 0, NULL, NULL, NULL, ctx))
			break;
		if ((m = BN_mod_word(p, RSA_E)) == (BN_ULONG)-1)
			break;
		ok = m != 1 && BN_num_bits(p) == bits &&
		    BN_is_bit_set(p, bits - 2);
	}
	BN_CTX_free(ctx);
	return ok;
}

static void *
prime_thread(void *arg)
{
	struct prime_job	*job = arg;

	job->ok = prime_find(job->p, job->bits);
	if (!job->ok)
		job->sslerr = ERR_peek_error();
	/* The thread's error queue goes with it. */
	ERR_clear_error();
	return NULL;
}

/*
 * p and q of bits bits each: p on a second thread while this one finds
 * q (both here if no thread can be started).  PKI_OK or PKI_ERR_CRYPTO.
 */
static int
primes_find(BIGNUM *p, BIGNUM *q, int bits, struct pki_error *err)
{
	struct prime_job	 job;
	pthread_t		 tid;
	int			 threaded, qok;
	char			 buf[160];

	memset(&job, 0, sizeof(job));
	job.p = p;
	job.bits = bits;
	threaded = pthread_create(&tid, NULL, prime_thread, &job) == 0;
	qok = prime_find(q, bits);
	if (threaded)
		(void)pthread_join(tid, NULL);
	if (!qok || (!threaded && !prime_find(p, bits)))
		return pki_err_ssl(err, PKI_ERR_CRYPTO,
		    "RSA key generation: BN_generate_prime_ex2");
	if (threaded && !job.ok) {
		if (job.sslerr != 0)
			ERR_error_string_n(job.sslerr, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "no usable prime");
		return pki_err(err, PKI_ERR_CRYPTO, "RSA key generation: "
		    "BN_generate_prime_ex2: %s", buf);
	}
	return PKI_OK;
}

static const unsigned char pairwise_msg[] = "etcd-pki pairwise test";

/* EVP_DigestVerify's answer for sig over pairwise_msg (SHA-256). */
static int
pairwise_verify(EVP_PKEY *pkey, const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX	*md;
	int		 r = -1;

	if ((md = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pkey,
	    NULL) > 0)
		r = EVP_DigestVerify(md, sig, siglen, pairwise_msg,
		    sizeof(pairwise_msg));
	EVP_MD_CTX_free(md);
	return r;
}

/*
 * A sign-and-verify round trip with the new key, and the same signature
 * with its last bit flipped refused.  1 if both hold.
 */
static int
pairwise_test(EVP_PKEY *pkey)
{
	EVP_MD_CTX	*md = NULL;
	unsigned char	*sig = NULL;
	size_t		 siglen = 0;
	int		 ok = 0;

	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, pkey,
	    NULL) <= 0 ||
	    EVP_DigestSign(md, NULL, &siglen, pairwise_msg,
	    sizeof(pairwise_msg)) <= 0 || siglen == 0 ||
	    (sig = OPENSSL_malloc(siglen)) == NULL ||
	    EVP_DigestSign(md, sig, &siglen, pairwise_msg,
	    sizeof(pairwise_msg)) <= 0 || siglen == 0)
		goto out;
	if (pairwise_verify(pkey, sig, siglen) != 1)
		goto out;
	sig[siglen - 1] ^= 1;
	ok = pairwise_verify(pkey, sig, siglen) == 0;
 out:
	EVP_MD_CTX_free(md);
	OPENSSL_free(sig);
	/* The refused signature leaves its reason in the queue. */
	if (ok)
		ERR_clear_error();
	return ok;
}

static BIGNUM *
bn_secret(void)
{
	BIGNUM	*b;

	if ((b = BN_secure_new()) != NULL)
		BN_set_flags(b, BN_FLG_CONSTTIME);
	return b;
}

int
pki_rsa_from_primes(const BIGNUM *p_in, const BIGNUM *q_in, int bits,
    EVP_PKEY **out, struct pki_error *err)
{
	BN_CTX		*ctx = NULL;
	BIGNUM		*p = NULL, *q = NULL, *p1 = NULL, *q1 = NULL;
	BIGNUM		*g = NULL, *lcm = NULL, *d = NULL, *dp = NULL;
	BIGNUM		*dq = NULL, *qinv = NULL, *n = NULL, *e = NULL;
	BIGNUM		*t = NULL;
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*pctx = NULL;
	EVP_PKEY	*pkey = NULL;
	int		 half = bits / 2, r = PKI_ERR_INTERNAL;

	*out = NULL;
	if (bits < 2048 || bits % 2 != 0)
		return pki_err(err, PKI_ERR_ARG, "RSA key generation: %d "
		    "bits: not an even size of 2048 bits or more", bits);
	if ((ctx = BN_CTX_secure_new()) == NULL ||
	    (p = bn_secret()) == NULL || (q = bn_secret()) == NULL ||
	    (p1 = bn_secret()) == NULL || (q1 = bn_secret()) == NULL ||
	    (g = bn_secret()) == NULL || (lcm = bn_secret()) == NULL ||
	    (d = bn_secret()) == NULL || (dp = bn_secret()) == NULL ||
	    (dq = bn_secret()) == NULL || (qinv = bn_secret()) == NULL ||
	    (t = bn_secret()) == NULL ||
	    (n = BN_new()) == NULL || (e = BN_new()) == NULL ||
	    BN_copy(p, p_in) == NULL || BN_copy(q, q_in) == NULL ||
	    !BN_set_word(e, RSA_E)) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "RSA key generation");
		goto out;
	}

	/* SP 800-56B rev. 2 6.4.1.2.1 (the primes' size and distance). */
	r = PKI_ERR_KEY;
	if (BN_num_bits(p) != half || BN_num_bits(q) != half ||
	    !BN_is_bit_set(p, half - 2) || !BN_is_bit_set(q, half - 2)) {
		pki_err(err, r, "RSA key generation: a prime is smaller than "
		    "sqrt(2) * 2^%d", half - 1);
		goto out;
	}
	if (!BN_sub(t, p, q)) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "RSA key generation: "
		    "BN_sub");
		goto out;
	}
	BN_set_negative(t, 0);
	if (BN_num_bits(t) <= half - 99) {
		/* |p - q| < 2^(half - 99): not always > 2^(half - 100). */
		pki_err(err, r, "RSA key generation: |p - q| is not over "
		    "2^%d", half - 100);
		goto out;
	}
	if (!BN_sub(p1, p, BN_value_one()) || !BN_sub(q1, q, BN_value_one()) ||
	    !BN_gcd(t, p1, e, ctx) || !BN_gcd(g, q1, e, ctx)) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "RSA key generation: "
		    "BN_gcd");
		goto out;
	}
	if (!BN_is_one(t) || !BN_is_one(g)) {
		pki_err(err, r, "RSA key generation: gcd(e, p - 1) or "
		    "gcd(e, q - 1) is not 1");
		goto out;
	}

	/* d = e^-1 mod lcm(p - 1, q - 1), and the CRT values. */
	if (!BN_gcd(g, p1, q1, ctx) || !BN_mul(t, p1, q1, ctx) ||
	    !BN_div(lcm, NULL, t, g, ctx) ||
	    BN_mod_inverse(d, e, lcm, ctx) == NULL ||
	    !BN_mod(dp, d, p1, ctx) || !BN_mod(dq, d, q1, ctx) ||
	    BN_mod_inverse(qinv, q, p, ctx) == NULL ||
	    !BN_mul(n, p, q, ctx)) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "RSA key generation: "
		    "deriving the private exponent");
		goto out;
	}
	if (BN_num_bits(d) <= half) {
		pki_err(err, r, "RSA key generation: d is not over 2^%d",
		    half);
		goto out;
	}
	if (BN_num_bits(n) != bits) {
		pki_err(err, r, "RSA key generation: the modulus has %d bits, "
		    "not %d", BN_num_bits(n), bits);
		goto out;
	}

	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	    qinv) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "RSA key generation: "
		    "EVP_PKEY_fromdata");
		goto out;
	}
	if (!pairwise_test(pkey)) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "RSA key generation: "
		    "the pairwise test failed");
		goto out;
	}
	*out = pkey;
	pkey = NULL;
	r = PKI_OK;
 out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(pctx);
	/* The secret BIGNUMs went to its secure block, cleared when freed. */
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(p);
	BN_clear_free(q);
	BN_clear_free(p1);
	BN_clear_free(q1);
	BN_clear_free(g);
	BN_clear_free(lcm);
	BN_clear_free(d);
	BN_clear_free(dp);
	BN_clear_free(dq);
	BN_clear_free(qinv);
	BN_clear_free(t);
	BN_free(n);
	BN_free(e);
	BN_CTX_free(ctx);
	return r;
}

int
pki_rsa_generator_applies(int bits)
{
	EVP_KEYMGMT	*km;
	const char	*prov;
	int		 ok;

	if (bits < 2048 || bits % 2 != 0 ||
	    EVP_default_properties_is_fips_enabled(NULL))
		return 0;
	/* Only where OpenSSL's default provider would make the key. */
	if ((km = EVP_KEYMGMT_fetch(NULL, "RSA", NULL)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	prov = OSSL_PROVIDER_get0_name(EVP_KEYMGMT_get0_provider(km));
	ok = prov != NULL && strcmp(prov, "default") == 0;
	EVP_KEYMGMT_free(km);
	return ok;
}

int
pki_rsa_generate(int bits, EVP_PKEY **out, struct pki_error *err)
{
	BIGNUM	*p = NULL, *q = NULL;
	int	 i, r = PKI_ERR_INTERNAL;

	*out = NULL;
	if ((p = bn_secret()) == NULL || (q = bn_secret()) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "RSA key generation");
		goto out;
	}
	for (i = 0; i < DRAW_MAX; i++) {
		if ((r = primes_find(p, q, bits / 2, err)) != PKI_OK)
			goto out;
		/* PKI_ERR_KEY: this pair fails a check; draw another. */
		if ((r = pki_rsa_from_primes(p, q, bits, out, err)) !=
		    PKI_ERR_KEY)
			goto out;
	}
	r = pki_err(err, PKI_ERR_CRYPTO, "RSA key generation: no pair of "
	    "primes passed the checks in %d draws", DRAW_MAX);
 out:
	BN_clear_free(p);
	BN_clear_free(q);
	return r;
}

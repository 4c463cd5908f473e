/*
 * t-rsagen.c: RSA key generation from two parallel prime searches
 * (pki/rsagen.c): the keys it makes pass OpenSSL's full key check and
 * SP 800-56B rev. 2's conditions, each check refuses the pair it is
 * for, and the generator stands aside for sizes and properties it does
 * not serve.  A composite "prime" fails the pairwise test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "internal.h"
#include "../tap.h"

static BIGNUM *
get_bn(const EVP_PKEY *pkey, const char *name)
{
	BIGNUM	*b = NULL;

	if (EVP_PKEY_get_bn_param(pkey, name, &b) != 1)
		return NULL;
	return b;
}

/* The conditions a key of bits bits must meet; t names the key. */
static void
check_key(EVP_PKEY *pkey, int bits, const char *t)
{
	EVP_PKEY_CTX	*c;
	BN_CTX		*ctx = BN_CTX_new();
	BIGNUM		*n, *e, *d, *p, *q, *dp, *dq, *qi;
	BIGNUM		*x = BN_new(), *p1 = BN_new(), *q1 = BN_new();
	BIGNUM		*g = BN_new(), *lcm = BN_new();
	int		 half = bits / 2;

	ok(EVP_PKEY_is_a(pkey, "RSA") && EVP_PKEY_get_bits(pkey) == bits,
	    "%s: an RSA key of %d bits", t, bits);
	c = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	/* OpenSSL's RSA_check_key: p, q prime, n = pq, d, CRT values. */
	ok(c != NULL && EVP_PKEY_check(c) == 1, "%s: EVP_PKEY_check", t);
	EVP_PKEY_CTX_free(c);
	ERR_clear_error();

	n = get_bn(pkey, OSSL_PKEY_PARAM_RSA_N);
	e = get_bn(pkey, OSSL_PKEY_PARAM_RSA_E);
	d = get_bn(pkey, OSSL_PKEY_PARAM_RSA_D);
	p = get_bn(pkey, OSSL_PKEY_PARAM_RSA_FACTOR1);
	q = get_bn(pkey, OSSL_PKEY_PARAM_RSA_FACTOR2);
	dp = get_bn(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT1);
	dq = get_bn(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT2);
	qi = get_bn(pkey, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
	if (n == NULL || e == NULL || d == NULL || p == NULL || q == NULL ||
	    dp == NULL || dq == NULL || qi == NULL) {
		ok(0, "%s: the key's parameters", t);
		ok(0, "%s: p and q", t);
		ok(0, "%s: |p - q|", t);
		ok(0, "%s: d", t);
		goto out;
	}
	ok(BN_is_word(e, 65537), "%s: e = 65537", t);
	ok(BN_num_bits(p) == half && BN_num_bits(q) == half &&
	    BN_is_bit_set(p, half - 2) && BN_is_bit_set(q, half - 2) &&
	    BN_mul(x, p, q, ctx) && BN_cmp(x, n) == 0,
	    "%s: n = pq, p and q of %d bits, top two bits set", t, half);
	ok(BN_sub(x, p, q) && (BN_set_negative(x, 0), 1) &&
	    BN_num_bits(x) > half - 99, "%s: |p - q| > 2^%d", t, half - 100);
	/* 2^(nbits/2) < d < lcm(p - 1, q - 1), e d = 1 mod lcm. */
	ok(BN_sub(p1, p, BN_value_one()) && BN_sub(q1, q, BN_value_one()) &&
	    BN_gcd(g, p1, q1, ctx) && BN_mul(x, p1, q1, ctx) &&
	    BN_div(lcm, NULL, x, g, ctx) && BN_num_bits(d) > half &&
	    BN_cmp(d, lcm) < 0 && BN_mod_mul(x, d, e, lcm, ctx) &&
	    BN_is_one(x), "%s: d = e^-1 mod lcm(p-1, q-1), over 2^%d", t,
	    half);
 out:
	BN_free(n);
	BN_free(e);
	BN_clear_free(d);
	BN_clear_free(p);
	BN_clear_free(q);
	BN_clear_free(dp);
	BN_clear_free(dq);
	BN_clear_free(qi);
	BN_free(x);
	BN_free(p1);
	BN_free(q1);
	BN_free(g);
	BN_free(lcm);
	BN_CTX_free(ctx);
}

/* check_key's tests, failed when there is no key. */
static void
check_or_fail(EVP_PKEY *pkey, int bits, const char *t)
{
	int	i;

	if (pkey != NULL) {
		check_key(pkey, bits, t);
		return;
	}
	for (i = 0; i < 6; i++)
		ok(0, "%s: no key", t);
}

static void
t_generate(void)
{
	struct pki_error	 err;
	EVP_PKEY		*k1 = NULL, *k2 = NULL, *k3 = NULL;
	BIGNUM			*n1 = NULL, *n2 = NULL;
	int			 r;

	memset(&err, 0, sizeof(err));
	r = pki_rsa_generate(2048, &k1, &err);
	is_int(r, PKI_OK, "pki_rsa_generate 2048: %s", err.text);
	check_or_fail(k1, 2048, "rsa-2048");

	r = pki_rsa_generate(2048, &k2, &err);
	n1 = k1 != NULL ? get_bn(k1, OSSL_PKEY_PARAM_RSA_N) : NULL;
	n2 = k2 != NULL ? get_bn(k2, OSSL_PKEY_PARAM_RSA_N) : NULL;
	ok(r == PKI_OK && n1 != NULL && n2 != NULL && BN_cmp(n1, n2) != 0,
	    "two generations give two moduli");

	r = pki_rsa_generate(3072, &k3, &err);
	is_int(r, PKI_OK, "pki_rsa_generate 3072: %s", err.text);
	check_or_fail(k3, 3072, "rsa-3072");
	BN_free(n1);
	BN_free(n2);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(k3);
}

/* A prime of bits bits with the top bit set and the next one clear. */
static BIGNUM *
low_prime(int bits, BN_CTX *ctx)
{
	BIGNUM	*p = BN_new();

	if (p == NULL || !BN_rand(p, bits, BN_RAND_TOP_ONE,
	    BN_RAND_BOTTOM_ODD) || !BN_clear_bit(p, bits - 2))
		goto bad;
	while (BN_check_prime(p, ctx, NULL) != 1)
		if (!BN_add_word(p, 2))
			goto bad;
	if (BN_num_bits(p) == bits && !BN_is_bit_set(p, bits - 2))
		return p;
 bad:
	BN_free(p);
	return NULL;
}

/* The next prime after p. */
static BIGNUM *
next_prime(const BIGNUM *p, BN_CTX *ctx)
{
	BIGNUM	*q = BN_dup(p);

	if (q == NULL)
		return NULL;
	do {
		if (!BN_add_word(q, 2)) {
			BN_free(q);
			return NULL;
		}
	} while (BN_check_prime(q, ctx, NULL) != 1);
	return q;
}

/* pki_rsa_from_primes(p, q) must fail with code and text containing want. */
static void
refused(const BIGNUM *p, const BIGNUM *q, int bits, int code,
    const char *want, const char *what)
{
	struct pki_error	 err;
	EVP_PKEY		*k = NULL;
	int			 r;

	memset(&err, 0, sizeof(err));
	if (p == NULL || q == NULL) {
		ok(0, "%s: could not make the primes", what);
		return;
	}
	r = pki_rsa_from_primes(p, q, bits, &k, &err);
	ok(r == code && k == NULL && strstr(err.text, want) != NULL,
	    "%s: refused (%d, \"%s\")", what, r, err.text);
	EVP_PKEY_free(k);
	ERR_clear_error();
}

static void
t_checks(void)
{
	struct pki_error	 err;
	BN_CTX			*ctx = BN_CTX_new();
	BIGNUM			*p = BN_new(), *q = BN_new(), *p1 = BN_new();
	BIGNUM			*add = BN_new(), *rem = BN_new();
	BIGNUM			*near = NULL, *low = NULL, *small = BN_new();
	BIGNUM			*comp = BN_new();
	EVP_PKEY		*k = NULL;
	int			 i, r;

	memset(&err, 0, sizeof(err));
	/* Two good primes, for a baseline and for the single faults. */
	r = BN_generate_prime_ex2(p, 1024, 0, NULL, NULL, NULL, ctx) &&
	    BN_generate_prime_ex2(q, 1024, 0, NULL, NULL, NULL, ctx) &&
	    BN_is_bit_set(p, 1022) && BN_is_bit_set(q, 1022) &&
	    BN_mod_word(p, 65537) != 1 && BN_mod_word(q, 65537) != 1;
	if (r) {
		r = pki_rsa_from_primes(p, q, 2048, &k, &err);
		is_int(r, PKI_OK, "two good primes make a key: %s", err.text);
		check_or_fail(k, 2048, "from two primes");
		EVP_PKEY_free(k);
		k = NULL;
	} else
		for (r = 0; r < 7; r++)
			ok(0, "BN_generate_prime_ex2 (or p, q = 1 mod e: rerun)");

	refused(p, p, 2048, PKI_ERR_KEY, "|p - q|", "p = q");
	near = next_prime(p, ctx);
	refused(p, near, 2048, PKI_ERR_KEY, "|p - q|", "q the next prime "
	    "after p");
	/* p = 1 mod 2e, so e divides p - 1; top two bits set. */
	r = BN_set_word(add, 2 * 65537) && BN_one(rem);
	for (i = 0; r && i < 64; i++)
		if (!(r = BN_generate_prime_ex2(p1, 1024, 0, add, rem, NULL,
		    ctx)) || BN_is_bit_set(p1, 1022))
			break;
	if (!r || !BN_is_bit_set(p1, 1022))
		BN_free(p1), p1 = NULL;
	refused(p1, q, 2048, PKI_ERR_KEY, "gcd(e, p - 1)", "e divides p - 1");
	refused(q, p1, 2048, PKI_ERR_KEY, "gcd(e, p - 1)", "e divides q - 1");
	low = low_prime(1024, ctx);
	refused(low, q, 2048, PKI_ERR_KEY, "smaller than sqrt(2)",
	    "p under 0.75 * 2^1024");
	if (!BN_generate_prime_ex2(small, 1023, 0, NULL, NULL, NULL, ctx))
		BN_free(small), small = NULL;
	refused(q, small, 2048, PKI_ERR_KEY, "smaller than sqrt(2)",
	    "q of 1023 bits");
	/* Not a prime: every size and distance check passes, the key not. */
	r = comp != NULL;
	for (i = 0; r && i < 64; i++) {
		r = BN_rand(comp, 1024, BN_RAND_TOP_TWO, BN_RAND_BOTTOM_ODD);
		if (r && BN_check_prime(comp, ctx, NULL) == 0 &&
		    BN_mod_word(comp, 65537) != 1)
			break;
	}
	refused(r && i < 64 ? comp : NULL, q, 2048, PKI_ERR_CRYPTO,
	    "pairwise test", "p composite");
	refused(p, q, 2047, PKI_ERR_ARG, "not an even size", "2047 bits");
	refused(p, q, 1024, PKI_ERR_ARG, "not an even size", "1024 bits");

	BN_free(p);
	BN_free(q);
	BN_free(p1);
	BN_free(add);
	BN_free(rem);
	BN_free(near);
	BN_free(low);
	BN_free(small);
	BN_free(comp);
	BN_CTX_free(ctx);
}

static void
t_applies(void)
{
	ok(pki_rsa_generator_applies(2048) == 1, "applies to 2048 bits");
	ok(pki_rsa_generator_applies(4096) == 1, "applies to 4096 bits");
	ok(pki_rsa_generator_applies(2047) == 0, "not to 2047 bits");
	ok(pki_rsa_generator_applies(1024) == 0, "not to 1024 bits");
	/* With FIPS properties the provider makes its own keys. */
	if (EVP_default_properties_enable_fips(NULL, 1) == 1) {
		ok(pki_rsa_generator_applies(2048) == 0,
		    "not with fips=yes properties");
		(void)EVP_default_properties_enable_fips(NULL, 0);
		ok(pki_rsa_generator_applies(2048) == 1,
		    "applies again with fips=no");
	} else {
		ok(0, "EVP_default_properties_enable_fips");
		ok(0, "EVP_default_properties_enable_fips");
	}
	ERR_clear_error();
}

/* The generator behind pki_key_generate: an "rsa" CSR JSON's key. */
static void
t_keygen(void)
{
	struct pki_error	 err;
	struct pki_csr		*csr = NULL;
	struct pki_key		*key = NULL;
	static const char	 json[] = "{\"CN\":\"x\",\"key\":{\"algo\":"
	    "\"rsa\",\"size\":2048}}";
	int			 r;

	memset(&err, 0, sizeof(err));
	r = pki_csr_parse(json, sizeof(json) - 1, "t.json", 0, NULL, &csr,
	    &err);
	if (r == PKI_OK)
		r = pki_key_generate(csr, &key, &err);
	is_int(r, PKI_OK, "pki_key_generate rsa-2048: %s", err.text);
	check_or_fail(key != NULL ? key->pkey : NULL, 2048,
	    "pki_key_generate");
	pki_key_free(key);
	pki_csr_free(csr);
}

int
main(void)
{
	plan(15 + 16 + 6 + 7);
	t_generate();
	t_checks();
	t_applies();
	t_keygen();
	return done_testing();
}

/*
 * rsagen.c: what an RSA key generation of the installed libcrypto does,
 * and how long it takes (bench/README.md, "RSA key generation").
 *
 * Generates N keys with EVP_PKEY_keygen, one after the other, as
 * etcd-pki does, and records for each the CPU time of the generating
 * thread (not wall time: the figures hold on a loaded machine) and the
 * key generation callback's events, which OpenSSL 3.0 passes on from
 * its BN_GENCB:
 *   (0, i)  a candidate is tested (auxiliary primes: i counts them;
 *           FIPS 186-4 C.9 derive-prime loop: i is always 2)
 *   (1, j)  one Miller-Rabin round
 *   (2, i)  an auxiliary prime found after i candidates
 *   (3, 0)  a prime p or q found (derive-prime)
 * The (0, 2)/(3, 0) pattern is the SP 800-56B / FIPS 186-4 generator's
 * (crypto/bn/bn_rsa_fips186_4.c); the older generator's BN_generate_prime
 * counts (0, i) up and sends (3, i) with i the prime's index.
 *
 * Prints one line per key, then the distribution of the times (median,
 * p90, p99, max) and Pearson's correlation of the time with the number
 * of candidates tested and with the number of Miller-Rabin rounds.
 *
 * With -m primes it times instead what etcd-pki does (pki/rsagen.c) for
 * an even size of 2048 bits or more: two primes of BITS/2 bits from
 * BN_generate_prime_ex2, each drawn again while p mod 65537 = 1 or its
 * second bit is clear, one after the other on this thread.  The key
 * itself (d, the CRT values, the checks, the pairwise test: about 2 ms)
 * is not built.  Per key it prints the CPU time of each prime and the
 * sum, and the distribution of the sum (one thread) and of the larger
 * of the two (the time on two threads, as etcd-pki searches them).
 *
 * Build: cc -O2 rsagen.c $(pkg-config --cflags --libs libcrypto) -lm
 * Usage: rsagen [-b BITS] [-n N] [-m openssl|primes]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

struct tally {
	long	cand;		/* (0, *): candidates tested */
	long	derive;		/* (0, 2) after the auxiliary primes */
	long	mr;		/* (1, *): Miller-Rabin rounds */
	long	aux;		/* (2, *): auxiliary primes */
	long	primes;		/* (3, *): p and q */
	long	other;		/* anything else */
};

static int
cb(EVP_PKEY_CTX *ctx)
{
	struct tally	*t = EVP_PKEY_CTX_get_app_data(ctx);
	int		 a = EVP_PKEY_CTX_get_keygen_info(ctx, 0);
	int		 b = EVP_PKEY_CTX_get_keygen_info(ctx, 1);

	switch (a) {
	case 0:
		t->cand++;
		if (b == 2 && t->aux % 2 == 0 && t->aux > 2 * t->primes)
			t->derive++;
		break;
	case 1:
		t->mr++;
		break;
	case 2:
		t->aux++;
		break;
	case 3:
		t->primes++;
		break;
	default:
		t->other++;
	}
	return 1;
}

static double
cpu_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of sorted v[0..n-1] (nearest rank). */
static double
quant(const double *v, int n, double q)
{
	int	i = (int)ceil(q * n) - 1;

	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

static double
corr(const double *x, const double *y, int n)
{
	double	mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
	int	i;

	for (i = 0; i < n; i++) {
		mx += x[i] / n;
		my += y[i] / n;
	}
	for (i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
		syy += (y[i] - my) * (y[i] - my);
	}
	return sxy / sqrt(sxx * syy);
}

static void
dist(const char *what, const double *v, double *sorted, int n)
{
	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*sorted), cmp);
	printf("%s: median %.1f p90 %.1f p99 %.1f max %.1f min %.1f\n",
	    what, quant(sorted, n, 0.5), quant(sorted, n, 0.9),
	    quant(sorted, n, 0.99), sorted[n - 1], sorted[0]);
}

/* One prime as pki/rsagen.c draws it; its CPU time in ms. */
static double
prime_ms(BIGNUM *p, int bits, BN_CTX *ctx)
{
	double	t0 = cpu_ms();

	do {
		if (!BN_generate_prime_ex2(p, bits, 0, NULL, NULL, NULL, ctx)) {
			ERR_print_errors_fp(stderr);
			exit(1);
		}
	} while (BN_mod_word(p, 65537) == 1 || !BN_is_bit_set(p, bits - 2));
	return cpu_ms() - t0;
}

static int
primes_main(int bits, int n)
{
	BN_CTX	*ctx = BN_CTX_new();
	BIGNUM	*p = BN_new();
	double	*sum, *mx, *sorted, a, b;
	int	 i;

	sum = calloc(n, sizeof(*sum));
	mx = calloc(n, sizeof(*mx));
	sorted = calloc(n, sizeof(*sorted));
	if (ctx == NULL || p == NULL || sum == NULL || mx == NULL ||
	    sorted == NULL)
		return 1;
	printf("%s, RSA-%d from two BN_generate_prime_ex2 primes, %d keys\n",
	    OpenSSL_version(OPENSSL_VERSION), bits, n);
	printf("key      p_ms      q_ms   sum_ms\n");
	for (i = 0; i < n; i++) {
		a = prime_ms(p, bits / 2, ctx);
		b = prime_ms(p, bits / 2, ctx);
		sum[i] = a + b;
		mx[i] = a > b ? a : b;
		printf("%3d %9.1f %9.1f %8.1f\n", i + 1, a, b, sum[i]);
	}
	dist("cpu ms, both primes on one thread", sum, sorted, n);
	dist("cpu ms, the slower prime (two threads)", mx, sorted, n);
	BN_free(p);
	BN_CTX_free(ctx);
	return 0;
}

int
main(int argc, char **argv)
{
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*pkey;
	struct tally	 t;
	double		*ms, *sorted, *cand, *mr, t0;
	int		 c, i, n = 61, bits = 2048, primes = 0;

	while ((c = getopt(argc, argv, "b:m:n:")) != -1) {
		switch (c) {
		case 'b':
			bits = atoi(optarg);
			break;
		case 'm':
			if (strcmp(optarg, "primes") == 0)
				primes = 1;
			else if (strcmp(optarg, "openssl") != 0) {
				fprintf(stderr, "rsagen: -m openssl|primes\n");
				return 1;
			}
			break;
		case 'n':
			n = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: rsagen [-b BITS] [-n N] "
			    "[-m openssl|primes]\n");
			return 1;
		}
	}
	if (n < 2 || bits < 512)
		return 1;
	if (primes)
		return bits % 2 != 0 ? 1 : primes_main(bits, n);
	ms = calloc(n, sizeof(*ms));
	sorted = calloc(n, sizeof(*sorted));
	cand = calloc(n, sizeof(*cand));
	mr = calloc(n, sizeof(*mr));
	if (ms == NULL || sorted == NULL || cand == NULL || mr == NULL)
		return 1;
	printf("%s, RSA-%d, e=65537, %d keys\n",
	    OpenSSL_version(OPENSSL_VERSION), bits, n);
	printf("key    cpu_ms  candidates  derive(0,2)  mr_rounds  aux  "
	    "primes  other\n");
	for (i = 0; i < n; i++) {
		memset(&t, 0, sizeof(t));
		if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) ==
		    NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) <= 0) {
			ERR_print_errors_fp(stderr);
			return 1;
		}
		EVP_PKEY_CTX_set_app_data(ctx, &t);
		EVP_PKEY_CTX_set_cb(ctx, cb);
		pkey = NULL;
		t0 = cpu_ms();
		if (EVP_PKEY_keygen(ctx, &pkey) <= 0) {
			ERR_print_errors_fp(stderr);
			return 1;
		}
		ms[i] = cpu_ms() - t0;
		EVP_PKEY_free(pkey);
		EVP_PKEY_CTX_free(ctx);
		cand[i] = (double)t.cand;
		mr[i] = (double)t.mr;
		printf("%3d %9.1f %11ld %12ld %10ld %4ld %7ld %6ld\n", i + 1,
		    ms[i], t.cand, t.derive, t.mr, t.aux, t.primes, t.other);
	}
	dist("cpu ms", ms, sorted, n);
	printf("correlation of cpu time with candidates tested: %.3f, "
	    "with Miller-Rabin rounds: %.3f\n", corr(ms, cand, n),
	    corr(ms, mr, n));
	return 0;
}

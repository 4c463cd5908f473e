/*
 * pairread.c: reads a certificate and its key over and over, as etcd does
 * on every TLS handshake (two separate opens), until a stop file appears,
 * and counts what a reader would have seen while a set was switched.
 *
 * usage: pairread CERT KEY STOPFILE
 * Prints "reads=N mismatches=M errors=E serials=S" (S distinct serials)
 * and exits 1 if M or E is not zero, 2 on a usage error.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki.h"

/* Distinct serials seen (a handful at most). */
struct serials {
	char	**v;
	size_t	  n;
};

/* Adds dec (taken over) if it is new.  Returns 0, or -1 out of memory. */
static int
serial_add(struct serials *sv, char *dec)
{
	char	**nv;
	size_t	  i;

	for (i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], dec) == 0) {
			free(dec);
			return 0;
		}
	if ((nv = reallocarray(sv->v, sv->n + 1, sizeof(*nv))) == NULL) {
		free(dec);
		return -1;
	}
	sv->v = nv;
	sv->v[sv->n++] = dec;
	return 0;
}

/*
 * One read of the pair.  Returns 0 (match), 1 (mismatch) or -1 (a file
 * could not be read or parsed, told on stderr when verbose); *dec
 * receives the certificate's serial.
 */
static int
read_pair(const char *certpath, const char *keypath, int verbose, char **dec)
{
	struct pki_error	 err;
	struct pki_cert		*cert = NULL;
	struct pki_key		*key = NULL;
	char			*cbuf = NULL, *kbuf = NULL;
	size_t			 clen = 0, klen = 0;
	int			 ret = -1;

	*dec = NULL;
	memset(&err, 0, sizeof(err));
	if (pki_input_read(certpath, 0, PKI_MAX_INPUT, &cbuf, &clen,
	    &err) != PKI_OK ||
	    pki_input_read(keypath, 0, PKI_MAX_INPUT, &kbuf, &klen,
	    &err) != PKI_OK ||
	    pki_cert_load(cbuf, clen, certpath, &cert, &err) != PKI_OK ||
	    pki_key_load(kbuf, klen, keypath, NULL, &key, &err) != PKI_OK ||
	    pki_cert_serial(cert, dec, &err) != PKI_OK) {
		if (verbose)
			fprintf(stderr, "pairread: %s\n", err.text);
		goto out;
	}
	ret = pki_cert_matches_key(cert, key) == 1 ? 0 : 1;
 out:
	pki_cert_free(cert);
	pki_key_free(key);
	free(cbuf);
	pki_secret_free(kbuf, klen);
	return ret;
}

int
main(int argc, char **argv)
{
	struct serials	 sv = { NULL, 0 };
	unsigned long	 reads = 0, mismatches = 0, errors = 0;
	char		*dec;
	size_t		 i;
	int		 r;

	if (argc != 4) {
		fprintf(stderr, "usage: pairread CERT KEY STOPFILE\n");
		return 2;
	}
	while (access(argv[3], F_OK) == -1) {
		/* The first few errors are enough to tell what went wrong. */
		r = read_pair(argv[1], argv[2], errors < 5, &dec);
		reads++;
		if (r == -1)
			errors++;
		else if (r == 1)
			mismatches++;
		if (dec != NULL && serial_add(&sv, dec) == -1) {
			fprintf(stderr, "pairread: out of memory\n");
			return 2;
		}
		(void)sched_yield();
	}
	printf("reads=%lu mismatches=%lu errors=%lu serials=%zu\n", reads,
	    mismatches, errors, sv.n);
	for (i = 0; i < sv.n; i++)
		free(sv.v[i]);
	free(sv.v);
	return mismatches > 0 || errors > 0 ? 1 : 0;
}

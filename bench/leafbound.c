/*
 * leafbound.c: a lower bound for (f) and (i) of the etcd-pki benchmark
 * (bench/README.md): the least a whole process can do that makes one
 * ECDSA leaf durably with OpenSSL 3.0, as etcd-pki's gencert -o must.
 *
 * It starts OpenSSL as etcd-pki does (no configuration file, no clean-up
 * at exit), generates one P-256 key, PEM-encodes it (traditional EC
 * format, as cfssl writes it), and writes it with two placeholder files
 * of the sizes of (f)'s certificate and request under temporary names,
 * then makes them durable as etcd-pki does for a set of files: one
 * syncfs, the renames, one fsync of the directory.  It reads no CA,
 * builds and signs no request and no certificate: a real leaf costs more.
 *
 * Build: cc -O2 leafbound.c $(pkg-config --cflags --libs libcrypto)
 * Usage: leafbound DIR/NAME   (writes NAME.pem, NAME-key.pem, NAME.csr)
 * Exits 1 on any failure.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* syncfs */
#endif

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

static void
die(const char *what)
{
	fprintf(stderr, "leafbound: %s failed\n", what);
	exit(1);
}

/* Writes len bytes of data to dir/tmp with mode; no sync of its own. */
static void
put(int dfd, const char *tmp, const void *data, size_t len, mode_t mode)
{
	int	fd;

	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode)) == -1)
		die("openat");
	if (write(fd, data, len) != (ssize_t)len || close(fd) == -1)
		die("write");
}

int
main(int argc, char **argv)
{
	/* (f)'s certificate and request are about this long. */
	static char	 cert[700], csr[430];
	char		 dir[4096], tmp[3][4096], dst[3][4096];
	const char	*slash, *base;
	EVP_PKEY	*k;
	BIO		*b;
	char		*pem;
	long		 pemlen;
	int		 dfd, i, n;

	if (argc != 2)
		die("usage: leafbound DIR/NAME;");
	if ((slash = strrchr(argv[1], '/')) == NULL) {
		snprintf(dir, sizeof(dir), ".");
		base = argv[1];
	} else {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - argv[1]),
		    argv[1]);
		base = slash + 1;
	}
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG |
	    OPENSSL_INIT_NO_ATEXIT, NULL) != 1)
		die("OPENSSL_init_crypto");
	if ((k = EVP_EC_gen("P-256")) == NULL)
		die("EVP_EC_gen");
	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL,
	    NULL) != 1 || (pemlen = BIO_get_mem_data(b, &pem)) <= 0)
		die("PEM_write_bio_PrivateKey_traditional");
	memset(cert, 'c', sizeof(cert));
	memset(csr, 'r', sizeof(csr));

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		die("open the directory");
	snprintf(dst[0], sizeof(dst[0]), "%s.pem", base);
	snprintf(dst[1], sizeof(dst[1]), "%s-key.pem", base);
	snprintf(dst[2], sizeof(dst[2]), "%s.csr", base);
	for (i = 0; i < 3; i++) {
		n = snprintf(tmp[i], sizeof(tmp[i]), ".%s.%d", dst[i],
		    (int)getpid());
		if (n < 0 || (size_t)n >= sizeof(tmp[i]))
			die("a temporary name");
	}
	put(dfd, tmp[0], cert, sizeof(cert), 0644);
	put(dfd, tmp[1], pem, (size_t)pemlen, 0600);
	put(dfd, tmp[2], csr, sizeof(csr), 0644);
	if (syncfs(dfd) == -1)
		die("syncfs");
	for (i = 0; i < 3; i++)
		if (renameat(dfd, tmp[i], dfd, dst[i]) == -1)
			die("renameat");
	if (fsync(dfd) == -1 || close(dfd) == -1)
		die("fsync of the directory");
	BIO_free(b);
	EVP_PKEY_free(k);
	return 0;
}

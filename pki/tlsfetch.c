/*
 * tlsfetch.c: the certificate a TLS server presents (needs-renewal
 * https://HOST:PORT), fetched without verifying anything, within one
 * deadline for connect and handshake together.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "internal.h"

/* Milliseconds on the monotonic clock. */
static int64_t
now_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline, at least 0. */
static int
left_ms(int64_t deadline)
{
	int64_t	l = deadline - now_ms();

	return l > 0 ? (l > INT32_MAX ? INT32_MAX : (int)l) : 0;
}

/* "5s" or "1500ms". */
static void
fmt_timeout(int ms, char *buf, size_t size)
{
	if (ms % 1000 == 0)
		snprintf(buf, size, "%ds", ms / 1000);
	else
		snprintf(buf, size, "%dms", ms);
}

static int
is_ip_literal(const char *host)
{
	unsigned char	a[16];

	return inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
}

/*
 * Waits until fd is ready for events or the deadline passes.  Returns 1
 * when ready, 0 on timeout, -1 with errno set.
 */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd	pfd;
	int		n;

	for (;;) {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left_ms(deadline));
		if (n == -1 && errno == EINTR)
			continue;
		return n > 0 ? 1 : n;
	}
}

/*
 * Connects to one address before the deadline.  Returns the socket, or -1
 * with *eno set (ETIMEDOUT on timeout).
 */
static int
connect_one(const struct addrinfo *ai, int64_t deadline, int *eno)
{
	socklen_t	sl;
	int		fd, n, soerr = 0;

	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol)) == -1) {
		*eno = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR) {
		*eno = errno;
		goto fail;
	}
	if ((n = wait_fd(fd, POLLOUT, deadline)) <= 0) {
		*eno = n == 0 ? ETIMEDOUT : errno;
		goto fail;
	}
	sl = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1) {
		*eno = errno;
		goto fail;
	}
	if (soerr != 0) {
		*eno = soerr;
		goto fail;
	}
	return fd;
 fail:
	(void)close(fd);
	return -1;
}

int
pki_tls_peer_cert(const char *host, const char *port, const char *servername,
    int timeout_ms, struct pki_cert **out, struct pki_error *err)
{
	struct addrinfo		 hints, *res = NULL, *ai;
	struct pki_cert		*cert = NULL;
	SSL_CTX			*ctx = NULL;
	SSL			*ssl = NULL;
	X509			*peer = NULL;
	char			 label[320], tmo[32], sni[256];
	int64_t			 deadline;
	int			 fd = -1, eno = 0, gai, n, e, done;
	int			 r = PKI_ERR_INTERNAL;

	*out = NULL;
	if (host == NULL || *host == '\0' || port == NULL || *port == '\0')
		return pki_err(err, PKI_ERR_ARG, "no host or port to connect to");
	if (timeout_ms <= 0)
		timeout_ms = 10000;
	snprintf(label, sizeof(label), strchr(host, ':') != NULL ?
	    "[%s]:%s" : "%s:%s", host, port);
	pki_err_source(err, label);
	fmt_timeout(timeout_ms, tmo, sizeof(tmo));
	deadline = now_ms() + timeout_ms;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	if ((gai = getaddrinfo(host, port, &hints, &res)) != 0) {
		if (gai == EAI_SYSTEM)
			return pki_err_sys(err, errno, "%s: cannot resolve",
			    label);
		return pki_err(err, PKI_ERR_IO, "%s: cannot resolve: %s",
		    label, gai_strerror(gai));
	}
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
		if (left_ms(deadline) == 0) {
			eno = ETIMEDOUT;
			break;
		}
		fd = connect_one(ai, deadline, &eno);
	}
	if (fd == -1) {
		if (eno == ETIMEDOUT)
			r = pki_err(err, PKI_ERR_IO, "%s: connect: timed out "
			    "after %s", label, tmo);
		else
			r = pki_err(err, PKI_ERR_IO, "%s: connect: %s", label,
			    strerror(eno));
		if (err != NULL)
			err->sys_errno = eno;
		goto out;
	}

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "%s: SSL_CTX_new", label);
		goto out;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* We only look at the certificate: accept whatever the server has. */
	SSL_CTX_set_security_level(ctx, 0);
	if ((ssl = SSL_new(ctx)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "%s: SSL_new", label);
		goto out;
	}
	if (SSL_set_fd(ssl, fd) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "%s: SSL_set_fd", label);
		goto out;
	}
	if (servername == NULL && !is_ip_literal(host))
		servername = host;
	/* The macro casts its argument to void *: pass a copy. */
	if (servername != NULL && *servername != '\0' &&
	    ((size_t)snprintf(sni, sizeof(sni), "%s", servername) >=
	    sizeof(sni) || SSL_set_tlsext_host_name(ssl, sni) != 1)) {
		r = pki_err_ssl(err, PKI_ERR_ARG, "%s: server name \"%s\"",
		    label, servername);
		goto out;
	}
	SSL_set_connect_state(ssl);
	for (done = 0; !done;) {
		ERR_clear_error();
		if ((n = SSL_do_handshake(ssl)) == 1)
			break;
		e = SSL_get_error(ssl, n);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			n = wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN :
			    POLLOUT, deadline);
			if (n == 0) {
				if ((peer = SSL_get1_peer_certificate(ssl)) !=
				    NULL)
					break;
				r = pki_err(err, PKI_ERR_IO, "%s: TLS handshake "
				    "timed out after %s", label, tmo);
				goto out;
			}
			if (n == -1) {
				r = pki_err_sys(err, errno, "%s: poll", label);
				goto out;
			}
			continue;
		}
		/*
		 * A failure after the server's Certificate message (it
		 * wanted a client certificate) still gives what we want.
		 */
		if ((peer = SSL_get1_peer_certificate(ssl)) != NULL)
			break;
		if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
			r = pki_err(err, PKI_ERR_IO, "%s: TLS handshake: %s",
			    label, errno != 0 ? strerror(errno) :
			    "connection closed by the server");
		else
			r = pki_err_ssl(err, PKI_ERR_IO, "%s: TLS handshake",
			    label);
		goto out;
	}
	if (peer == NULL && (peer = SSL_get1_peer_certificate(ssl)) == NULL) {
		r = pki_err(err, PKI_ERR_PEM, "%s: no certificate from the "
		    "server", label);
		goto out;
	}
	if ((cert = calloc(1, sizeof(*cert))) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	cert->x509 = peer;
	peer = NULL;
	*out = cert;
	cert = NULL;
	r = PKI_OK;
 out:
	ERR_clear_error();
	X509_free(peer);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd != -1)
		(void)close(fd);
	if (res != NULL)
		freeaddrinfo(res);
	free(cert);
	return r;
}

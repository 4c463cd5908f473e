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
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "config.h"
#include "internal.h"
#include "dl.h"

/*
 * libssl's entry points: libssl is loaded on first use (dl.h), as only
 * the commands that look at a server's certificate need it.
 */
struct ssl_fns {
	const SSL_METHOD	*(*TLS_client_method)(void);
	SSL_CTX			*(*CTX_new)(const SSL_METHOD *);
	void			 (*CTX_free)(SSL_CTX *);
	void			 (*CTX_set_verify)(SSL_CTX *, int,
				    SSL_verify_cb);
	void			 (*CTX_set_security_level)(SSL_CTX *, int);
	int			 (*CTX_use_certificate)(SSL_CTX *, X509 *);
	int			 (*CTX_use_PrivateKey)(SSL_CTX *, EVP_PKEY *);
	int			 (*CTX_check_private_key)(const SSL_CTX *);
	SSL			*(*new)(SSL_CTX *);
	void			 (*free)(SSL *);
	int			 (*set_fd)(SSL *, int);
	long			 (*ctrl)(SSL *, int, long, void *);
	void			 (*set_connect_state)(SSL *);
	int			 (*do_handshake)(SSL *);
	int			 (*get_error)(const SSL *, int);
	X509			*(*get1_peer_certificate)(const SSL *);
	int			 (*read)(SSL *, void *, int);
	int			 (*write)(SSL *, const void *, int);
};
static struct ssl_fns		libssl;
#define SSL_FN(f, name)	PKI_DL_SYM(struct ssl_fns, f, #name)
static const struct pki_dl_sym	ssl_syms[] = {
	SSL_FN(TLS_client_method, TLS_client_method),
	SSL_FN(CTX_new, SSL_CTX_new),
	SSL_FN(CTX_free, SSL_CTX_free),
	SSL_FN(CTX_set_verify, SSL_CTX_set_verify),
	SSL_FN(CTX_set_security_level, SSL_CTX_set_security_level),
	SSL_FN(CTX_use_certificate, SSL_CTX_use_certificate),
	SSL_FN(CTX_use_PrivateKey, SSL_CTX_use_PrivateKey),
	SSL_FN(CTX_check_private_key, SSL_CTX_check_private_key),
	SSL_FN(new, SSL_new),
	SSL_FN(free, SSL_free),
	SSL_FN(set_fd, SSL_set_fd),
	SSL_FN(ctrl, SSL_ctrl),
	SSL_FN(set_connect_state, SSL_set_connect_state),
	SSL_FN(do_handshake, SSL_do_handshake),
	SSL_FN(get_error, SSL_get_error),
	SSL_FN(get1_peer_certificate, SSL_get1_peer_certificate),
	SSL_FN(read, SSL_read),
	SSL_FN(write, SSL_write),
};
#undef SSL_FN
static struct pki_dl		ssl_lib = PKI_DL_INIT(PKI_SONAME_SSL,
    "reading a TLS server's certificate", "libssl3", ssl_syms, &libssl);

/* Each entry of the table has the type openssl/ssl.h declares. */
PKI_DL_CHECK(libssl, TLS_client_method, TLS_client_method);
PKI_DL_CHECK(libssl, CTX_new, SSL_CTX_new);
PKI_DL_CHECK(libssl, CTX_free, SSL_CTX_free);
PKI_DL_CHECK(libssl, CTX_set_verify, SSL_CTX_set_verify);
PKI_DL_CHECK(libssl, CTX_set_security_level, SSL_CTX_set_security_level);
PKI_DL_CHECK(libssl, CTX_use_certificate, SSL_CTX_use_certificate);
PKI_DL_CHECK(libssl, CTX_use_PrivateKey, SSL_CTX_use_PrivateKey);
PKI_DL_CHECK(libssl, CTX_check_private_key, SSL_CTX_check_private_key);
PKI_DL_CHECK(libssl, new, SSL_new);
PKI_DL_CHECK(libssl, free, SSL_free);
PKI_DL_CHECK(libssl, set_fd, SSL_set_fd);
PKI_DL_CHECK(libssl, ctrl, SSL_ctrl);
PKI_DL_CHECK(libssl, set_connect_state, SSL_set_connect_state);
PKI_DL_CHECK(libssl, do_handshake, SSL_do_handshake);
PKI_DL_CHECK(libssl, get_error, SSL_get_error);
PKI_DL_CHECK(libssl, get1_peer_certificate, SSL_get1_peer_certificate);
PKI_DL_CHECK(libssl, read, SSL_read);
PKI_DL_CHECK(libssl, write, SSL_write);

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

/*
 * OpenSSL writes to the socket with write(2): a server that has closed
 * the connection would raise SIGPIPE and end the process.  The signal is
 * blocked in this thread while we talk TLS, and one it raised is taken
 * off the pending set before the old mask comes back.
 */
struct sigpipe_state {
	sigset_t	old;
	int		was_pending;
	int		blocked;
};

static void
sigpipe_block(struct sigpipe_state *sp)
{
	sigset_t	set, pending;

	memset(sp, 0, sizeof(*sp));
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigemptyset(&pending);
	if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1)
		sp->was_pending = 1;
	if (pthread_sigmask(SIG_BLOCK, &set, &sp->old) == 0)
		sp->blocked = 1;
}

static void
sigpipe_restore(struct sigpipe_state *sp)
{
	struct timespec	zero = { 0, 0 };
	sigset_t	set, pending;
	int		save = errno;

	if (!sp->blocked)
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigemptyset(&pending);
	if (!sp->was_pending && sigpending(&pending) == 0 &&
	    sigismember(&pending, SIGPIPE) == 1)
		while (sigtimedwait(&set, NULL, &zero) == -1 && errno == EINTR)
			continue;
	(void)pthread_sigmask(SIG_SETMASK, &sp->old, NULL);
	errno = save;
}

/*
 * Resolves host:port and connects to the first address that accepts
 * before the deadline.  Returns the socket, or a negative PKI_ERR_* with
 * err filled.
 */
static int
tcp_connect(const char *host, const char *port, const char *label,
    const char *tmo, int64_t deadline, struct pki_error *err)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	int		 fd = -1, eno = 0, gai;

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
	freeaddrinfo(res);
	if (fd != -1)
		return fd;
	if (eno == ETIMEDOUT)
		(void)pki_err(err, PKI_ERR_IO, "%s: connect: timed out after "
		    "%s", label, tmo);
	else
		(void)pki_err(err, PKI_ERR_IO, "%s: connect: %s", label,
		    strerror(eno));
	if (err != NULL)
		err->sys_errno = eno;
	return PKI_ERR_IO;
}

/*
 * A client SSL on fd that verifies nothing (we only look at what the
 * server shows) with SNI servername (NULL: host unless an IP address),
 * presenting cert/key when given.  Returns 0 and *sslp, or an error.
 */
static int
tls_new(SSL_CTX **ctxp, SSL **sslp, int fd, const char *host,
    const char *servername, X509 *cert, EVP_PKEY *key, const char *label,
    struct pki_error *err)
{
	char	sni[256];

	*ctxp = NULL;
	*sslp = NULL;
	if ((*ctxp = libssl.CTX_new(libssl.TLS_client_method())) == NULL)
		return pki_err_ssl(err, PKI_ERR_CRYPTO, "%s: SSL_CTX_new",
		    label);
	libssl.CTX_set_verify(*ctxp, SSL_VERIFY_NONE, NULL);
	/* We only look at the certificate: accept whatever the server has. */
	libssl.CTX_set_security_level(*ctxp, 0);
	if (cert != NULL && key != NULL) {
		if (libssl.CTX_use_certificate(*ctxp, cert) != 1)
			return pki_err_ssl(err, PKI_ERR_CRYPTO, "%s: "
			    "SSL_CTX_use_certificate", label);
		if (libssl.CTX_use_PrivateKey(*ctxp, key) != 1)
			return pki_err_ssl(err, PKI_ERR_CRYPTO, "%s: "
			    "SSL_CTX_use_PrivateKey", label);
		if (libssl.CTX_check_private_key(*ctxp) != 1)
			return pki_err_ssl(err, PKI_ERR_MISMATCH, "%s: client "
			    "certificate and key", label);
	}
	if ((*sslp = libssl.new(*ctxp)) == NULL)
		return pki_err_ssl(err, PKI_ERR_CRYPTO, "%s: SSL_new", label);
	if (libssl.set_fd(*sslp, fd) != 1)
		return pki_err_ssl(err, PKI_ERR_CRYPTO, "%s: SSL_set_fd",
		    label);
	if (servername == NULL && !is_ip_literal(host))
		servername = host;
	/* SSL_set_tlsext_host_name(): SSL_ctrl takes a void *: pass a copy. */
	if (servername != NULL && *servername != '\0' &&
	    ((size_t)snprintf(sni, sizeof(sni), "%s", servername) >=
	    sizeof(sni) || libssl.ctrl(*sslp, SSL_CTRL_SET_TLSEXT_HOSTNAME,
	    TLSEXT_NAMETYPE_host_name, sni) != 1))
		return pki_err_ssl(err, PKI_ERR_ARG, "%s: server name \"%s\"",
		    label, servername);
	libssl.set_connect_state(*sslp);
	return PKI_OK;
}

/* The outcome of tls_handshake(), when not an error. */
#define HS_DONE		0	/* handshake complete */
#define HS_FAILED	1	/* failed after the server's certificate */

/*
 * Runs the handshake before the deadline.  A failure after the server's
 * certificate arrived gives HS_FAILED, with *why the reason (the server
 * refused our certificate with TLS 1.2, or wanted one).  *peer receives
 * the server's certificate in both cases.
 */
static int
tls_handshake(SSL *ssl, int fd, int64_t deadline, const char *label,
    const char *tmo, X509 **peer, char *why, size_t whylen,
    struct pki_error *err)
{
	unsigned long	e0;
	int		n, e;

	*peer = NULL;
	why[0] = '\0';
	for (;;) {
		ERR_clear_error();
		if ((n = libssl.do_handshake(ssl)) == 1)
			break;
		e = libssl.get_error(ssl, n);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			n = wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN :
			    POLLOUT, deadline);
			if (n == 0) {
				if ((*peer = libssl.get1_peer_certificate(ssl)) !=
				    NULL) {
					snprintf(why, whylen, "TLS handshake "
					    "timed out after %s", tmo);
					return HS_FAILED;
				}
				return pki_err(err, PKI_ERR_IO, "%s: TLS "
				    "handshake timed out after %s", label, tmo);
			}
			if (n == -1)
				return pki_err_sys(err, errno, "%s: poll",
				    label);
			continue;
		}
		if ((*peer = libssl.get1_peer_certificate(ssl)) != NULL) {
			e0 = ERR_peek_error();
			snprintf(why, whylen, "%s", e0 != 0 ?
			    ERR_reason_error_string(e0) != NULL ?
			    ERR_reason_error_string(e0) : "TLS error" :
			    "connection closed by the server");
			ERR_clear_error();
			return HS_FAILED;
		}
		if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
			return pki_err(err, PKI_ERR_IO, "%s: TLS handshake: %s",
			    label, errno != 0 ? strerror(errno) :
			    "connection closed by the server");
		return pki_err_ssl(err, PKI_ERR_IO, "%s: TLS handshake",
		    label);
	}
	if ((*peer = libssl.get1_peer_certificate(ssl)) == NULL)
		return pki_err(err, PKI_ERR_PEM, "%s: no certificate from the "
		    "server", label);
	return HS_DONE;
}

/* Wraps x (taken over) as a struct pki_cert. */
static int
cert_wrap(X509 **x, struct pki_cert **out, struct pki_error *err)
{
	struct pki_cert	*cert;

	if ((cert = calloc(1, sizeof(*cert))) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	cert->x509 = *x;
	*x = NULL;
	*out = cert;
	return PKI_OK;
}

/* The label of host:port in messages, and the timeout's text. */
static void
labels(const char *host, const char *port, int timeout_ms, char *label,
    size_t llen, char *tmo, size_t tlen)
{
	snprintf(label, llen, strchr(host, ':') != NULL ? "[%s]:%s" : "%s:%s",
	    host, port);
	fmt_timeout(timeout_ms, tmo, tlen);
}

int
pki_tls_peer_cert(const char *host, const char *port, const char *servername,
    int timeout_ms, struct pki_cert **out, struct pki_error *err)
{
	struct sigpipe_state	 sp;
	SSL_CTX			*ctx = NULL;
	SSL			*ssl = NULL;
	X509			*peer = NULL;
	char			 label[320], tmo[32], why[256];
	int64_t			 deadline;
	int			 fd = -1, r = PKI_ERR_INTERNAL;

	if (out != NULL)
		*out = NULL;
	if (host == NULL || *host == '\0' || port == NULL || *port == '\0' ||
	    out == NULL)
		return pki_err(err, PKI_ERR_ARG, "no host or port to connect to");
	if ((r = pki_dl_load(&ssl_lib, err)) != 0)
		return r;
	if (timeout_ms <= 0)
		timeout_ms = 10000;
	labels(host, port, timeout_ms, label, sizeof(label), tmo, sizeof(tmo));
	pki_err_source(err, label);
	deadline = now_ms() + timeout_ms;

	if ((fd = tcp_connect(host, port, label, tmo, deadline, err)) < 0) {
		r = fd;
		fd = -1;
		goto out;
	}
	if ((r = tls_new(&ctx, &ssl, fd, host, servername, NULL, NULL, label,
	    err)) != 0)
		goto out;
	/*
	 * A failure after the server's Certificate message (it wanted a
	 * client certificate) still gives what we want.
	 */
	sigpipe_block(&sp);
	r = tls_handshake(ssl, fd, deadline, label, tmo, &peer, why,
	    sizeof(why), err);
	sigpipe_restore(&sp);
	if (r < 0)
		goto out;
	r = cert_wrap(&peer, out, err);
 out:
	ERR_clear_error();
	X509_free(peer);
	libssl.free(ssl);
	libssl.CTX_free(ctx);
	if (fd != -1)
		(void)close(fd);
	return r;
}

/*
 * After the handshake: sends the request and reads until the server
 * answers (1), refuses with an alert or ends the connection (0, *why
 * says how), or the deadline passes (an error).
 */
static int
probe_exchange(SSL *ssl, int fd, const char *host, int64_t deadline,
    const char *label, const char *tmo, char *why, size_t whylen,
    struct pki_error *err)
{
	char		 req[512], buf[256];
	const char	*reason;
	size_t		 off = 0, len;
	int		 n, e, writing = 1;

	why[0] = '\0';
	len = (size_t)snprintf(req, sizeof(req), "GET /health HTTP/1.0\r\n"
	    "Host: %.300s\r\n\r\n", host);
	if (len >= sizeof(req))
		return pki_err(err, PKI_ERR_ARG, "%s: host name too long",
		    label);
	for (;;) {
		ERR_clear_error();
		if (writing)
			n = libssl.write(ssl, req + off, (int)(len - off));
		else
			n = libssl.read(ssl, buf, sizeof(buf));
		if (n > 0) {
			if (!writing)
				return 1;
			off += (size_t)n;
			if (off == len)
				writing = 0;
			continue;
		}
		e = libssl.get_error(ssl, n);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			n = wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN :
			    POLLOUT, deadline);
			if (n == 0)
				return pki_err(err, PKI_ERR_IO, "%s: no answer "
				    "within %s", label, tmo);
			if (n == -1)
				return pki_err_sys(err, errno, "%s: poll",
				    label);
			continue;
		}
		if (e == SSL_ERROR_ZERO_RETURN) {
			snprintf(why, whylen, "the server closed the "
			    "connection without answering");
			return 0;
		}
		if (e == SSL_ERROR_SSL) {
			reason = ERR_reason_error_string(ERR_peek_error());
			snprintf(why, whylen, "%s", reason != NULL ? reason :
			    "TLS error");
			ERR_clear_error();
			return 0;
		}
		if (e == SSL_ERROR_SYSCALL) {
			snprintf(why, whylen, "%s", errno != 0 ?
			    strerror(errno) : "connection closed by the "
			    "server");
			ERR_clear_error();
			return 0;
		}
		return pki_err_ssl(err, PKI_ERR_IO, "%s: %s", label, writing ?
		    "SSL_write" : "SSL_read");
	}
}

int
pki_tls_probe(const char *host, const char *port, const struct pki_cert *cert,
    const struct pki_key *key, int timeout_ms, struct pki_cert **served,
    int *accepted, struct pki_error *err)
{
	struct sigpipe_state	 sp;
	SSL_CTX			*ctx = NULL;
	SSL			*ssl = NULL;
	X509			*peer = NULL;
	char			 label[320], tmo[32], why[256];
	int64_t			 deadline;
	int			 fd = -1, hs, r = PKI_ERR_INTERNAL;

	if (served != NULL)
		*served = NULL;
	if (accepted != NULL)
		*accepted = 0;
	if (host == NULL || *host == '\0' || port == NULL || *port == '\0' ||
	    served == NULL || accepted == NULL)
		return pki_err(err, PKI_ERR_ARG, "no host or port to connect to");
	if ((cert == NULL) != (key == NULL))
		return pki_err(err, PKI_ERR_ARG, "a client certificate needs "
		    "its key");
	if ((r = pki_dl_load(&ssl_lib, err)) != 0)
		return r;
	if (timeout_ms <= 0)
		timeout_ms = 10000;
	labels(host, port, timeout_ms, label, sizeof(label), tmo, sizeof(tmo));
	pki_err_source(err, label);
	deadline = now_ms() + timeout_ms;

	if ((fd = tcp_connect(host, port, label, tmo, deadline, err)) < 0) {
		r = fd;
		fd = -1;
		goto out;
	}
	if ((r = tls_new(&ctx, &ssl, fd, host, NULL, cert != NULL ?
	    cert->x509 : NULL, key != NULL ? key->pkey : NULL, label,
	    err)) != 0)
		goto out;
	sigpipe_block(&sp);
	if ((hs = tls_handshake(ssl, fd, deadline, label, tmo, &peer, why,
	    sizeof(why), err)) >= 0 && hs == HS_DONE)
		/* With TLS 1.2 the refusal ends the handshake itself. */
		r = probe_exchange(ssl, fd, host, deadline, label, tmo, why,
		    sizeof(why), err);
	sigpipe_restore(&sp);
	if (hs < 0) {
		r = hs;
		goto out;
	}
	if (hs == HS_DONE && r < 0)
		goto out;
	*accepted = hs == HS_DONE && r == 1;
	r = cert_wrap(&peer, served, err);
	if (r != 0)
		*accepted = 0;
 out:
	ERR_clear_error();
	X509_free(peer);
	libssl.free(ssl);
	libssl.CTX_free(ctx);
	if (fd != -1)
		(void)close(fd);
	return r;
}

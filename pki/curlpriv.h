/*
 * curlpriv.h: libcurl helpers shared by remote.c (cfssl's API) and etcd.c
 * (etcd's JSON gateway), defined in curlutil.c, among them the one retry
 * loop over a list of endpoints.  Private to pki/.
 */
#ifndef PKI_CURLPRIV_H
#define PKI_CURLPRIV_H

#include <stddef.h>

#include <curl/curl.h>

#include "internal.h"

/*
 * libcurl's entry points, called through pki_curl: libcurl is not linked
 * but loaded on first use (dl.h), so that the commands that make no
 * HTTP request do not load it and the thirty libraries it depends on.
 */
struct pki_curl_fns {
	CURLcode		 (*global_init)(long);
	CURL			*(*easy_init)(void);
	CURLcode		 (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode		 (*easy_perform)(CURL *);
	CURLcode		 (*easy_getinfo)(CURL *, CURLINFO, ...);
	void			 (*easy_cleanup)(CURL *);
	const char		*(*easy_strerror)(CURLcode);
	struct curl_slist	*(*slist_append)(struct curl_slist *,
				    const char *);
	void			 (*slist_free_all)(struct curl_slist *);
};

/* The table; its entries are valid once pki_curl_init() returned 0. */
extern const struct pki_curl_fns *const pki_curl;

/*
 * Loads libcurl (once per process) and runs curl_global_init once (it is
 * not thread-safe before curl 7.84).  Returns 0, PKI_ERR_UNAVAILABLE when
 * libcurl cannot be loaded or PKI_ERR_INTERNAL when it cannot be
 * initialised, with err filled.
 */
int	pki_curl_init(struct pki_error *err) PKI_MUST_CHECK;

/* Collects an answer body, at most PKI_MAX_INPUT bytes. */
struct pki_curl_sink {
	struct pki_buf	buf;
	int		too_big;	/* the answer was over the cap */
};

/* CURLOPT_WRITEFUNCTION for a struct pki_curl_sink (CURLOPT_WRITEDATA). */
size_t	pki_curl_sink_write(char *ptr, size_t size, size_t nmemb, void *arg);

/* Formats a timeout for messages: "5s" or "1500ms". */
void	pki_curl_fmt_ms(long ms, char *buf, size_t size);

/*
 * At most max bytes of s (len bytes) for a one-line message into out:
 * trailing whitespace dropped, control characters and bytes above 0x7e
 * escaped (\n, \r, \t, \xNN), "..." when cut.
 */
void	pki_curl_snippet(const char *s, size_t len, size_t max, char *out,
	    size_t size);

/*
 * When rc says no connection was made (the host name does not resolve,
 * the connection is refused, the TLS handshake fails or the server's
 * certificate is not trusted), describes it in why and returns 1: the
 * caller may try its next endpoint.  Otherwise returns 0 and leaves why.
 * errbuf is curl's CURLOPT_ERRORBUFFER text (or curl_easy_strerror's).
 */
int	pki_curl_no_connection(CURL *h, CURLcode rc, const char *errbuf,
	    char *why, size_t whysize);

/* What one try at an endpoint gives (the try callback's result). */
#define PKI_CURL_ANSWER	1	/* an answer: the loop ends here */
#define PKI_CURL_NEXT	2	/* none: why says why; try the next one */

/*
 * The endpoints to try and how.  The loop calls try(arg, i, sink, why,
 * whysize, err) for each index i in [first, last) but skip, in order,
 * with sink emptied for the answer.  try returns PKI_CURL_ANSWER,
 * PKI_CURL_NEXT (with why filled) or a PKI_ERR_* code (with err filled)
 * for a problem the next endpoint would not solve.
 */
struct pki_curl_tries {
	const char *const	*names;		/* the endpoints, for messages */
	size_t			 first;
	size_t			 last;
	long			 skip;		/* an index not to try, or -1 */
	const char		*what;		/* "remote", "etcd" */
	const char		*none;		/* "no remote answered" */
	int			(*try)(void *arg, size_t i,
				    struct pki_curl_sink *sink, char *why,
				    size_t whysize, struct pki_error *err);
	void			*arg;
	struct pki_curl_sink	 sink;		/* the last try's answer; the
						   caller frees sink.buf.b */
};

/*
 * The one retry loop of remote.c and etcd.c.  Returns the index of the
 * endpoint that answered, or the error of a try, or PKI_ERR_IO when none
 * answered, err then saying why for each: "URL: why" when one was tried,
 * "NONE: URL: why; URL: why" when several were, "WHAT: no endpoint to
 * try (URL is avoided)" when the only one was skipped.
 */
int	pki_curl_try_each(struct pki_curl_tries *t,
	    struct pki_error *err) PKI_MUST_CHECK;

#endif /* PKI_CURLPRIV_H */

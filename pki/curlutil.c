/*
 * curlutil.c: what remote.c and etcd.c share of libcurl: the one-time
 * global initialisation, a capped answer buffer, message helpers and the
 * retry loop over endpoints.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "config.h"
#include "internal.h"
#include "curlpriv.h"
#include "dl.h"

/*
 * libcurl, loaded on first use, and curl_global_init, which is not
 * thread-safe before curl 7.84 and so runs once.  These are writable
 * statics of the library: process-wide initialisation state, written
 * once (under the loader's mutex and pthread_once).
 */
static struct pki_curl_fns	curl_fns;
const struct pki_curl_fns *const pki_curl = &curl_fns;

static const struct pki_dl_sym	curl_syms[] = {
	PKI_DL_SYM(struct pki_curl_fns, global_init, "curl_global_init"),
	PKI_DL_SYM(struct pki_curl_fns, easy_init, "curl_easy_init"),
	PKI_DL_SYM(struct pki_curl_fns, easy_setopt, "curl_easy_setopt"),
	PKI_DL_SYM(struct pki_curl_fns, easy_perform, "curl_easy_perform"),
	PKI_DL_SYM(struct pki_curl_fns, easy_getinfo, "curl_easy_getinfo"),
	PKI_DL_SYM(struct pki_curl_fns, easy_cleanup, "curl_easy_cleanup"),
	PKI_DL_SYM(struct pki_curl_fns, easy_strerror, "curl_easy_strerror"),
	PKI_DL_SYM(struct pki_curl_fns, slist_append, "curl_slist_append"),
	PKI_DL_SYM(struct pki_curl_fns, slist_free_all,
	    "curl_slist_free_all"),
};
static struct pki_dl		curl_lib = PKI_DL_INIT(PKI_SONAME_CURL,
    "remote signing and etcd access", "libcurl4", curl_syms, &curl_fns);
static pthread_once_t		curl_once = PTHREAD_ONCE_INIT;
static CURLcode			curl_init_rc = CURLE_FAILED_INIT;

/* Each entry of the table has the type curl/curl.h declares. */
PKI_DL_CHECK(curl_fns, global_init, curl_global_init);
PKI_DL_CHECK(curl_fns, easy_init, curl_easy_init);
PKI_DL_CHECK(curl_fns, easy_setopt, curl_easy_setopt);
PKI_DL_CHECK(curl_fns, easy_perform, curl_easy_perform);
PKI_DL_CHECK(curl_fns, easy_getinfo, curl_easy_getinfo);
PKI_DL_CHECK(curl_fns, easy_cleanup, curl_easy_cleanup);
PKI_DL_CHECK(curl_fns, easy_strerror, curl_easy_strerror);
PKI_DL_CHECK(curl_fns, slist_append, curl_slist_append);
PKI_DL_CHECK(curl_fns, slist_free_all, curl_slist_free_all);

static void
curl_init_once(void)
{
	curl_init_rc = curl_fns.global_init(CURL_GLOBAL_DEFAULT);
}

int
pki_curl_init(struct pki_error *err)
{
	int	r;

	if ((r = pki_dl_load(&curl_lib, err)) != 0)
		return r;
	if (pthread_once(&curl_once, curl_init_once) != 0 ||
	    curl_init_rc != CURLE_OK)
		return pki_err(err, PKI_ERR_INTERNAL, "libcurl could not be "
		    "initialised");
	return 0;
}

size_t
pki_curl_sink_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct pki_curl_sink	*s = arg;
	size_t			 n = size * nmemb;

	if (n > PKI_MAX_INPUT || s->buf.len > PKI_MAX_INPUT - n) {
		s->too_big = 1;
		return 0;
	}
	pki_buf_addn(&s->buf, ptr, n);
	return s->buf.oom ? 0 : n;
}

void
pki_curl_fmt_ms(long ms, char *buf, size_t size)
{
	if (ms % 1000 == 0)
		snprintf(buf, size, "%lds", ms / 1000);
	else
		snprintf(buf, size, "%ldms", ms);
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

void
pki_curl_snippet(const char *s, size_t len, size_t max, char *out,
    size_t size)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i, o = 0;
	unsigned char		c;
	char			e[5];
	const char		*rep;

	if (size == 0)
		return;
	while (len > 0 && is_space((unsigned char)s[len - 1]))
		len--;
	for (i = 0; i < len && i < max; i++) {
		c = (unsigned char)s[i];
		e[0] = (char)c;
		e[1] = '\0';
		rep = e;
		if (c == '\n')
			rep = "\\n";
		else if (c == '\r')
			rep = "\\r";
		else if (c == '\t')
			rep = "\\t";
		else if (c < 0x20 || c >= 0x7f) {	/* 8-bit too */
			e[0] = '\\';
			e[1] = 'x';
			e[2] = hex[c >> 4];
			e[3] = hex[c & 0xf];
			e[4] = '\0';
		}
		if (o + strlen(rep) + 4 >= size)
			break;
		memcpy(out + o, rep, strlen(rep));
		o += strlen(rep);
	}
	if (i < len && o + 4 <= size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

int
pki_curl_no_connection(CURL *h, CURLcode rc, const char *errbuf, char *why,
    size_t whysize)
{
	long	oserr = 0;

	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		snprintf(why, whysize, "cannot resolve the host name (%s)",
		    errbuf);
		return 1;
	case CURLE_COULDNT_CONNECT:
		if (pki_curl->easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr) !=
		    CURLE_OK)
			oserr = 0;
		if (oserr != 0)
			snprintf(why, whysize, "cannot connect: %s",
			    strerror((int)oserr));
		else
			snprintf(why, whysize, "cannot connect (%s)", errbuf);
		return 1;
	case CURLE_SSL_CONNECT_ERROR:
		snprintf(why, whysize, "TLS handshake failed (%s)", errbuf);
		return 1;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(why, whysize, "the server's certificate is not "
		    "trusted (%s)", errbuf);
		return 1;
	default:
		return 0;
	}
}

int
pki_curl_try_each(struct pki_curl_tries *t, struct pki_error *err)
{
	struct pki_buf	 fails;
	char		 why[CURL_ERROR_SIZE + 128];
	size_t		 i, tried = 0;
	int		 a, r;

	memset(&fails, 0, sizeof(fails));
	for (i = t->first; i < t->last; i++) {
		if (t->skip >= 0 && (size_t)t->skip == i)
			continue;
		tried++;
		why[0] = '\0';
		free(t->sink.buf.b);
		memset(&t->sink, 0, sizeof(t->sink));
		if ((a = t->try(t->arg, i, &t->sink, why, sizeof(why),
		    err)) < 0) {
			r = a;
			goto out;
		}
		if (a == PKI_CURL_ANSWER) {
			r = (int)i;
			goto out;
		}
		if (fails.len > 0)
			pki_buf_add(&fails, "; ");
		pki_buf_add(&fails, t->names[i]);
		pki_buf_add(&fails, ": ");
		pki_buf_add(&fails, why);
	}
	if (fails.oom)
		r = pki_err(err, PKI_ERR_ALLOC, "%s: out of memory", t->what);
	else if (tried == 0)
		r = pki_err(err, PKI_ERR_IO, "%s: no endpoint to try (%s is "
		    "avoided)", t->what, t->skip >= 0 ? t->names[t->skip] :
		    "every one");
	else if (tried == 1)
		r = pki_err(err, PKI_ERR_IO, "%s", fails.b);
	else
		r = pki_err(err, PKI_ERR_IO, "%s: %s", t->none, fails.b);
 out:
	free(fails.b);
	return r;
}

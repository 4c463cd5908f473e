/*
 * remote.c: signing through a cfssl CA server ("cfssl serve" or
 * multirootca) over cfssl's HTTP API, as cfssl's signer/remote and
 * api/client do (reference section 7): the sign request, the HMAC token
 * of /authsign, the remote list with failover, and the response envelope.
 * The transport is libcurl's easy interface.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <curl/curl.h>
#include <jansson.h>

#include "internal.h"
#include "curlpriv.h"

#define REMOTE_DEFAULT_PORT	8888
#define REMOTE_TIMEOUT_MS	30000L	/* per attempt, when r->timeout_ms <= 0 */
#define REMOTE_CONNECT_MS	10000L	/* connect phase, at most */
#define REMOTE_SNIPPET		200	/* bytes of a foreign answer quoted */
#define REMOTE_KEY_MAX		65536	/* bytes of a file: auth key */
#define REMOTE_API		"/api/v1/cfssl/"

/* ---- JSON text, byte for byte as Go's encoding/json -------------------- */

/* Appends the C string s as Go's encoder writes it (gojson.c). */
static void
go_str(struct pki_buf *b, const char *s)
{
	pki_buf_go_string(b, s, strlen(s));
}

int
pki_remote_sign_body(const struct pki_remote_sign_req *q, char **json,
    size_t *len, struct pki_error *err)
{
	struct pki_buf	b;
	size_t		i;

	memset(&b, 0, sizeof(b));
	if (json != NULL)
		*json = NULL;
	if (len != NULL)
		*len = 0;
	if (q == NULL || json == NULL || q->csr_pem == NULL ||
	    (q->hosts == NULL && q->nhosts != 0))
		return pki_err(err, PKI_ERR_ARG,
		    "remote sign request: no certificate request");

	/* signer.SignRequest, in struct order, master's fields. */
	pki_buf_add(&b, "{\"hosts\":");
	if (q->hosts == NULL)
		pki_buf_add(&b, "null");
	else {
		pki_buf_add(&b, "[");
		for (i = 0; i < q->nhosts; i++) {
			if (i > 0)
				pki_buf_add(&b, ",");
			go_str(&b, q->hosts[i] != NULL ? q->hosts[i] : "");
		}
		pki_buf_add(&b, "]");
	}
	pki_buf_add(&b, ",\"certificate_request\":");
	go_str(&b, q->csr_pem);
	pki_buf_add(&b, ",\"profile\":");
	go_str(&b, q->profile != NULL ? q->profile : "");
	pki_buf_add(&b, ",\"crl_override\":\"\",\"label\":");
	go_str(&b, q->label != NULL ? q->label : "");
	pki_buf_add(&b, ",\"NotBefore\":\"0001-01-01T00:00:00Z\""
	    ",\"NotAfter\":\"0001-01-01T00:00:00Z\""
	    ",\"ReturnPrecert\":false,\"metadata\":null}");
	if (b.oom) {
		free(b.b);
		return pki_err(err, PKI_ERR_ALLOC, "remote sign request: "
		    "out of memory");
	}
	if (len != NULL)
		*len = b.len;
	*json = b.b;
	return PKI_OK;
}

/* ---- the HMAC token ------------------------------------------------------ */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

/*
 * Resolves key_spec (hex, env:VAR, file:PATH) into the raw key bytes.
 * *key is malloc'ed; free it with pki_secret_free(*key, *keylen).  Messages
 * start with label and never show the key itself.
 */
static int
auth_key_bytes(const char *label, const char *key_spec, unsigned char **key,
    size_t *keylen, struct pki_error *err)
{
	char		*filebuf = NULL, where[300];
	size_t		 filelen = 0, n = 0, i;
	const char	*text, *env;
	unsigned char	*k = NULL;
	int		 hi, lo, r = PKI_ERR_INTERNAL;

	*key = NULL;
	*keylen = 0;
	where[0] = '\0';
	if (strncmp(key_spec, "env:", 4) == 0) {
		if (key_spec[4] == '\0')
			return pki_err(err, PKI_ERR_CONFIG,
			    "%s: env: names no variable", label);
		if ((env = getenv(key_spec + 4)) == NULL || *env == '\0')
			return pki_err(err, PKI_ERR_CONFIG,
			    "%s: environment variable %s is %s", label,
			    key_spec + 4, env == NULL ? "not set" : "empty");
		snprintf(where, sizeof(where), " (from environment "
		    "variable %s)", key_spec + 4);
		text = env;
	} else if (strncmp(key_spec, "file:", 5) == 0) {
		if (key_spec[5] == '\0')
			return pki_err(err, PKI_ERR_CONFIG,
			    "%s: file: names no file", label);
		if ((r = pki_input_read(key_spec + 5, 0, REMOTE_KEY_MAX,
		    &filebuf, &filelen, err)) != 0) {
			pki_err_prefix(err, label);
			return r;
		}
		snprintf(where, sizeof(where), " (from %s)", key_spec + 5);
		text = filebuf;
	} else
		text = key_spec;

	/* Trim surrounding whitespace (cfssl >= 1.3.3 does for files). */
	while (is_space((unsigned char)*text))
		text++;
	n = strlen(text);
	while (n > 0 && is_space((unsigned char)text[n - 1]))
		n--;
	if (n == 0) {
		r = pki_err(err, PKI_ERR_CONFIG, "%s%s: empty", label, where);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (hexval((unsigned char)text[i]) == -1) {
			r = pki_err(err, PKI_ERR_CONFIG, "%s%s: not a hex "
			    "string", label, where);
			n = 0;
			goto out;
		}
	if (n % 2 != 0) {
		r = pki_err(err, PKI_ERR_CONFIG, "%s%s: odd number of hex "
		    "digits", label, where);
		n = 0;
		goto out;
	}
	if ((k = malloc(n / 2)) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "%s: out of memory", label);
		goto out;
	}
	for (i = 0; i < n; i += 2) {
		hi = hexval((unsigned char)text[i]);
		lo = hexval((unsigned char)text[i + 1]);
		k[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	*key = k;
	*keylen = n / 2;
	k = NULL;
	r = PKI_OK;
 out:
	pki_secret_free(k, n / 2);
	pki_secret_free(filebuf, filelen);
	return r;
}

/* The token of msg under key_spec; messages start with label. */
static int
token_for(const char *label, const char *key_spec, const void *msg,
    size_t len, char **b64, struct pki_error *err)
{
	unsigned char	*key = NULL, mac[EVP_MAX_MD_SIZE];
	size_t		 keylen = 0, maclen = 0;
	int		 r = PKI_ERR_INTERNAL;

	*b64 = NULL;
	if ((r = auth_key_bytes(label, key_spec, &key, &keylen, err)) != 0)
		return r;
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen,
	    msg != NULL ? msg : "", len, mac, sizeof(mac), &maclen) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "%s: EVP_Q_mac", label);
		goto out;
	}
	if ((*b64 = pki_b64_encode(mac, maclen)) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "%s: out of memory", label);
		goto out;
	}
	r = PKI_OK;
 out:
	OPENSSL_cleanse(mac, sizeof(mac));
	pki_secret_free(key, keylen);
	return r;
}

int
pki_remote_token(const char *key_spec, const void *msg, size_t len,
    char **b64, struct pki_error *err)
{
	if (b64 != NULL)
		*b64 = NULL;
	if (key_spec == NULL || b64 == NULL || (msg == NULL && len != 0))
		return pki_err(err, PKI_ERR_ARG, "auth key: none given");
	return token_for("auth key", key_spec, msg, len, b64, err);
}

/* ---- remote lists ---------------------------------------------------------- */

/* A copy of n bytes of s for a message: control characters become '?'. */
static void
printable(const char *s, size_t n, char *out, size_t size)
{
	size_t	i;

	if (size == 0)
		return;
	if (n > size - 1)
		n = size - 1;
	for (i = 0; i < n; i++)
		out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ?
		    '?' : s[i];
	out[n] = '\0';
}

static int
host_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c >= 0x80;
}

/*
 * Normalises one entry e (trimmed, NUL-terminated) into *out:
 * "scheme://host:port[/path]".  Returns an error text in why (static) when
 * the entry is unusable.
 */
static int
normalize_one(const char *e, char **out, const char **why)
{
	const char	*scheme = "http", *rest, *sep, *auth_end, *colon;
	const char	*host, *path, *c;
	size_t		 hostlen, pathlen;
	long		 port = REMOTE_DEFAULT_PORT;
	int		 nc;

	*out = NULL;
	for (c = e; *c != '\0'; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f) {
			*why = "contains a space or a control character";
			return -1;
		}
	if ((sep = strstr(e, "://")) != NULL) {
		if ((size_t)(sep - e) == 4 && strncasecmp(e, "http", 4) == 0)
			scheme = "http";
		else if ((size_t)(sep - e) == 5 &&
		    strncasecmp(e, "https", 5) == 0)
			scheme = "https";
		else {
			*why = "unsupported scheme (expected http:// or "
			    "https://)";
			return -1;
		}
		rest = sep + 3;
	} else
		rest = e;

	auth_end = rest + strcspn(rest, "/?#");
	if (*auth_end == '?' || *auth_end == '#' ||
	    strpbrk(auth_end, "?#") != NULL) {
		*why = "a query or fragment is not allowed";
		return -1;
	}
	path = auth_end;
	pathlen = strlen(path);
	while (pathlen > 0 && path[pathlen - 1] == '/')
		pathlen--;
	if (memchr(rest, '@', (size_t)(auth_end - rest)) != NULL) {
		*why = "user information is not supported";
		return -1;
	}

	host = rest;
	if (*rest == '[') {
		if ((c = memchr(rest, ']', (size_t)(auth_end - rest))) ==
		    NULL || c == rest + 1) {
			*why = "bad IPv6 address";
			return -1;
		}
		for (sep = rest + 1; sep < c; sep++)
			if (hexval((unsigned char)*sep) == -1 && *sep != ':' &&
			    *sep != '.') {
				*why = "bad IPv6 address";
				return -1;
			}
		hostlen = (size_t)(c + 1 - rest);
		colon = c + 1 == auth_end ? NULL : c + 1;
		if (colon != NULL && *colon != ':') {
			*why = "bad IPv6 address";
			return -1;
		}
	} else {
		nc = 0;
		colon = NULL;
		for (c = rest; c < auth_end; c++)
			if (*c == ':') {
				nc++;
				colon = c;
			}
		if (nc > 1) {
			*why = "an IPv6 address must be in brackets "
			    "([::1]:8888)";
			return -1;
		}
		hostlen = (size_t)((colon != NULL ? colon : auth_end) - rest);
		for (c = rest; c < rest + hostlen; c++)
			if (!host_char((unsigned char)*c)) {
				*why = "bad character in host name";
				return -1;
			}
	}
	if (hostlen == 0) {
		*why = "no host";
		return -1;
	}
	if (colon != NULL) {
		port = 0;
		if (colon + 1 == auth_end) {
			*why = "empty port";
			return -1;
		}
		for (c = colon + 1; c < auth_end; c++) {
			if (*c < '0' || *c > '9' || port > 65535) {
				*why = "port must be a number 1..65535";
				return -1;
			}
			port = port * 10 + (*c - '0');
		}
		if (port < 1 || port > 65535) {
			*why = "port must be a number 1..65535";
			return -1;
		}
	}
	if (asprintf(out, "%s://%.*s:%ld%.*s", scheme, (int)hostlen, host,
	    port, (int)pathlen, path) == -1) {
		*out = NULL;
		*why = NULL;
		return -1;
	}
	return 0;
}

int
pki_remote_normalize(const char *spec, char ***urls, size_t *n,
    struct pki_error *err)
{
	struct pki_strv	 sv = { NULL, 0 };
	const char	*p, *end, *why = NULL;
	char		*ent = NULL, *url = NULL, shown[128];
	size_t		 len, idx = 0;
	int		 r = PKI_ERR_INTERNAL;

	if (urls != NULL)
		*urls = NULL;
	if (n != NULL)
		*n = 0;
	if (spec == NULL || urls == NULL || n == NULL)
		return pki_err(err, PKI_ERR_ARG, "remote: none given");
	p = spec;
	for (;;) {
		idx++;
		end = p + strcspn(p, ",");
		while (p < end && is_space((unsigned char)*p))
			p++;
		len = (size_t)(end - p);
		while (len > 0 && is_space((unsigned char)p[len - 1]))
			len--;
		if (len == 0) {
			printable(spec, strlen(spec), shown, sizeof(shown));
			r = pki_err(err, PKI_ERR_INPUT, "remote \"%s\": %s",
			    shown, strchr(spec, ',') == NULL ? "empty "
			    "(expected host:port or a URL)" :
			    "empty entry in the list");
			goto out;
		}
		if ((ent = strndup(p, len)) == NULL) {
			r = pki_err(err, PKI_ERR_ALLOC, "remote: out of memory");
			goto out;
		}
		if (normalize_one(ent, &url, &why) != 0) {
			if (why == NULL)
				r = pki_err(err, PKI_ERR_ALLOC,
				    "remote: out of memory");
			else {
				printable(ent, len, shown, sizeof(shown));
				r = pki_err(err, PKI_ERR_INPUT,
				    "remote \"%s\": %s", shown, why);
			}
			goto out;
		}
		if (pki_strv_push(&sv, url) != 0) {
			r = pki_err(err, PKI_ERR_ALLOC, "remote: out of memory");
			goto out;
		}
		free(url);
		url = NULL;
		free(ent);
		ent = NULL;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	*urls = sv.v;
	*n = sv.n;
	sv.v = NULL;
	sv.n = 0;
	r = PKI_OK;
 out:
	free(url);
	free(ent);
	pki_strv_clear(&sv);
	return r;
}

/* ---- from a configuration -------------------------------------------------- */

static const char *
strv_lookup(const struct pki_strv *names, const struct pki_strv *vals,
    const char *name)
{
	size_t	i;

	for (i = 0; i < names->n && i < vals->n; i++)
		if (strcmp(names->v[i], name) == 0)
			return vals->v[i];
	return NULL;
}

int
pki_remote_for_profile(const struct pki_config *cfg,
    const struct pki_profile *p, const char *override, struct pki_remote *r,
    struct pki_error *err)
{
	const char	*name;

	if (r == NULL || cfg == NULL)
		return pki_err(err, PKI_ERR_ARG, "remote: no configuration");
	memset(r, 0, sizeof(*r));
	name = p != NULL && p->name != NULL ? p->name : "default";
	if (override != NULL && *override != '\0')
		r->urls = override;
	else if (p != NULL && p->remote != NULL) {
		if ((r->urls = strv_lookup(&cfg->remote_names,
		    &cfg->remote_urls, p->remote)) == NULL)
			return pki_err(err, PKI_ERR_CONFIG, "%s: "
			    "signing.profiles.%s: remote \"%s\" is not "
			    "defined in \"remotes\"", cfg->source != NULL ?
			    cfg->source : "config", name, p->remote);
	} else
		return pki_err(err, PKI_ERR_CONFIG, "%s: signing profile "
		    "\"%s\" has no remote or auth_remote (and no -remote "
		    "was given)", cfg->source != NULL ? cfg->source :
		    "config", name);
	/*
	 * Only auth_remote.auth_key authenticates: a profile with "remote"
	 * and "auth_key" sends an unauthenticated /sign, as cfssl does.
	 */
	if (p != NULL && p->auth_remote_key != NULL) {
		if ((r->auth_key = strv_lookup(&cfg->auth_key_names,
		    &cfg->auth_key_values, p->auth_remote_key)) == NULL) {
			r->urls = NULL;
			return pki_err(err, PKI_ERR_CONFIG, "%s: "
			    "signing.profiles.%s: auth key \"%s\" is not "
			    "defined in \"auth_keys\"", cfg->source != NULL ?
			    cfg->source : "config", name, p->auth_remote_key);
		}
		r->auth_key_name = p->auth_remote_key;
	}
	return PKI_OK;
}

/* ---- transport ------------------------------------------------------------- */

#define ATTEMPT_ANSWER	0	/* an HTTP answer: status and body */
#define ATTEMPT_NEXT	1	/* no connection: try the next URL */

/* Options for one POST; any failure is a curl_easy_setopt error. */
static CURLcode
setup(CURL *h, const char *url, const struct pki_remote *r,
    const char *body, size_t blen, struct curl_slist *hdrs,
    struct pki_curl_sink *sink, char *errbuf, long timeout_ms)
{
	CURLcode	rc;

#define SET(opt, val) \
	do { if ((rc = pki_curl->easy_setopt(h, opt, val)) != CURLE_OK) \
		return rc; } while (0)
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_POSTFIELDS, body);
	SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_TIMEOUT_MS, timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < REMOTE_CONNECT_MS ?
	    timeout_ms : REMOTE_CONNECT_MS);
	SET(CURLOPT_WRITEFUNCTION, pki_curl_sink_write);
	SET(CURLOPT_WRITEDATA, sink);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (r->tls_ca_file != NULL && *r->tls_ca_file != '\0')
		SET(CURLOPT_CAINFO, r->tls_ca_file);
	if (r->tls_cert_file != NULL && *r->tls_cert_file != '\0')
		SET(CURLOPT_SSLCERT, r->tls_cert_file);
	if (r->tls_key_file != NULL && *r->tls_key_file != '\0')
		SET(CURLOPT_SSLKEY, r->tls_key_file);
#undef SET
	return CURLE_OK;
}

/*
 * One POST of body to base + REMOTE_API + endpoint.  Returns ATTEMPT_ANSWER
 * (*status and sink hold the answer), ATTEMPT_NEXT (why holds the reason
 * no connection was made) or a PKI_ERR_* code with err filled.
 */
static int
attempt(const char *base, const char *endpoint, const struct pki_remote *r,
    const char *body, size_t blen, long *status, struct pki_curl_sink *sink,
    char *why, size_t whysize, struct pki_error *err)
{
	CURL			*h = NULL;
	struct curl_slist	*hdrs = NULL, *t;
	char			*url = NULL, errbuf[CURL_ERROR_SIZE], tm[32];
	CURLcode		 rc;
	curl_off_t		 conn_us = 0, app_us = 0;
	long			 timeout_ms;
	int			 https, connected, a = PKI_ERR_INTERNAL;

	*status = 0;
	errbuf[0] = '\0';
	why[0] = '\0';
	timeout_ms = r->timeout_ms > 0 ? r->timeout_ms : REMOTE_TIMEOUT_MS;
	https = strncmp(base, "https:", 6) == 0;
	if (asprintf(&url, "%s%s%s", base, REMOTE_API, endpoint) == -1) {
		url = NULL;
		a = pki_err(err, PKI_ERR_ALLOC, "%s: out of memory", base);
		goto out;
	}
	if ((h = pki_curl->easy_init()) == NULL) {
		a = pki_err(err, PKI_ERR_INTERNAL, "%s: curl_easy_init failed",
		    base);
		goto out;
	}
	/* "Expect:" keeps curl from waiting for 100-continue. */
	if ((t = pki_curl->slist_append(hdrs, "Content-Type: application/json"))
	    == NULL)
		goto oom;
	hdrs = t;
	if ((t = pki_curl->slist_append(hdrs, "Connection: close")) == NULL)
		goto oom;
	hdrs = t;
	if ((t = pki_curl->slist_append(hdrs, "Expect:")) == NULL)
		goto oom;
	hdrs = t;
	if ((rc = setup(h, url, r, body, blen, hdrs, sink, errbuf,
	    timeout_ms)) != CURLE_OK) {
		a = pki_err(err, PKI_ERR_INTERNAL, "%s: curl_easy_setopt: %s",
		    base, pki_curl->easy_strerror(rc));
		goto out;
	}

	rc = pki_curl->easy_perform(h);
	if (rc == CURLE_OK) {
		if (pki_curl->easy_getinfo(h, CURLINFO_RESPONSE_CODE, status) !=
		    CURLE_OK) {
			a = pki_err(err, PKI_ERR_INTERNAL, "%s: no HTTP status",
			    base);
			goto out;
		}
		a = ATTEMPT_ANSWER;
		goto out;
	}
	if (errbuf[0] == '\0')
		snprintf(errbuf, sizeof(errbuf), "%s",
		    pki_curl->easy_strerror(rc));
	if (pki_curl->easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &conn_us) !=
	    CURLE_OK)
		conn_us = 0;
	if (pki_curl->easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &app_us) !=
	    CURLE_OK)
		app_us = 0;
	connected = conn_us > 0 && (!https || app_us > 0);
	pki_curl_fmt_ms(timeout_ms, tm, sizeof(tm));

	if (pki_curl_no_connection(h, rc, errbuf, why, whysize)) {
		a = ATTEMPT_NEXT;
		goto out;
	}
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		if (!connected) {
			snprintf(why, whysize, "no connection within %s", tm);
			a = ATTEMPT_NEXT;
			goto out;
		}
		a = pki_err(err, PKI_ERR_IO, "%s: no answer within %s", base, tm);
		goto out;
	case CURLE_WRITE_ERROR:
		if (sink->too_big)
			a = pki_err(err, PKI_ERR_TOO_BIG, "%s: the answer is "
			    "larger than %d bytes", base, PKI_MAX_INPUT);
		else if (sink->buf.oom)
			a = pki_err(err, PKI_ERR_ALLOC, "%s: out of memory", base);
		else
			a = pki_err(err, PKI_ERR_IO, "%s: %s", base, errbuf);
		goto out;
	case CURLE_GOT_NOTHING:
		a = pki_err(err, PKI_ERR_IO, "%s: the server closed the "
		    "connection without answering", base);
		goto out;
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CIPHER:
		a = pki_err(err, PKI_ERR_IO, "%s: TLS client setup: %s", base,
		    errbuf);
		goto out;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_WEIRD_SERVER_REPLY:
		a = pki_err(err, PKI_ERR_IO, "%s: not an HTTP answer (%s)", base,
		    errbuf);
		goto out;
	default:
		a = pki_err(err, PKI_ERR_IO, "%s: %s", base, errbuf);
		goto out;
	}
 oom:
	a = pki_err(err, PKI_ERR_ALLOC, "%s: out of memory", base);
 out:
	pki_curl->slist_free_all(hdrs);
	if (h != NULL)
		pki_curl->easy_cleanup(h);
	free(url);
	return a;
}

/* errors[0] of an envelope: code and (escaped) message. */
static void
envelope_error(const json_t *root, char *buf, size_t size)
{
	const json_t	*e, *code, *msg;
	char		 m[3 * REMOTE_SNIPPET];
	const char	*ms;

	e = json_array_get(json_object_get(root, "errors"), 0);
	if (e == NULL)
		e = json_array_get(json_object_get(root, "messages"), 0);
	code = json_object_get(e, "code");
	msg = json_object_get(e, "message");
	if (json_is_string(msg)) {
		ms = json_string_value(msg);
		pki_curl_snippet(ms, json_string_length(msg), REMOTE_SNIPPET, m,
		    sizeof(m));
	} else
		snprintf(m, sizeof(m), "no error message");
	if (json_is_integer(code))
		snprintf(buf, size, "code %lld: %s",
		    (long long)json_integer_value(code), m);
	else
		snprintf(buf, size, "%s", m);
}

/* A cfssl envelope: an object with a boolean "success". */
static int
is_envelope(const json_t *root)
{
	return json_is_object(root) &&
	    json_is_boolean(json_object_get(root, "success"));
}

/*
 * Checks the answer of url and gives its "result" member (a new
 * reference, an object) in *result.
 */
static int
parse_answer(const char *url, long status, const char *body, size_t len,
    json_t **result, struct pki_error *err)
{
	json_t		*root = NULL, *res;
	json_error_t	 jerr;
	char		 snip[4 * REMOTE_SNIPPET + 8], msg[4 * REMOTE_SNIPPET];
	int		 r = PKI_ERR_INTERNAL;

	*result = NULL;
	/* A key given twice is refused: it could hide a certificate. */
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (status != 200) {
		if (is_envelope(root) &&
		    json_is_false(json_object_get(root, "success"))) {
			envelope_error(root, msg, sizeof(msg));
			r = pki_err(err, PKI_ERR_POLICY, "%s: the server "
			    "refused the request: HTTP %ld, %s", url, status,
			    msg);
		} else {
			pki_curl_snippet(body, len, REMOTE_SNIPPET, snip,
			    sizeof(snip));
			r = pki_err(err, PKI_ERR_IO, "%s: HTTP %ld: %s", url,
			    status, snip[0] != '\0' ? snip : "(empty answer)");
		}
		goto out;
	}
	if (root == NULL && json_error_code(&jerr) == json_error_duplicate_key) {
		r = pki_err(err, PKI_ERR_JSON, "%s: the answer is refused: "
		    "a key given twice (line %d, column %d)", url, jerr.line,
		    jerr.column);
		goto out;
	}
	if (root == NULL) {
		pki_curl_snippet(body, len, 60, snip, sizeof(snip));
		r = pki_err(err, PKI_ERR_JSON, "%s: not a cfssl API response "
		    "(HTTP 200 but not JSON: \"%s\")", url, snip);
		goto out;
	}
	if (!is_envelope(root)) {
		r = pki_err(err, PKI_ERR_JSON, "%s: not a cfssl API response "
		    "(no \"success\" member)", url);
		goto out;
	}
	if (!json_is_true(json_object_get(root, "success"))) {
		envelope_error(root, msg, sizeof(msg));
		r = pki_err(err, PKI_ERR_POLICY, "%s: the server refused the "
		    "request: %s", url, msg);
		goto out;
	}
	if (!json_is_object(res = json_object_get(root, "result"))) {
		r = pki_err(err, PKI_ERR_JSON, "%s: not a cfssl API response "
		    "(\"result\" is not an object)", url);
		goto out;
	}
	*result = json_incref(res);
	r = PKI_OK;
 out:
	json_decref(root);
	return r;
}

/* One URL's try of remote_call (pki_curl_try_each's callback). */
struct remote_try {
	char *const		 *urls;
	const char		 *endpoint;
	const struct pki_remote	 *r;
	const char		 *body;
	size_t			  blen;
	long			  status;
};

static int
remote_try(void *arg, size_t i, struct pki_curl_sink *sink, char *why,
    size_t whysize, struct pki_error *err)
{
	struct remote_try	*t = arg;
	int			 a;

	if ((a = attempt(t->urls[i], t->endpoint, t->r, t->body, t->blen,
	    &t->status, sink, why, whysize, err)) < 0)
		return a;
	return a == ATTEMPT_ANSWER ? PKI_CURL_ANSWER : PKI_CURL_NEXT;
}

/*
 * POSTs body to endpoint at each URL of r in order until one answers,
 * and checks the envelope.  *result is a new reference to the "result"
 * object; *used (malloc'ed) is the URL that answered.
 */
static int
remote_call(const struct pki_remote *r, const char *endpoint,
    const char *body, size_t blen, json_t **result, char **used,
    struct pki_error *err)
{
	struct pki_curl_tries	 tries;
	struct remote_try	 t;
	char			**urls = NULL;
	size_t			  n = 0;
	int			  i, rv = PKI_ERR_INTERNAL;

	memset(&t, 0, sizeof(t));
	memset(&tries, 0, sizeof(tries));
	*result = NULL;
	*used = NULL;
	if (r->urls == NULL)
		return pki_err(err, PKI_ERR_ARG, "remote: no URL");
	if ((rv = pki_remote_normalize(r->urls, &urls, &n, err)) != 0)
		return rv;
	if ((rv = pki_curl_init(err)) != 0)
		goto out;
	t.urls = urls;
	t.endpoint = endpoint;
	t.r = r;
	t.body = body;
	t.blen = blen;
	tries.names = (const char *const *)urls;
	tries.first = 0;
	tries.last = n;
	tries.skip = -1;
	tries.what = "remote";
	tries.none = "no remote answered";
	tries.try = remote_try;
	tries.arg = &t;
	if ((i = pki_curl_try_each(&tries, err)) < 0) {
		rv = i;
		goto out;
	}
	rv = parse_answer(urls[i], t.status, tries.sink.buf.b != NULL ?
	    tries.sink.buf.b : "", tries.sink.buf.len, result, err);
	if (rv == 0 && (*used = strdup(urls[i])) == NULL) {
		json_decref(*result);
		*result = NULL;
		rv = pki_err(err, PKI_ERR_ALLOC, "%s: out of memory", urls[i]);
	}
 out:
	free(tries.sink.buf.b);
	pki_strv_free(urls, n);
	return rv;
}

/* ---- the API calls ----------------------------------------------------- */

/* The /info request body for label and profile (cfssl's info.Req). */
static int
info_body(const char *label, const char *profile, struct pki_buf *b,
    struct pki_error *err)
{
	/* info.Req; /info is never authenticated (cfssl's client). */
	pki_buf_add(b, "{\"label\":");
	go_str(b, label != NULL ? label : "");
	pki_buf_add(b, ",\"profile\":");
	go_str(b, profile != NULL ? profile : "");
	pki_buf_add(b, "}");
	if (b->oom)
		return pki_err(err, PKI_ERR_ALLOC, "remote info: out of memory");
	return PKI_OK;
}

/*
 * The CA certificate the server at url (the one that signed) gives on
 * /info for q's label and profile: the issuer its answer must come from.
 */
static int
server_issuer(const struct pki_remote *r, const char *url,
    const struct pki_remote_sign_req *q, struct pki_cert **issuer,
    struct pki_error *err)
{
	struct pki_remote	 one = *r;
	struct pki_buf		 b;
	json_t			*res = NULL, *c;
	char			*used = NULL;
	int			 rv;

	memset(&b, 0, sizeof(b));
	*issuer = NULL;
	one.urls = url;
	if ((rv = info_body(q->label, q->profile, &b, err)) != PKI_OK ||
	    (rv = remote_call(&one, "info", b.b, b.len, &res, &used,
	    err)) != PKI_OK)
		goto out;
	c = json_object_get(res, "certificate");
	if (!json_is_string(c) || json_string_length(c) == 0)
		rv = pki_err(err, PKI_ERR_JSON, "%s: the server's info answer "
		    "has no certificate (result.certificate): cannot check "
		    "who signed; pin the CA with -ca", url);
	else if ((rv = pki_cert_load(json_string_value(c),
	    json_string_length(c), url, issuer, err)) != PKI_OK)
		pki_err_prefix(err, "the server's info certificate");
 out:
	json_decref(res);
	free(used);
	free(b.b);
	return rv;
}

int
pki_remote_sign(const struct pki_remote *r,
    const struct pki_remote_sign_req *q, char **cert, size_t *len,
    struct pki_error *err)
{
	char		*inner = NULL, *token = NULL, *req64 = NULL;
	char		*used = NULL, label[300];
	size_t		 innerlen = 0, clen = 0;
	struct pki_buf	 outer;
	const char	*endpoint, *body;
	size_t		 blen;
	json_t		*result = NULL, *c;
	const struct pki_cert *issuer;
	struct pki_cert	*fetched = NULL;
	int		 rv = PKI_ERR_INTERNAL;

	memset(&outer, 0, sizeof(outer));
	if (cert != NULL)
		*cert = NULL;
	if (len != NULL)
		*len = 0;
	if (r == NULL || q == NULL || cert == NULL)
		return pki_err(err, PKI_ERR_ARG, "remote sign: no request");
	if (q->fetched != NULL)
		*q->fetched = NULL;
	if ((rv = pki_remote_sign_body(q, &inner, &innerlen, err)) != 0)
		return rv;
	if (r->auth_key != NULL) {
		snprintf(label, sizeof(label), "auth_keys.%s.key",
		    r->auth_key_name != NULL ? r->auth_key_name : "(unnamed)");
		if ((rv = token_for(label, r->auth_key, inner, innerlen,
		    &token, err)) != 0)
			goto out;
		if ((req64 = pki_b64_encode(inner, innerlen)) == NULL) {
			rv = pki_err(err, PKI_ERR_ALLOC,
			    "remote sign: out of memory");
			goto out;
		}
		/* auth.AuthenticatedRequest; remote_address is omitted. */
		if (asprintf(&outer.b, "{\"timestamp\":%lld,\"token\":\"%s\","
		    "\"request\":\"%s\"}", (long long)time(NULL), token,
		    req64) == -1) {
			outer.b = NULL;
			rv = pki_err(err, PKI_ERR_ALLOC,
			    "remote sign: out of memory");
			goto out;
		}
		outer.len = strlen(outer.b);
		endpoint = "authsign";
		body = outer.b;
		blen = outer.len;
	} else {
		endpoint = "sign";
		body = inner;
		blen = innerlen;
	}
	if ((rv = remote_call(r, endpoint, body, blen, &result, &used,
	    err)) != 0)
		goto out;
	c = json_object_get(result, "certificate");
	if (!json_is_string(c) || json_string_length(c) == 0) {
		rv = pki_err(err, PKI_ERR_JSON, "%s: the server's answer has "
		    "no certificate (result.certificate)", used);
		goto out;
	}
	/*
	 * Only what was asked for, re-encoded (never the server's bytes),
	 * and from the CA it must come from: a pinned one, checked in the
	 * same pass, or the one the same server's /info gives, asked only
	 * once the answer is otherwise right.
	 */
	issuer = q->issuer;
	if ((rv = pki_remote_check_answer(used, json_string_value(c),
	    json_string_length(c), q->csr_pem, q->hosts, q->nhosts, issuer,
	    cert, &clen, err)) != 0)
		goto out;
	if (issuer == NULL) {
		if ((rv = server_issuer(r, used, q, &fetched, err)) != PKI_OK ||
		    (rv = pki_remote_check_issuer(used, *cert, clen, fetched,
		    err)) != PKI_OK) {
			free(*cert);
			*cert = NULL;
			goto out;
		}
		if (q->fetched != NULL) {
			*q->fetched = fetched;
			fetched = NULL;
		}
	}
	if (len != NULL)
		*len = clen;
	rv = PKI_OK;
 out:
	pki_cert_free(fetched);
	json_decref(result);
	free(used);
	free(outer.b);
	free(req64);
	free(token);
	free(inner);
	return rv;
}

int
pki_remote_info(const struct pki_remote *r, const char *label,
    const char *profile, char **result, struct pki_error *err)
{
	struct pki_buf	 b;
	json_t		*res = NULL;
	char		*used = NULL;
	int		 rv = PKI_ERR_INTERNAL;

	memset(&b, 0, sizeof(b));
	if (result != NULL)
		*result = NULL;
	if (r == NULL || result == NULL)
		return pki_err(err, PKI_ERR_ARG, "remote info: no request");
	if ((rv = info_body(label, profile, &b, err)) != PKI_OK)
		goto out;
	if ((rv = remote_call(r, "info", b.b, b.len, &res, &used, err)) != 0)
		goto out;
	if ((*result = json_dumps(res, JSON_COMPACT)) == NULL) {
		rv = pki_err(err, PKI_ERR_ALLOC, "remote info: out of memory");
		goto out;
	}
	rv = PKI_OK;
 out:
	json_decref(res);
	free(used);
	free(b.b);
	return rv;
}

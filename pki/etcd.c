/*
 * etcd.c: a client of etcd's v3 API through its JSON gateway (grpc-gateway,
 * etcd 3.4: paths under /v3/, 64-bit numbers as decimal strings, []byte as
 * base64), plus GET /health.  HTTPS only: every request verifies the
 * server against the configured trust bundle and presents the client
 * certificate.  The transport is libcurl's easy interface, one handle per
 * request.
 */
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "internal.h"
#include "curlpriv.h"

#define ETCD_TIMEOUT_MS		5000L	/* per request, when not configured */
#define ETCD_SNIPPET		200	/* bytes of a foreign answer quoted */
#define ETCD_URL_MAX		512	/* an endpoint, as configured */

struct pki_etcd {
	char	**eps;		/* "https://host:port", no trailing '/' */
	size_t	  neps;
	char	 *ca_file;	/* NULL: the system's trust store */
	char	 *cert_file;	/* NULL: no client certificate */
	char	 *key_file;
	long	  timeout_ms;
	int	  avoid;	/* endpoint skipped by ep < 0, or -1 */
};

/* ---- the client ---------------------------------------------------------- */

/*
 * Checks one endpoint: "https://" then a host[:port] without path, query,
 * user information, spaces or control characters; a trailing '/' is
 * dropped.  *out is malloc'ed.  Returns 0, or a static reason.
 */
static const char *
endpoint_check(const char *e, char **out)
{
	const char	*h, *c;
	size_t		 len;

	*out = NULL;
	if (strncasecmp(e, "https://", 8) != 0)
		return strncasecmp(e, "http://", 7) == 0 ?
		    "plain http is not supported (https:// only)" :
		    "expected https://host:port";
	h = e + 8;
	len = strlen(h);
	while (len > 0 && h[len - 1] == '/')
		len--;
	if (len == 0)
		return "no host";
	if (len + 8 >= ETCD_URL_MAX)
		return "too long";
	for (c = h; c < h + len; c++) {
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return "contains a space or a control character";
		if (*c == '/' || *c == '?' || *c == '#')
			return "a path, query or fragment is not allowed";
		if (*c == '@')
			return "user information is not supported";
	}
	if (asprintf(out, "https://%.*s", (int)len, h) == -1) {
		*out = NULL;
		return "out of memory";
	}
	return NULL;
}

int
pki_etcd_new(const struct pki_etcd_conf *conf, struct pki_etcd **out,
    struct pki_error *err)
{
	struct pki_etcd	*c = NULL;
	const char	*why;
	size_t		 i;
	int		 r = PKI_ERR_INTERNAL;

	if (out != NULL)
		*out = NULL;
	if (conf == NULL || out == NULL)
		return pki_err(err, PKI_ERR_ARG, "etcd: no configuration");
	if (conf->endpoints == NULL || conf->nendpoints == 0 ||
	    conf->nendpoints > INT32_MAX)
		return pki_err(err, PKI_ERR_ARG, "etcd: no endpoints");
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->eps = calloc(conf->nendpoints, sizeof(*c->eps))) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "etcd: out of memory");
		goto out;
	}
	c->avoid = -1;
	c->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms :
	    ETCD_TIMEOUT_MS;
	for (i = 0; i < conf->nendpoints; i++) {
		if (conf->endpoints[i] == NULL) {
			r = pki_err(err, PKI_ERR_ARG, "etcd: endpoint %zu is "
			    "missing", i + 1);
			goto out;
		}
		if ((why = endpoint_check(conf->endpoints[i], &c->eps[i])) !=
		    NULL) {
			r = pki_err(err, c->eps[i] == NULL &&
			    strcmp(why, "out of memory") == 0 ? PKI_ERR_ALLOC :
			    PKI_ERR_ARG, "etcd endpoint \"%.*s\": %s",
			    ETCD_URL_MAX, conf->endpoints[i], why);
			goto out;
		}
		c->neps++;
	}
	if ((conf->ca_file != NULL && *conf->ca_file != '\0' &&
	    (c->ca_file = strdup(conf->ca_file)) == NULL) ||
	    (conf->cert_file != NULL && *conf->cert_file != '\0' &&
	    (c->cert_file = strdup(conf->cert_file)) == NULL) ||
	    (conf->key_file != NULL && *conf->key_file != '\0' &&
	    (c->key_file = strdup(conf->key_file)) == NULL)) {
		r = pki_err(err, PKI_ERR_ALLOC, "etcd: out of memory");
		goto out;
	}
	*out = c;
	c = NULL;
	r = PKI_OK;
 out:
	pki_etcd_free(c);
	return r;
}

void
pki_etcd_free(struct pki_etcd *c)
{
	if (c == NULL)
		return;
	pki_strv_free(c->eps, c->neps);
	free(c->ca_file);
	free(c->cert_file);
	free(c->key_file);
	free(c);
}

void
pki_etcd_avoid(struct pki_etcd *c, int ep)
{
	if (c != NULL)
		c->avoid = ep >= 0 && (size_t)ep < c->neps ? ep : -1;
}

/* ---- transport ------------------------------------------------------------- */

#define TRY_ANSWER	0	/* an HTTP answer: status and body */
#define TRY_NEXT	1	/* no answer: try the next endpoint */
#define TRY_TIMEOUT	2	/* connected, but no answer in time */

/* Options of one request; any failure is a curl_easy_setopt error. */
static CURLcode
setup(CURL *h, const struct pki_etcd *c, const char *url, const char *body,
    struct curl_slist *hdrs, struct pki_curl_sink *sink, char *errbuf,
    long timeout_ms)
{
	CURLcode	rc;

#define SET(opt, val) \
	do { if ((rc = pki_curl->easy_setopt(h, opt, val)) != CURLE_OK) \
		return rc; } while (0)
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "https");
#else
	SET(CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_NOPROXY, "*");
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	if (body != NULL) {
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDS, body);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	} else
		SET(CURLOPT_HTTPGET, 1L);
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_TIMEOUT_MS, timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < c->timeout_ms ?
	    timeout_ms : c->timeout_ms);
	SET(CURLOPT_WRITEFUNCTION, pki_curl_sink_write);
	SET(CURLOPT_WRITEDATA, sink);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file != NULL)
		SET(CURLOPT_CAINFO, c->ca_file);
	if (c->cert_file != NULL)
		SET(CURLOPT_SSLCERT, c->cert_file);
	if (c->key_file != NULL)
		SET(CURLOPT_SSLKEY, c->key_file);
#undef SET
	return CURLE_OK;
}

/*
 * One request to base + path: a POST of body, or a GET when body is NULL.
 * Returns TRY_ANSWER (*status and sink hold the answer), TRY_NEXT or
 * TRY_TIMEOUT (why says what happened), or a PKI_ERR_* code with err
 * filled (a problem another endpoint would not solve).
 */
static int
attempt(const struct pki_etcd *c, const char *base, const char *path,
    const char *body, long timeout_ms, long *status,
    struct pki_curl_sink *sink, char *why, size_t whysize,
    struct pki_error *err)
{
	CURL			*h = NULL;
	struct curl_slist	*hdrs = NULL, *t;
	char			 url[ETCD_URL_MAX + 64];
	char			 errbuf[CURL_ERROR_SIZE], tm[32];
	CURLcode		 rc;
	curl_off_t		 app_us = 0;
	int			 a = PKI_ERR_INTERNAL;

	*status = 0;
	errbuf[0] = '\0';
	why[0] = '\0';
	if ((size_t)snprintf(url, sizeof(url), "%s%s", base, path) >=
	    sizeof(url))
		return pki_err(err, PKI_ERR_ARG, "%s: %s: URL too long", base,
		    path);
	if ((h = pki_curl->easy_init()) == NULL)
		return pki_err(err, PKI_ERR_INTERNAL, "%s: curl_easy_init "
		    "failed", base);
	/* "Expect:" keeps curl from waiting for 100-continue. */
	if ((t = pki_curl->slist_append(hdrs, "Content-Type: application/json"))
	    == NULL)
		goto oom;
	hdrs = t;
	if ((t = pki_curl->slist_append(hdrs, "Expect:")) == NULL)
		goto oom;
	hdrs = t;
	if ((rc = setup(h, c, url, body, hdrs, sink, errbuf, timeout_ms)) !=
	    CURLE_OK) {
		a = pki_err(err, PKI_ERR_INTERNAL, "%s: curl_easy_setopt: %s",
		    base, pki_curl->easy_strerror(rc));
		goto out;
	}

	rc = pki_curl->easy_perform(h);
	if (rc == CURLE_OK) {
		if (pki_curl->easy_getinfo(h, CURLINFO_RESPONSE_CODE, status) !=
		    CURLE_OK) {
			a = pki_err(err, PKI_ERR_INTERNAL, "%s: %s: no HTTP "
			    "status", base, path);
			goto out;
		}
		a = TRY_ANSWER;
		goto out;
	}
	if (errbuf[0] == '\0')
		snprintf(errbuf, sizeof(errbuf), "%s",
		    pki_curl->easy_strerror(rc));
	if (pki_curl->easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &app_us) !=
	    CURLE_OK)
		app_us = 0;
	pki_curl_fmt_ms(timeout_ms, tm, sizeof(tm));

	if (pki_curl_no_connection(h, rc, errbuf, why, whysize)) {
		a = TRY_NEXT;
		goto out;
	}
	switch (rc) {
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		/*
		 * With TLS 1.3 a server that refuses our client certificate
		 * says so (an alert) only after the handshake.
		 */
		if (strstr(errbuf, "alert") != NULL)
			snprintf(why, whysize, "TLS: the server refused our "
			    "client certificate (%s)", errbuf);
		else if (app_us > 0 && sink->buf.len == 0)
			snprintf(why, whysize, "TLS: the connection was "
			    "dropped right after the handshake, before any "
			    "answer: the server likely refused our client "
			    "certificate (%s)", errbuf);
		else
			snprintf(why, whysize, "connection failed (%s)",
			    errbuf);
		a = TRY_NEXT;
		break;
	case CURLE_GOT_NOTHING:
		snprintf(why, whysize, "the server closed the connection "
		    "without answering");
		a = TRY_NEXT;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		if (app_us > 0) {
			snprintf(why, whysize, "no answer within %s", tm);
			a = TRY_TIMEOUT;
		} else {
			snprintf(why, whysize, "no connection within %s", tm);
			a = TRY_NEXT;
		}
		break;
	case CURLE_WRITE_ERROR:
		if (sink->too_big)
			a = pki_err(err, PKI_ERR_TOO_BIG, "%s: %s: the answer "
			    "is larger than %d bytes", base, path,
			    PKI_MAX_INPUT);
		else if (sink->buf.oom)
			a = pki_err(err, PKI_ERR_ALLOC, "%s: out of memory",
			    base);
		else
			a = pki_err(err, PKI_ERR_IO, "%s: %s: %s", base, path,
			    errbuf);
		break;
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CIPHER:
		a = pki_err(err, PKI_ERR_IO, "%s: TLS client setup: %s", base,
		    errbuf);
		break;
	default:
		snprintf(why, whysize, "%s", errbuf);
		a = TRY_NEXT;
		break;
	}
	goto out;
 oom:
	a = pki_err(err, PKI_ERR_ALLOC, "%s: out of memory", base);
 out:
	pki_curl->slist_free_all(hdrs);
	pki_curl->easy_cleanup(h);
	return a;
}

/* The message of a gateway error answer, or a snippet of the body. */
static void
answer_error(const char *body, size_t len, char *buf, size_t size)
{
	json_t		*root;
	const json_t	*msg, *code;
	char		 m[4 * ETCD_SNIPPET + 8];

	root = json_loadb(body, len, 0, NULL);
	if ((msg = json_object_get(root, "message")) == NULL ||
	    !json_is_string(msg) || json_string_length(msg) == 0)
		msg = json_object_get(root, "error");
	code = json_object_get(root, "code");
	if (json_is_string(msg)) {
		pki_curl_snippet(json_string_value(msg),
		    json_string_length(msg), ETCD_SNIPPET, m, sizeof(m));
		if (json_is_integer(code))
			snprintf(buf, size, "%s (gRPC code %lld)", m,
			    (long long)json_integer_value(code));
		else
			snprintf(buf, size, "%s", m);
	} else {
		pki_curl_snippet(body, len, ETCD_SNIPPET, m, sizeof(m));
		snprintf(buf, size, "%s", m[0] != '\0' ? m : "(empty answer)");
	}
	json_decref(root);
}

/* What etcd_call does besides the plain POST. */
#define CALL_ANY_STATUS	0x1	/* a JSON answer with any status is fine */
#define CALL_TIMEOUT_OK	0x2	/* no answer in time: *timedout = 1 */

/* One endpoint's try of etcd_call (pki_curl_try_each's callback). */
struct etcd_try {
	const struct pki_etcd	*c;
	const char		*path;
	const char		*body;
	long			 timeout_ms;
	int			 timeout_ok;	/* a timeout ends the loop */
	int			 any_status;	/* CALL_ANY_STATUS */
	int			 timedout;	/* out: it did */
	long			 status;
};

/*
 * A member's gateway answers 5xx when that member cannot serve the
 * request: 503 (gRPC Unavailable) while it starts or stops, has no
 * leader or timed out, 500 when its own gRPC stream broke as it went
 * down ("server closed the stream without sending trailers").  That is
 * not the cluster's answer, so the next endpoint is asked; the answers
 * 4xx (the cluster's refusals) end the loop.  Every request the engine
 * sends to "any member" can be repeated: a lease granted twice leaves a
 * lease that expires with its TTL, the lock's key is per lease, unlock
 * and keepalive repeat harmlessly.
 */
static int
etcd_try(void *arg, size_t i, struct pki_curl_sink *sink, char *why,
    size_t whysize, struct pki_error *err)
{
	struct etcd_try	*t = arg;
	char		 msg[6 * ETCD_SNIPPET];
	int		 a;

	if ((a = attempt(t->c, t->c->eps[i], t->path, t->body, t->timeout_ms,
	    &t->status, sink, why, whysize, err)) < 0)
		return a;
	if (a == TRY_TIMEOUT && t->timeout_ok) {
		t->timedout = 1;
		return PKI_CURL_ANSWER;
	}
	if (a == TRY_ANSWER && t->status >= 500 && !t->any_status) {
		answer_error(sink->buf.b != NULL ? sink->buf.b : "",
		    sink->buf.len, msg, sizeof(msg));
		snprintf(why, whysize, "%s: HTTP %ld: %s", t->path, t->status,
		    msg);
		return PKI_CURL_NEXT;
	}
	return a == TRY_ANSWER ? PKI_CURL_ANSWER : PKI_CURL_NEXT;
}

/*
 * Sends body (a JSON text, or NULL for a GET) to path at endpoint ep, or,
 * with ep < 0, at each endpoint but the avoided one until one answers.
 * *answer receives the answer (a new reference, an object) and *used the
 * index of the endpoint that gave it.  A status other than 200 is an
 * error carrying the gateway's message unless CALL_ANY_STATUS; *status
 * (may be NULL) receives it.  With CALL_TIMEOUT_OK, a request that
 * connected but had no answer within timeout_ms returns 0 with *timedout
 * set and *answer NULL.
 */
static int
etcd_call(const struct pki_etcd *c, int ep, const char *path,
    const char *body, long timeout_ms, int flags, json_t **answer,
    int *used, long *status, int *timedout, struct pki_error *err)
{
	struct pki_curl_tries	 tries;
	struct etcd_try		 t;
	json_t			*root = NULL;
	json_error_t		 jerr;
	char			 msg[6 * ETCD_SNIPPET];
	const char		*base, *text;
	int			 i, r = PKI_ERR_INTERNAL;

	memset(&t, 0, sizeof(t));
	memset(&tries, 0, sizeof(tries));
	*answer = NULL;
	if (used != NULL)
		*used = -1;
	if (status != NULL)
		*status = 0;
	if (timedout != NULL)
		*timedout = 0;
	if (c == NULL)
		return pki_err(err, PKI_ERR_ARG, "etcd: no client");
	if (ep >= 0 && (size_t)ep >= c->neps)
		return pki_err(err, PKI_ERR_ARG, "etcd: no endpoint %d (there "
		    "are %zu)", ep, c->neps);
	if ((r = pki_curl_init(err)) != 0)
		return r;
	t.c = c;
	t.path = path;
	t.body = body;
	t.timeout_ms = timeout_ms > 0 ? timeout_ms : c->timeout_ms;
	t.timeout_ok = (flags & CALL_TIMEOUT_OK) && timedout != NULL;
	t.any_status = (flags & CALL_ANY_STATUS) != 0;
	tries.names = (const char *const *)c->eps;
	tries.first = ep >= 0 ? (size_t)ep : 0;
	tries.last = ep >= 0 ? (size_t)ep + 1 : c->neps;
	tries.skip = ep < 0 ? c->avoid : -1;
	tries.what = "etcd";
	tries.none = "no etcd endpoint answered";
	tries.try = etcd_try;
	tries.arg = &t;
	if ((i = pki_curl_try_each(&tries, err)) < 0) {
		r = i;
		goto out;
	}
	if (t.timedout) {
		*timedout = 1;
		if (used != NULL)
			*used = i;
		r = PKI_OK;
		goto out;
	}
	/* An answer: it ended the attempts. */
	base = c->eps[i];
	text = tries.sink.buf.b != NULL ? tries.sink.buf.b : "";
	if (status != NULL)
		*status = t.status;
	if (t.status != 200 && !(flags & CALL_ANY_STATUS)) {
		answer_error(text, tries.sink.buf.len, msg, sizeof(msg));
		r = pki_err(err, PKI_ERR_IO, "%s: %s: HTTP %ld: %s", base, path,
		    t.status, msg);
		goto out;
	}
	root = json_loadb(text, tries.sink.buf.len, 0, &jerr);
	if (!json_is_object(root)) {
		pki_curl_snippet(text, tries.sink.buf.len, 60, msg,
		    sizeof(msg));
		r = pki_err(err, PKI_ERR_JSON, "%s: %s: HTTP %ld but not a JSON "
		    "object: \"%s\"", base, path, t.status, msg);
		goto out;
	}
	*answer = root;
	root = NULL;
	if (used != NULL)
		*used = i;
	r = PKI_OK;
 out:
	json_decref(root);
	free(tries.sink.buf.b);
	return r;
}

/* json_dumps of a new reference it takes over; NULL out of memory. */
static char *
dump(json_t *j)
{
	char	*s;

	if (j == NULL)
		return NULL;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

/*
 * The POST of body (taken over; NULL means out of memory) to path, the
 * answer in *answer and the endpoint's URL in *url (borrowed from c).
 */
static int
post(const struct pki_etcd *c, int ep, const char *path, char *body,
    json_t **answer, const char **url, struct pki_error *err)
{
	int	used = -1, r;

	*answer = NULL;
	*url = "etcd";
	if (body == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "etcd: %s: out of memory",
		    path);
	r = etcd_call(c, ep, path, body, 0, 0, answer, &used, NULL, NULL,
	    err);
	free(body);
	if (r == 0)
		*url = c->eps[used];
	return r;
}

/* ---- the answers' values ----------------------------------------------- */

/*
 * A 64-bit number of an answer: the gateway writes them as decimal
 * strings and leaves out zero values, so an absent member is 0 unless
 * required.  Strict: digits only, no sign, no overflow.
 */
static int
get_u64(const char *url, const char *path, const json_t *obj,
    const char *name, int required, uint64_t *v, struct pki_error *err)
{
	const json_t		*j;
	const char		*s;
	char			*end;
	unsigned long long	 u;

	*v = 0;
	if ((j = json_object_get(obj, name)) == NULL || json_is_null(j)) {
		if (!required)
			return PKI_OK;
		return pki_err(err, PKI_ERR_JSON, "%s: %s: the answer has no "
		    "\"%s\"", url, path, name);
	}
	if (json_is_integer(j) && json_integer_value(j) >= 0) {
		*v = (uint64_t)json_integer_value(j);
		return PKI_OK;
	}
	if (!json_is_string(j))
		return pki_err(err, PKI_ERR_JSON, "%s: %s: \"%s\": expected a "
		    "decimal string", url, path, name);
	s = json_string_value(j);
	if (*s < '0' || *s > '9' || strlen(s) != json_string_length(j))
		goto bad;
	errno = 0;
	u = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		goto bad;
	*v = (uint64_t)u;
	return PKI_OK;
 bad:
	return pki_err(err, PKI_ERR_JSON, "%s: %s: \"%s\": not an unsigned "
	    "64-bit decimal number: \"%.40s\"", url, path, name, s);
}

/* Same for an int64 (lease ids, TTLs), which must not be negative. */
static int
get_i64(const char *url, const char *path, const json_t *obj,
    const char *name, int required, int64_t *v, struct pki_error *err)
{
	uint64_t	u;
	int		r;

	*v = 0;
	if ((r = get_u64(url, path, obj, name, required, &u, err)) != 0)
		return r;
	if (u > INT64_MAX)
		return pki_err(err, PKI_ERR_JSON, "%s: %s: \"%s\": %" PRIu64
		    " is out of range", url, path, name, u);
	*v = (int64_t)u;
	return PKI_OK;
}

/* A copy of a string member ("" when absent); NULL out of memory. */
static char *
get_str(const json_t *obj, const char *name)
{
	const json_t	*j = json_object_get(obj, name);

	return strdup(json_is_string(j) ? json_string_value(j) : "");
}

/* A request body with one decimal-string member: {"name":"v"}. */
static char *
body_id(const char *name, uint64_t v)
{
	char	dec[32];

	snprintf(dec, sizeof(dec), "%" PRIu64, v);
	return dump(json_pack("{s:s}", name, dec));
}

/* ---- the calls ---------------------------------------------------------- */

int
pki_etcd_health(struct pki_etcd *c, int ep, int *healthy,
    struct pki_error *err)
{
	json_t		*ans = NULL;
	const json_t	*h;
	long		 st = 0;
	int		 used = -1, r;

	if (healthy != NULL)
		*healthy = 0;
	if (healthy == NULL)
		return pki_err(err, PKI_ERR_ARG, "etcd health: no result");
	/* An unhealthy member answers 503 {"health":"false"}. */
	if ((r = etcd_call(c, ep, "/health", NULL, 0, CALL_ANY_STATUS, &ans,
	    &used, &st, NULL, err)) != 0)
		return r;
	h = json_object_get(ans, "health");
	if (!json_is_string(h)) {
		r = pki_err(err, PKI_ERR_JSON, "%s: /health: HTTP %ld: the "
		    "answer has no \"health\"", c->eps[used], st);
		goto out;
	}
	*healthy = st == 200 && strcmp(json_string_value(h), "true") == 0;
	r = PKI_OK;
 out:
	json_decref(ans);
	return r;
}

int
pki_etcd_status(struct pki_etcd *c, int ep, struct pki_etcd_status *st,
    struct pki_error *err)
{
	static const char	 path[] = "/v3/maintenance/status";
	json_t			*ans = NULL;
	const json_t		*v, *e;
	const char		*url;
	size_t			 i, o;
	int			 r;

	if (st == NULL)
		return pki_err(err, PKI_ERR_ARG, "etcd status: no result");
	memset(st, 0, sizeof(*st));
	if ((r = post(c, ep, path, strdup("{}"), &ans, &url, err)) != 0)
		return r;
	if ((r = get_u64(url, path, json_object_get(ans, "header"),
	    "member_id", 1, &st->member_id, err)) != 0 ||
	    (r = get_u64(url, path, ans, "leader", 0, &st->leader,
	    err)) != 0 ||
	    (r = get_u64(url, path, ans, "raftIndex", 0, &st->raft_index,
	    err)) != 0 ||
	    (r = get_u64(url, path, ans, "raftTerm", 0, &st->raft_term,
	    err)) != 0 ||
	    (r = get_u64(url, path, ans, "raftAppliedIndex", 0,
	    &st->raft_applied, err)) != 0)
		goto out;
	v = json_object_get(ans, "version");
	snprintf(st->version, sizeof(st->version), "%s",
	    json_is_string(v) ? json_string_value(v) : "");
	o = 0;
	json_array_foreach(json_object_get(ans, "errors"), i, e) {
		if (!json_is_string(e) || o + 1 >= sizeof(st->errors))
			continue;
		o += (size_t)snprintf(st->errors + o, sizeof(st->errors) - o,
		    "%s%s", o > 0 ? "; " : "", json_string_value(e));
		if (o >= sizeof(st->errors))
			o = sizeof(st->errors) - 1;
	}
	/* The messages end in a space ("memberID:... alarm:NOSPACE "). */
	while (o > 0 && st->errors[o - 1] == ' ')
		st->errors[--o] = '\0';
	r = PKI_OK;
 out:
	json_decref(ans);
	if (r != 0)
		memset(st, 0, sizeof(*st));
	return r;
}

/* Copies a JSON array of strings into a new vector. */
static int
get_strv(const json_t *arr, char ***v, size_t *n)
{
	struct pki_strv	 sv = { NULL, 0 };
	const json_t	*e;
	size_t		 i;

	*v = NULL;
	*n = 0;
	json_array_foreach(arr, i, e) {
		if (!json_is_string(e))
			continue;
		if (pki_strv_push(&sv, json_string_value(e)) != 0) {
			pki_strv_clear(&sv);
			return PKI_ERR_ALLOC;
		}
	}
	*v = sv.v;
	*n = sv.n;
	return PKI_OK;
}

void
pki_etcd_members_free(struct pki_etcd_member *m, size_t n)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(m[i].name);
		pki_strv_free(m[i].peer_urls, m[i].npeer_urls);
		pki_strv_free(m[i].client_urls, m[i].nclient_urls);
	}
	free(m);
}

int
pki_etcd_members(struct pki_etcd *c, int ep, struct pki_etcd_member **members,
    size_t *n, struct pki_error *err)
{
	static const char	 path[] = "/v3/cluster/member/list";
	struct pki_etcd_member	*m = NULL;
	json_t			*ans = NULL;
	const json_t		*arr, *e;
	const char		*url;
	size_t			 i, cnt = 0;
	int			 r;

	if (members != NULL)
		*members = NULL;
	if (n != NULL)
		*n = 0;
	if (members == NULL || n == NULL)
		return pki_err(err, PKI_ERR_ARG, "etcd members: no result");
	if ((r = post(c, ep, path, strdup("{}"), &ans, &url, err)) != 0)
		return r;
	arr = json_object_get(ans, "members");
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		r = pki_err(err, PKI_ERR_JSON, "%s: %s: the answer has no "
		    "\"members\"", url, path);
		goto out;
	}
	if ((m = calloc(json_array_size(arr), sizeof(*m))) == NULL)
		goto oom;
	json_array_foreach(arr, i, e) {
		if (!json_is_object(e)) {
			r = pki_err(err, PKI_ERR_JSON, "%s: %s: members[%zu]: "
			    "not an object", url, path, i);
			goto out;
		}
		cnt++;
		if ((r = get_u64(url, path, e, "ID", 1, &m[i].id, err)) != 0)
			goto out;
		if ((m[i].name = get_str(e, "name")) == NULL ||
		    get_strv(json_object_get(e, "peerURLs"), &m[i].peer_urls,
		    &m[i].npeer_urls) != 0 ||
		    get_strv(json_object_get(e, "clientURLs"),
		    &m[i].client_urls, &m[i].nclient_urls) != 0)
			goto oom;
		m[i].learner = json_is_true(json_object_get(e, "isLearner"));
	}
	*members = m;
	*n = cnt;
	m = NULL;
	r = PKI_OK;
	goto out;
 oom:
	r = pki_err(err, PKI_ERR_ALLOC, "etcd members: out of memory");
 out:
	pki_etcd_members_free(m, cnt);
	json_decref(ans);
	return r;
}

int
pki_etcd_alarms(struct pki_etcd *c, int ep, size_t *n, char *desc,
    size_t len, struct pki_error *err)
{
	static const char	 path[] = "/v3/maintenance/alarm";
	json_t			*ans = NULL;
	const json_t		*e, *kind;
	const char		*url;
	uint64_t		 id;
	size_t			 i, o = 0;
	int			 r;

	if (n != NULL)
		*n = 0;
	if (desc != NULL && len > 0)
		desc[0] = '\0';
	if (n == NULL)
		return pki_err(err, PKI_ERR_ARG, "etcd alarms: no result");
	/* No alarm: the answer is {} (not even a header). */
	if ((r = post(c, ep, path, dump(json_pack("{s:s}", "action", "GET")),
	    &ans, &url, err)) != 0)
		return r;
	json_array_foreach(json_object_get(ans, "alarms"), i, e) {
		if ((r = get_u64(url, path, e, "memberID", 0, &id, err)) != 0)
			goto out;
		/* The zero value, NONE, is left out. */
		kind = json_object_get(e, "alarm");
		(*n)++;
		if (desc == NULL || len == 0 || o + 1 >= len)
			continue;
		o += (size_t)snprintf(desc + o, len - o, "%s%s on %" PRIx64,
		    o > 0 ? ", " : "", json_is_string(kind) ?
		    json_string_value(kind) : "NONE", id);
		if (o >= len)
			o = len - 1;
	}
	r = PKI_OK;
 out:
	if (r != 0) {
		*n = 0;
		if (desc != NULL && len > 0)
			desc[0] = '\0';
	}
	json_decref(ans);
	return r;
}

int
pki_etcd_lease_grant(struct pki_etcd *c, int ep, long ttl_s, int64_t *id,
    struct pki_error *err)
{
	static const char	 path[] = "/v3/lease/grant";
	json_t			*ans = NULL;
	const json_t		*e;
	const char		*url;
	int			 r;

	if (id != NULL)
		*id = 0;
	if (id == NULL || ttl_s <= 0)
		return pki_err(err, PKI_ERR_ARG, "etcd lease grant: %s",
		    id == NULL ? "no result" : "the TTL must be positive");
	if ((r = post(c, ep, path, dump(json_pack("{s:I}", "TTL",
	    (json_int_t)ttl_s)), &ans, &url, err)) != 0)
		return r;
	e = json_object_get(ans, "error");
	if (json_is_string(e) && json_string_length(e) > 0) {
		r = pki_err(err, PKI_ERR_IO, "%s: %s: %.200s", url, path,
		    json_string_value(e));
		goto out;
	}
	if ((r = get_i64(url, path, ans, "ID", 1, id, err)) != 0)
		goto out;
	if (*id == 0) {
		r = pki_err(err, PKI_ERR_JSON, "%s: %s: lease ID 0", url, path);
		goto out;
	}
	r = PKI_OK;
 out:
	json_decref(ans);
	return r;
}

int
pki_etcd_lease_keepalive(struct pki_etcd *c, int ep, int64_t id, long *ttl_s,
    struct pki_error *err)
{
	static const char	 path[] = "/v3/lease/keepalive";
	json_t			*ans = NULL;
	const json_t		*res, *e;
	const char		*url;
	int64_t			 ttl = 0;
	char			 m[4 * ETCD_SNIPPET];
	int			 r;

	if (ttl_s != NULL)
		*ttl_s = 0;
	if (ttl_s == NULL || id <= 0)
		return pki_err(err, PKI_ERR_ARG, "etcd lease keepalive: %s",
		    ttl_s == NULL ? "no result" : "no lease");
	/*
	 * A stream: one message in, one out, then the end of our side ends
	 * the server's.  Each message of the answer is {"result":...} or
	 * {"error":{"message",...}}.
	 */
	if ((r = post(c, ep, path, body_id("ID", (uint64_t)id), &ans, &url,
	    err)) != 0)
		return r;
	if ((res = json_object_get(ans, "result")) == NULL) {
		e = json_object_get(json_object_get(ans, "error"), "message");
		if (json_is_string(e))
			pki_curl_snippet(json_string_value(e),
			    json_string_length(e), ETCD_SNIPPET, m, sizeof(m));
		else
			snprintf(m, sizeof(m), "no \"result\" in the answer");
		r = pki_err(err, PKI_ERR_IO, "%s: %s: %s", url, path, m);
		goto out;
	}
	if ((r = get_i64(url, path, res, "TTL", 0, &ttl, err)) != 0)
		goto out;
	/* An unknown or expired lease: TTL 0, which the gateway omits. */
	if (ttl <= 0) {
		r = pki_err(err, PKI_ERR_IO, "%s: %s: lease %" PRIx64 " not "
		    "found (expired or revoked)", url, path, (uint64_t)id);
		goto out;
	}
	*ttl_s = ttl > LONG_MAX ? LONG_MAX : (long)ttl;
	r = PKI_OK;
 out:
	json_decref(ans);
	return r;
}

int
pki_etcd_lease_revoke(struct pki_etcd *c, int ep, int64_t id,
    struct pki_error *err)
{
	json_t		*ans = NULL;
	const char	*url;
	int		 r;

	if (id <= 0)
		return pki_err(err, PKI_ERR_ARG, "etcd lease revoke: no lease");
	r = post(c, ep, "/v3/lease/revoke", body_id("ID", (uint64_t)id), &ans,
	    &url, err);
	json_decref(ans);
	return r;
}

/*
 * The first key of name's lock queue (lowest create revision: the holder)
 * through endpoint ep; *used the endpoint that answered.  *found is 0 when
 * there is none; else *lease and holder describe it.
 */
static int
lock_holder(const struct pki_etcd *c, int ep, const char *name, int *used,
    int *found, int64_t *lease, char *holder, size_t holderlen,
    struct pki_error *err)
{
	static const char	 path[] = "/v3/kv/range";
	json_t			*ans = NULL;
	const json_t		*kv, *k;
	char			*pfx = NULL, *end = NULL, *b64k = NULL;
	char			*b64e = NULL, *body = NULL, shown[256];
	unsigned char		*key = NULL;
	size_t			 n, keylen = 0;
	int64_t			 rev = 0;
	int			 r = PKI_ERR_INTERNAL;

	*used = -1;
	*found = 0;
	*lease = 0;
	/* "name/" up to "name0": every key with the prefix "name/". */
	if (asprintf(&pfx, "%s/", name) == -1) {
		pfx = NULL;
		goto oom;
	}
	if ((end = strdup(pfx)) == NULL)
		goto oom;
	n = strlen(end);
	end[n - 1] = '/' + 1;
	if ((b64k = pki_b64_encode(pfx, n)) == NULL ||
	    (b64e = pki_b64_encode(end, n)) == NULL)
		goto oom;
	if ((body = dump(json_pack("{s:s, s:s, s:i, s:s, s:s, s:b}",
	    "key", b64k, "range_end", b64e, "limit", 1, "sort_order",
	    "ASCEND", "sort_target", "CREATE", "keys_only", 1))) == NULL)
		goto oom;
	if ((r = etcd_call(c, ep, path, body, 0, 0, &ans, used, NULL, NULL,
	    err)) != 0)
		goto out;
	kv = json_array_get(json_object_get(ans, "kvs"), 0);
	if (kv == NULL) {
		r = PKI_OK;
		goto out;
	}
	k = json_object_get(kv, "key");
	if (!json_is_string(k) || (r = pki_b64_decode(json_string_value(k),
	    &key, &keylen)) != 0) {
		r = r == PKI_ERR_ALLOC ? pki_err(err, r, "etcd: out of "
		    "memory") : pki_err(err, PKI_ERR_JSON, "%s: %s: kvs[0]."
		    "key: not base64", c->eps[*used], path);
		goto out;
	}
	if ((r = get_i64(c->eps[*used], path, kv, "lease", 0, lease,
	    err)) != 0 ||
	    (r = get_i64(c->eps[*used], path, kv, "create_revision", 0, &rev,
	    err)) != 0)
		goto out;
	pki_curl_snippet((const char *)key, keylen, 120, shown,
	    sizeof(shown));
	if (*lease != 0)
		snprintf(holder, holderlen, "key %s (lease %" PRIx64 ", "
		    "revision %" PRId64 ")", shown, (uint64_t)*lease, rev);
	else
		snprintf(holder, holderlen, "key %s (no lease, revision %"
		    PRId64 ")", shown, rev);
	*found = 1;
	r = PKI_OK;
	goto out;
 oom:
	r = pki_err(err, PKI_ERR_ALLOC, "etcd lock: out of memory");
 out:
	json_decref(ans);
	free(key);
	free(body);
	free(b64e);
	free(b64k);
	free(end);
	free(pfx);
	return r;
}

int
pki_etcd_lock(struct pki_etcd *c, int ep, const char *name, int64_t lease,
    long wait_ms, char **key, size_t *keylen, int *busy, char *holder,
    size_t holderlen, struct pki_error *err)
{
	static const char	 path[] = "/v3/lock/lock";
	json_t			*ans = NULL;
	const json_t		*k;
	char			*b64n = NULL, *body = NULL, dec[32], tm[32];
	char			 desc[300];
	unsigned char		*kb = NULL;
	size_t			 kblen = 0;
	int64_t			 owner = 0;
	int			 used = -1, found = 0, timedout = 0;
	int			 r = PKI_ERR_INTERNAL;

	if (key != NULL)
		*key = NULL;
	if (keylen != NULL)
		*keylen = 0;
	if (busy != NULL)
		*busy = 0;
	if (holder != NULL && holderlen > 0)
		holder[0] = '\0';
	if (c == NULL || name == NULL || *name == '\0' || lease <= 0 ||
	    key == NULL || keylen == NULL || busy == NULL)
		return pki_err(err, PKI_ERR_ARG, "etcd lock: no client, name, "
		    "lease or result");
	desc[0] = '\0';
	if ((r = lock_holder(c, ep, name, &used, &found, &owner, desc,
	    sizeof(desc), err)) != 0)
		return r;
	if (found && owner != lease) {
		*busy = 1;
		if (holder != NULL && holderlen > 0)
			snprintf(holder, holderlen, "%s", desc);
		return PKI_OK;
	}

	/* Free (or ours already): take it where the range was answered. */
	if (wait_ms <= 0)
		wait_ms = c->timeout_ms;
	snprintf(dec, sizeof(dec), "%" PRId64, lease);
	if ((b64n = pki_b64_encode(name, strlen(name))) == NULL ||
	    (body = dump(json_pack("{s:s, s:s}", "name", b64n, "lease",
	    dec))) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "etcd lock: out of memory");
		goto out;
	}
	if ((r = etcd_call(c, used, path, body, wait_ms, CALL_TIMEOUT_OK,
	    &ans, &used, NULL, &timedout, err)) != 0)
		goto out;
	if (timedout) {
		/* Someone took it in between: our waiter goes with the lease. */
		*busy = 1;
		pki_curl_fmt_ms(wait_ms, tm, sizeof(tm));
		if (holder != NULL && holderlen > 0)
			snprintf(holder, holderlen, "taken by another holder "
			    "while we asked (not granted within %s)", tm);
		r = PKI_OK;
		goto out;
	}
	k = json_object_get(ans, "key");
	if (!json_is_string(k) || json_string_length(k) == 0) {
		r = pki_err(err, PKI_ERR_JSON, "%s: %s: the answer has no "
		    "\"key\"", c->eps[used], path);
		goto out;
	}
	if ((r = pki_b64_decode(json_string_value(k), &kb, &kblen)) != 0) {
		r = r == PKI_ERR_ALLOC ? pki_err(err, r, "etcd lock: out of "
		    "memory") : pki_err(err, PKI_ERR_JSON, "%s: %s: \"key\": "
		    "not base64", c->eps[used], path);
		goto out;
	}
	kb[kblen] = '\0';	/* pki_b64_decode leaves a spare byte */
	*key = (char *)kb;
	*keylen = kblen;
	kb = NULL;
	r = PKI_OK;
 out:
	json_decref(ans);
	free(kb);
	free(body);
	free(b64n);
	return r;
}

int
pki_etcd_unlock(struct pki_etcd *c, int ep, const char *key, size_t keylen,
    struct pki_error *err)
{
	json_t		*ans = NULL;
	char		*b64 = NULL;
	const char	*url;
	int		 r;

	if (key == NULL || keylen == 0)
		return pki_err(err, PKI_ERR_ARG, "etcd unlock: no key");
	if ((b64 = pki_b64_encode(key, keylen)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "etcd unlock: out of memory");
	r = post(c, ep, "/v3/lock/unlock", dump(json_pack("{s:s}", "key",
	    b64)), &ans, &url, err);
	json_decref(ans);
	free(b64);
	return r;
}

/* The POST of {"name":"id"} to path, its answer dropped. */
static int
post_id(struct pki_etcd *c, int ep, const char *path, const char *name,
    uint64_t id, struct pki_error *err)
{
	json_t		*ans = NULL;
	const char	*url;
	int		 r;

	r = post(c, ep, path, body_id(name, id), &ans, &url, err);
	json_decref(ans);
	return r;
}

int
pki_etcd_move_leader(struct pki_etcd *c, int ep, uint64_t target,
    struct pki_error *err)
{
	if (target == 0)
		return pki_err(err, PKI_ERR_ARG, "etcd move leader: no target");
	/* A follower answers 412 "etcdserver: not leader". */
	return post_id(c, ep, "/v3/maintenance/transfer-leadership",
	    "targetID", target, err);
}

int
pki_etcd_member_add(struct pki_etcd *c, int ep, const char *const *peer_urls,
    size_t n, int learner, uint64_t *id, struct pki_error *err)
{
	static const char	 path[] = "/v3/cluster/member/add";
	json_t			*ans = NULL, *urls = NULL;
	const char		*url;
	size_t			 i;
	int			 r;

	*id = 0;
	if (n == 0)
		return pki_err(err, PKI_ERR_ARG, "etcd member add: no peer URL");
	if ((urls = json_array()) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "etcd: out of memory");
	for (i = 0; i < n; i++)
		if (json_array_append_new(urls, json_string(peer_urls[i])) != 0) {
			json_decref(urls);
			return pki_err(err, PKI_ERR_ALLOC, "etcd: out of memory");
		}
	if ((r = post(c, ep, path, dump(json_pack("{s:o,s:b}", "peerURLs",
	    urls, "isLearner", learner)), &ans, &url, err)) == 0)
		r = get_u64(url, path, json_object_get(ans, "member"), "ID", 1,
		    id, err);
	json_decref(ans);
	return r;
}

int
pki_etcd_member_remove(struct pki_etcd *c, int ep, uint64_t id,
    struct pki_error *err)
{
	return post_id(c, ep, "/v3/cluster/member/remove", "ID", id, err);
}

int
pki_etcd_member_promote(struct pki_etcd *c, int ep, uint64_t id,
    struct pki_error *err)
{
	return post_id(c, ep, "/v3/cluster/member/promote", "ID", id, err);
}

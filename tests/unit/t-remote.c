/*
 * t-remote.c: remote signing (reference section 7): the HMAC token and its
 * key forms, remote list normalisation, the sign request bytes, profiles
 * of a parsed config, and the transport against a tiny in-test HTTP server
 * (success, refusals, foreign answers, failover, timeout).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <jansson.h>

#include "internal.h"
#include "../tap.h"
#include "fixture.h"

#define KEY_HEX		"0123456789ABCDEF0123456789ABCDEF"

static char	tmpdir[] = "/tmp/t-remote.XXXXXX";

static int
contains(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

/* ---- token ------------------------------------------------------------ */

static void
test_token_vector(void)
{
	const char	*rel_req = "../shared/fixtures/cfssl/auth/testdata/"
	    "request.json";
	const char	*rel_auth = "../shared/fixtures/cfssl/auth/testdata/"
	    "authrequest.json";
	struct pki_error err;
	char		*req, *auth, *tok = NULL, *lower;
	size_t		 reqlen, authlen, i;
	json_t		*root;
	json_error_t	 jerr;

	req = tap_slurp(tap_srcpath(rel_req), &reqlen);
	auth = tap_slurp(tap_srcpath(rel_auth), &authlen);
	if (req == NULL || auth == NULL) {
		skip("cfssl fixtures auth/testdata/{request,authrequest}.json "
		    "not present");
		skip("cfssl fixtures auth/testdata not present");
		skip("cfssl fixtures auth/testdata not present");
		free(req);
		free(auth);
		return;
	}
	root = json_loadb(auth, authlen, 0, &jerr);
	memset(&err, 0, sizeof(err));
	is_int(pki_remote_token(KEY_HEX, req, reqlen, &tok, &err), 0,
	    "token over auth/testdata/request.json");
	is_str(tok, json_string_value(json_object_get(root, "token")),
	    "token matches auth/testdata/authrequest.json");
	free(tok);
	tok = NULL;
	/* Any-case hex. */
	lower = strdup(KEY_HEX);
	for (i = 0; lower[i] != '\0'; i++)
		if (lower[i] >= 'A' && lower[i] <= 'F')
			lower[i] = (char)(lower[i] - 'A' + 'a');
	(void)!pki_remote_token(lower, req, reqlen, &tok, NULL);
	is_str(tok, json_string_value(json_object_get(root, "token")),
	    "lower-case hex key gives the same token");
	free(tok);
	free(lower);
	json_decref(root);
	free(req);
	free(auth);
}

static void
test_token_keys(void)
{
	/* RFC 4231 test case 2: key "Jefe". */
	const char	*msg = "what do ya want for nothing?";
	const char	*want = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=";
	struct pki_error err;
	char		*tok = NULL, path[256], spec[300];
	FILE		*fp;

	memset(&err, 0, sizeof(err));
	is_int(pki_remote_token("4a656665", msg, strlen(msg), &tok, &err), 0,
	    "hex key");
	is_str(tok, want, "RFC 4231 case 2 HMAC-SHA256, base64");
	free(tok);
	tok = NULL;

	setenv("T_REMOTE_KEY", " 4A656665\n", 1);
	is_int(pki_remote_token("env:T_REMOTE_KEY", msg, strlen(msg), &tok,
	    &err), 0, "env: key");
	is_str(tok, want, "env: key, trimmed");
	free(tok);
	tok = NULL;

	unsetenv("T_REMOTE_KEY_UNSET");
	memset(&err, 0, sizeof(err));
	is_int(pki_remote_token("env:T_REMOTE_KEY_UNSET", msg, strlen(msg),
	    &tok, &err), PKI_ERR_CONFIG, "env: key, variable unset");
	ok(contains(err.text, "T_REMOTE_KEY_UNSET") &&
	    contains(err.text, "not set") && tok == NULL,
	    "the message names the variable: %s", err.text);
	setenv("T_REMOTE_KEY", "", 1);
	is_int(pki_remote_token("env:T_REMOTE_KEY", msg, strlen(msg), &tok,
	    &err), PKI_ERR_CONFIG, "env: key, variable empty");
	unsetenv("T_REMOTE_KEY");

	snprintf(path, sizeof(path), "%s/key", tmpdir);
	if ((fp = fopen(path, "w")) != NULL) {
		fputs("4a656665\n", fp);
		fclose(fp);
	}
	snprintf(spec, sizeof(spec), "file:%s", path);
	is_int(pki_remote_token(spec, msg, strlen(msg), &tok, &err), 0,
	    "file: key");
	is_str(tok, want, "file: key, trailing newline trimmed");
	free(tok);
	tok = NULL;
	snprintf(spec, sizeof(spec), "file:%s/nonexistent", tmpdir);
	memset(&err, 0, sizeof(err));
	ok(pki_remote_token(spec, msg, strlen(msg), &tok, &err) < 0 &&
	    contains(err.text, "nonexistent") && tok == NULL,
	    "file: key, missing file: %s", err.text);

	memset(&err, 0, sizeof(err));
	is_int(pki_remote_token("zz112233", msg, strlen(msg), &tok, &err),
	    PKI_ERR_CONFIG, "bad hex key");
	ok(contains(err.text, "not a hex string") &&
	    !contains(err.text, "zz112233"),
	    "the message does not show the key: %s", err.text);
	is_int(pki_remote_token("abc", msg, strlen(msg), &tok, &err),
	    PKI_ERR_CONFIG, "odd-length hex key");
	is_int(pki_remote_token("", msg, strlen(msg), &tok, &err),
	    PKI_ERR_CONFIG, "empty key");
	ok(tok == NULL, "no token on error");
}

/* ---- normalize ---------------------------------------------------------- */

static void
test_normalize(void)
{
	static const struct {
		const char	*in, *want;
	} good[] = {
		{ "localhost", "http://localhost:8888" },
		{ "localhost:8888", "http://localhost:8888" },
		{ "127.0.0.1:8888", "http://127.0.0.1:8888" },
		{ " 127.0.0.1 ", "http://127.0.0.1:8888" },
		{ "https://ca.example", "https://ca.example:8888" },
		{ "HTTPS://ca.example:443/", "https://ca.example:443" },
		{ "http://[::1]:9000", "http://[::1]:9000" },
		{ "[::1]", "http://[::1]:8888" },
		{ "http://ca.example:80/pki/", "http://ca.example:80/pki" },
	};
	static const struct {
		const char	*in, *what;
	} bad[] = {
		{ "", "empty" },
		{ " ", "empty" },
		{ "a:1,,b:2", "empty entry" },
		{ "ftp://x", "unsupported scheme" },
		{ "h:0", "1..65535" },
		{ "h:99999", "1..65535" },
		{ "h:", "empty port" },
		{ "h:8x", "1..65535" },
		{ "ca example", "space" },
		{ "::1", "brackets" },
		{ "http://", "no host" },
		{ "http://h/?q", "query" },
		{ "user@h", "user information" },
	};
	struct pki_error err;
	char		**urls = NULL;
	size_t		  n = 0, i;
	int		  r;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&err, 0, sizeof(err));
		r = pki_remote_normalize(good[i].in, &urls, &n, &err);
		if (!ok(r == 0 && n == 1 && strcmp(urls[0], good[i].want) == 0,
		    "normalize \"%s\" -> %s", good[i].in, good[i].want))
			diag("r %d n %zu got %s (%s)", r, n,
			    n > 0 ? urls[0] : "-", err.text);
		pki_strv_free(urls, n);
		urls = NULL;
		n = 0;
	}
	r = pki_remote_normalize("a:1, https://b:2 ,c", &urls, &n, &err);
	ok(r == 0 && n == 3 && strcmp(urls[0], "http://a:1") == 0 &&
	    strcmp(urls[1], "https://b:2") == 0 &&
	    strcmp(urls[2], "http://c:8888") == 0,
	    "a failover list keeps its order");
	pki_strv_free(urls, n);
	urls = NULL;
	n = 0;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		r = pki_remote_normalize(bad[i].in, &urls, &n, &err);
		if (!ok(r == PKI_ERR_INPUT && urls == NULL && n == 0 &&
		    contains(err.text, bad[i].what),
		    "normalize \"%s\" fails (%s)", bad[i].in, bad[i].what))
			diag("r %d: %s", r, err.text);
		pki_strv_free(urls, n);
		urls = NULL;
		n = 0;
	}
}

/* ---- sign body --------------------------------------------------------- */

static void
test_sign_body(void)
{
	const char *const	 hosts[] = { "etcd1", "10.0.0.1" };
	struct pki_remote_sign_req q;
	struct pki_error	 err;
	char			*json = NULL;
	size_t			 len = 0;

	memset(&q, 0, sizeof(q));
	q.csr_pem = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n"
	    "-----END CERTIFICATE REQUEST-----\n";
	q.hosts = hosts;
	q.nhosts = 2;
	q.profile = "peer";
	q.label = "";
	is_int(pki_remote_sign_body(&q, &json, &len, &err), 0, "sign body");
	is_str(json, "{\"hosts\":[\"etcd1\",\"10.0.0.1\"],"
	    "\"certificate_request\":\"-----BEGIN CERTIFICATE REQUEST-----"
	    "\\nMIIB\\n-----END CERTIFICATE REQUEST-----\\n\","
	    "\"profile\":\"peer\",\"crl_override\":\"\",\"label\":\"\","
	    "\"NotBefore\":\"0001-01-01T00:00:00Z\","
	    "\"NotAfter\":\"0001-01-01T00:00:00Z\",\"ReturnPrecert\":false,"
	    "\"metadata\":null}", "sign body bytes (hosts set)");
	is_int((long long)len, json != NULL ? (long long)strlen(json) : -1,
	    "sign body length");
	free(json);
	json = NULL;

	q.hosts = NULL;
	q.nhosts = 0;
	q.csr_pem = "a\"b\\c<d>e&f\001g\th\xe2\x80\xa8i\xffj";
	q.profile = NULL;
	q.label = "l";
	is_int(pki_remote_sign_body(&q, &json, &len, &err), 0,
	    "sign body, no hosts");
	is_str(json, "{\"hosts\":null,\"certificate_request\":"
	    "\"a\\\"b\\\\c\\u003cd\\u003ee\\u0026f\\u0001g\\th\\u2028i"
	    "\\ufffdj\",\"profile\":\"\",\"crl_override\":\"\",\"label\":\"l\","
	    "\"NotBefore\":\"0001-01-01T00:00:00Z\","
	    "\"NotAfter\":\"0001-01-01T00:00:00Z\",\"ReturnPrecert\":false,"
	    "\"metadata\":null}", "hosts null; Go escaping");
	free(json);
	json = NULL;

	q.csr_pem = NULL;
	is_int(pki_remote_sign_body(&q, &json, &len, &err), PKI_ERR_ARG,
	    "no CSR: PKI_ERR_ARG");
	ok(json == NULL, "no body on error");
}

/* ---- profiles ------------------------------------------------------------ */

static void
test_for_profile(void)
{
	const char	*cfgtext =
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"usages\":[\"signing\"]},\"profiles\":{"
	    "\"peer\":{\"auth_remote\":{\"remote\":\"ca\",\"auth_key\":\"k1\"}},"
	    "\"plain\":{\"remote\":\"ca\"},"
	    "\"plainkey\":{\"remote\":\"ca\",\"auth_key\":\"k1\"},"
	    "\"local\":{\"expiry\":\"1h\",\"usages\":[\"signing\"]}}},"
	    "\"auth_keys\":{\"k1\":{\"type\":\"standard\",\"key\":\""
	    KEY_HEX "\"}},"
	    "\"remotes\":{\"ca\":\"127.0.0.1:8888, localhost:9999\"}}";
	struct pki_config	*cfg = NULL;
	const struct pki_profile *p = NULL;
	struct pki_remote	 r;
	struct pki_error	 err;

	memset(&err, 0, sizeof(err));
	if (!is_int(pki_config_parse(cfgtext, strlen(cfgtext), "req.json",
	    NULL, &cfg, &err), 0, "remote config parses")) {
		diag("%s", err.text);
		return;
	}
	if (pki_config_profile(cfg, "peer", &p, &err) == 0) {
		is_int(pki_remote_for_profile(cfg, p, NULL, &r, &err), 0,
		    "auth_remote profile");
		is_str(r.urls, "127.0.0.1:8888, localhost:9999",
		    "auth_remote: URLs from remotes");
		is_str(r.auth_key, KEY_HEX, "auth_remote: key from auth_keys");
		is_str(r.auth_key_name, "k1", "auth_remote: key name");
		is_int(pki_remote_for_profile(cfg, p, "https://other:1", &r,
		    &err), 0, "override");
		ok(r.urls != NULL && strcmp(r.urls, "https://other:1") == 0 &&
		    r.auth_key != NULL && strcmp(r.auth_key, KEY_HEX) == 0,
		    "override replaces the URLs and keeps the auth key");
	} else
		ok(0, "profile peer: %s", err.text);
	if (pki_config_profile(cfg, "plain", &p, &err) == 0) {
		is_int(pki_remote_for_profile(cfg, p, NULL, &r, &err), 0,
		    "plain remote profile");
		ok(r.auth_key == NULL && contains(r.urls, "localhost:9999"),
		    "plain remote: no auth key");
	}
	if (pki_config_profile(cfg, "plainkey", &p, &err) == 0) {
		is_int(pki_remote_for_profile(cfg, p, NULL, &r, &err), 0,
		    "remote + auth_key profile");
		ok(r.auth_key == NULL,
		    "remote + auth_key sends an unauthenticated /sign (cfssl)");
	}
	if (pki_config_profile(cfg, "local", &p, &err) == 0) {
		memset(&err, 0, sizeof(err));
		is_int(pki_remote_for_profile(cfg, p, NULL, &r, &err),
		    PKI_ERR_CONFIG, "local profile without override");
		ok(contains(err.text, "local"), "the message names the "
		    "profile: %s", err.text);
		is_int(pki_remote_for_profile(cfg, p, "localhost", &r, &err),
		    0, "local profile with override (-remote)");
		ok(r.auth_key == NULL && strcmp(r.urls, "localhost") == 0,
		    "override without auth");
	}
	pki_config_free(cfg);
}

/* ---- a tiny HTTP server ----------------------------------------------------- */

struct canned {
	const char	*answer;	/* written verbatim */
	int		 delay_ms;	/* before answering */
};

static const char *
ok_env(const char *result)
{
	static char	buf[8192 + 64];

	snprintf(buf, sizeof(buf), "{\"success\":true,\"result\":%s,"
	    "\"errors\":[],\"messages\":[]}\n", result);
	return buf;
}

static char *
http(int status, const char *type, const char *body)
{
	char	*s = NULL;

	if (asprintf(&s, "HTTP/1.1 %d X\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", status, type,
	    strlen(body), body) == -1)
		abort();
	return s;
}

/* Reads one request (headers and Content-Length bytes) into buf. */
static size_t
read_request(int fd, char *buf, size_t size)
{
	size_t	 len = 0, want = 0;
	ssize_t	 n;
	char	*hend, *cl;

	for (;;) {
		if (len + 1 >= size)
			break;
		if ((n = read(fd, buf + len, size - 1 - len)) <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if ((hend = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		if (want == 0) {
			if ((cl = strcasestr(buf, "\r\nContent-Length:")) ==
			    NULL)
				break;
			want = (size_t)(hend + 4 - buf) +
			    strtoul(cl + 17, NULL, 10);
		}
		if (len >= want)
			break;
	}
	buf[len] = '\0';
	return len;
}

/*
 * Serves each canned answer to one connection, in order, recording request
 * k in tmpdir/req-k.  Returns the child's pid.
 */
static pid_t
serve(int lfd, const struct canned *c, size_t n)
{
	static char	 buf[65536];
	pid_t		 pid;
	size_t		 i, len;
	int		 fd;
	char		 path[256];
	FILE		*fp;
	struct timespec	 ts;

	if ((pid = fork()) != 0)
		return pid;
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < n; i++) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			_exit(1);
		len = read_request(fd, buf, sizeof(buf));
		snprintf(path, sizeof(path), "%s/req-%zu", tmpdir, i);
		if ((fp = fopen(path, "w")) != NULL) {
			fwrite(buf, 1, len, fp);
			fclose(fp);
		}
		if (c[i].delay_ms > 0) {
			ts.tv_sec = c[i].delay_ms / 1000;
			ts.tv_nsec = (c[i].delay_ms % 1000) * 1000000L;
			nanosleep(&ts, NULL);
		}
		(void)!write(fd, c[i].answer, strlen(c[i].answer));
		shutdown(fd, SHUT_WR);
		close(fd);
	}
	_exit(0);
}

static int
listener(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		slen = sizeof(sin);
	int			fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) == -1)
		return -1;
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A port nothing listens on (bound, then closed). */
static int
closed_port(void)
{
	int	port = 0, fd;

	if ((fd = listener(&port)) == -1)
		return 1;
	close(fd);
	return port;
}

/* Request k as recorded by the server, and its body. */
static char *
request(size_t k, const char **body)
{
	char	 path[256], *s, *b;
	size_t	 len;

	snprintf(path, sizeof(path), "%s/req-%zu", tmpdir, k);
	s = tap_slurp(path, &len);
	b = s != NULL ? strstr(s, "\r\n\r\n") : NULL;
	*body = b != NULL ? b + 4 : "";
	return s;
}

/* The test server's answers, in the order test_transport asks. */
static size_t
canned_answers(struct canned *c, char **ans, const char *certjson,
    const char *cajson, const char *otherjson)
{
	char	res[4096], info[4096], other[4096];
	size_t	i, j;

	/* A real certificate for the request: pki_remote_sign checks it. */
	snprintf(res, sizeof(res), "{\"certificate\":%s}", certjson);
	i = 0;
	ans[i] = http(200, "application/json", ok_env(res));
	c[i].answer = ans[i];
	c[i++].delay_ms = 0;
	ans[i] = http(200, "application/json", ok_env(res));
	c[i].answer = ans[i];
	c[i++].delay_ms = 0;
	ans[i] = http(200, "application/json", "{\"success\":false,"
	    "\"result\":null,\"errors\":[{\"code\":5300,\"message\":"
	    "\"Policy violation request\"}],\"messages\":[]}\n");
	c[i].answer = ans[i];
	c[i++].delay_ms = 0;
	ans[i] = http(400, "text/plain; charset=utf-8", "{\"success\":false,"
	    "\"result\":null,\"errors\":[{\"code\":400,\"message\":"
	    "\"invalid token\"}],\"messages\":[]}\n");
	c[i].answer = ans[i];
	c[i++].delay_ms = 0;
	ans[i] = http(502, "text/html", "bad gateway\n\001x\xff\x9b\n");
	c[i].answer = ans[i];
	c[i++].delay_ms = 0;
	ans[i] = http(200, "text/plain", "hello\n");
	c[i].answer = ans[i];
	c[i++].delay_ms = 0;
	ans[i] = http(200, "application/json", "{\"certificate\":\"x\"}");
	c[i].answer = ans[i];
	c[i++].delay_ms = 0;
	ans[i] = http(200, "application/json", ok_env("{}"));
	c[i].answer = ans[i];
	c[i++].delay_ms = 0;
	ans[i] = strdup("xyzzy plugh\r\n\r\n");
	c[i].answer = ans[i];
	c[i++].delay_ms = 0;
	ans[i] = http(200, "application/json", ok_env("{\"certificate\":"
	    "\"C\",\"usages\":[\"signing\"],\"expiry\":\"1h\"}"));
	c[i].answer = ans[i];
	c[i++].delay_ms = 0;
	/* 10 to 14: who signed the answer (pinned, or the server's /info). */
	snprintf(info, sizeof(info), "{\"certificate\":%s}", cajson);
	snprintf(other, sizeof(other), "{\"certificate\":%s}", otherjson);
	for (j = 0; j < 5; j++) {
		ans[i] = http(200, "application/json", ok_env(j == 2 ? info :
		    j == 4 ? other : res));
		c[i].answer = ans[i];
		c[i++].delay_ms = 0;
	}
	ans[i] = http(200, "application/json", ok_env("{\"certificate\":"
	    "\"late\"}"));
	c[i].answer = ans[i];
	c[i++].delay_ms = 1500;
	return i;
}

/* Answers 10 to 14: who signed the answer (pinned, or the server's /info). */
static void
issuer_checks(const struct pki_remote *r, struct pki_remote_sign_req *q,
    const char *base, const struct pki_cert *other, size_t *k)
{
	struct pki_error	 err;
	struct pki_cert		*got = NULL;
	char			*cert = NULL, *rq, want[512];
	const char		*body;
	size_t			 len = 0;

	/* 10: pinned to another CA (of the same name): refused. */
	q->issuer = other;
	memset(&err, 0, sizeof(err));
	is_int(pki_remote_sign(r, q, &cert, &len, &err), PKI_ERR_POLICY,
	    "pinned to another CA: refused");
	snprintf(want, sizeof(want), "%s: the server's certificate is refused: "
	    "the CA it must come from did not sign it; nothing written", base);
	is_str(err.text, want, "... saying why");
	ok(cert == NULL, "... no certificate");
	free(request((*k)++, &body));

	/* 11, 12: not pinned: the same server's /info certificate. */
	q->issuer = NULL;
	q->fetched = &got;
	memset(&err, 0, sizeof(err));
	if (!is_int(pki_remote_sign(r, q, &cert, &len, &err), 0,
	    "not pinned: checked against the server's info certificate"))
		diag("%s", err.text);
	ok(got != NULL && cert != NULL &&
	    pki_remote_check_issuer("u", cert, len, got, &err) == PKI_OK,
	    "... which it hands back (q->fetched), the answer's issuer");
	is_int(pki_remote_check_issuer("u", cert, len, other, &err),
	    PKI_ERR_POLICY, "... another CA of the same name is not");
	is_int(pki_remote_check_issuer("u", cert, len, NULL, &err),
	    PKI_ERR_ARG, "... and no CA is an argument error");
	pki_cert_free(got);
	got = NULL;
	free(cert);
	cert = NULL;
	free(request((*k)++, &body));
	rq = request((*k)++, &body);
	ok(rq != NULL && strncmp(rq, "POST /api/v1/cfssl/info ", 24) == 0,
	    "... asked with POST /api/v1/cfssl/info");
	is_str(body, "{\"label\":\"\",\"profile\":\"peer\"}",
	    "... for the same label and profile");
	free(rq);

	/* 13, 14: the server's info names another CA: refused. */
	memset(&err, 0, sizeof(err));
	got = (struct pki_cert *)(uintptr_t)other;	/* cleared on failure */
	is_int(pki_remote_sign(r, q, &cert, &len, &err), PKI_ERR_POLICY,
	    "info names another CA: refused");
	is_str(err.text, want, "... saying why");
	ok(got == NULL, "... and hands back no issuer");
	q->fetched = NULL;
	free(request((*k)++, &body));
	free(request((*k)++, &body));
}

/* Answers 2 to 8: refusals, and answers that are not cfssl's. */
static void
transport_errors(const struct pki_remote *r,
    const struct pki_remote_sign_req *q, const char *base)
{
	struct pki_error	 err;
	char			*cert = NULL, want[512];
	size_t			 len = 0;

	/* 2: success:false. */
	memset(&err, 0, sizeof(err));
	is_int(pki_remote_sign(r, q, &cert, &len, &err), PKI_ERR_POLICY,
	    "success:false");
	snprintf(want, sizeof(want), "%s: the server refused the request: "
	    "code 5300: Policy violation request", base);
	is_str(err.text, want, "success:false message");
	ok(cert == NULL && len == 0, "no certificate on error");

	/* 3: HTTP 400 envelope. */
	is_int(pki_remote_sign(r, q, &cert, &len, &err), PKI_ERR_POLICY,
	    "HTTP 400 envelope");
	snprintf(want, sizeof(want), "%s: the server refused the request: "
	    "HTTP 400, code 400: invalid token", base);
	is_str(err.text, want, "HTTP 400 message");

	/* 4: HTTP 502, not an envelope. */
	is_int(pki_remote_sign(r, q, &cert, &len, &err), PKI_ERR_IO,
	    "HTTP 502");
	snprintf(want, sizeof(want), "%s: HTTP 502: bad gateway\\n\\x01x"
	    "\\xff\\x9b",
	    base);
	is_str(err.text, want, "HTTP 502 message, one line");

	/* 5: 200, not JSON. */
	ok(pki_remote_sign(r, q, &cert, &len, &err) == PKI_ERR_JSON &&
	    contains(err.text, base) &&
	    contains(err.text, "not a cfssl API response") &&
	    strchr(err.text, '\n') == NULL, "200 not JSON: %s", err.text);

	/* 6: 200 JSON, no envelope. */
	ok(pki_remote_sign(r, q, &cert, &len, &err) == PKI_ERR_JSON &&
	    contains(err.text, "not a cfssl API response"),
	    "200 JSON without envelope: %s", err.text);

	/* 7: success, no certificate. */
	ok(pki_remote_sign(r, q, &cert, &len, &err) == PKI_ERR_JSON &&
	    contains(err.text, "no certificate"),
	    "success without certificate: %s", err.text);

	/* 8: not HTTP at all. */
	ok(pki_remote_sign(r, q, &cert, &len, &err) < 0 &&
	    contains(err.text, base) && cert == NULL,
	    "garbage answer: %s", err.text);
}

static void
test_transport(void)
{
	struct pki_remote_sign_req q;
	struct pki_remote	 r;
	struct pki_error	 err;
	struct canned		 c[17];
	char			*ans[17], urls[256], base[64], want[512];
	char			*cert = NULL, *info = NULL, *inner = NULL;
	char			*tok = NULL, *rq;
	const char		*body;
	const char *const	 hosts[] = { "etcd1" };
	size_t			 len = 0, innerlen = 0, k = 0, i;
	unsigned char		 dec[4096];
	int			 lfd, port, dead, status, dlen;
	pid_t			 pid;
	json_t			*root;
	json_error_t		 jerr;
	struct fx_ca		 ca, other;
	struct fx_leaf		 leaf;
	struct pki_config	*cfg;
	const struct pki_profile *prof;
	json_t			*js;
	char			*certjson = NULL, *cajson = NULL;
	char			*otherjson = NULL;

	if ((lfd = listener(&port)) == -1) {
		skip("cannot listen on 127.0.0.1: %s", strerror(errno));
		return;
	}
	dead = closed_port();
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	fx_ca_new(&ca, "remote CA", time(NULL));
	cfg = fx_config("1h", FX_USAGES, &prof);
	fx_leaf_new(&leaf, &ca, "{\"CN\":\"etcd1\",\"hosts\":[\"etcd1\"],"
	    "\"key\":{\"algo\":\"ecdsa\",\"size\":256}}", prof, time(NULL),
	    NULL);
	js = json_string(leaf.cert);
	certjson = json_dumps(js, JSON_ENCODE_ANY);
	json_decref(js);
	fx_ca_new(&other, "remote CA", time(NULL));	/* same name */
	js = json_string(ca.pem);
	cajson = json_dumps(js, JSON_ENCODE_ANY);
	json_decref(js);
	js = json_string(other.pem);
	otherjson = json_dumps(js, JSON_ENCODE_ANY);
	json_decref(js);
	i = canned_answers(c, ans, certjson, cajson, otherjson);
	pid = serve(lfd, c, i);
	close(lfd);
	if (pid == -1) {
		skip("fork: %s", strerror(errno));
		goto out;
	}

	memset(&q, 0, sizeof(q));
	q.csr_pem = leaf.csr;
	q.hosts = hosts;
	q.nhosts = 1;
	q.profile = "peer";
	q.label = "";
	q.issuer = ca.cert;	/* pinned: no /info request until 11 */
	(void)!pki_remote_sign_body(&q, &inner, &innerlen, NULL);
	memset(&r, 0, sizeof(r));
	r.timeout_ms = 5000;

	/* 0: plain /sign, failover past a dead remote. */
	snprintf(urls, sizeof(urls), "127.0.0.1:%d,127.0.0.1:%d", dead, port);
	r.urls = urls;
	memset(&err, 0, sizeof(err));
	if (!is_int(pki_remote_sign(&r, &q, &cert, &len, &err), 0,
	    "sign through the second remote (first refused)"))
		diag("%s", err.text);
	is_str(cert, leaf.cert, "certificate from the envelope");
	is_int((long long)len, cert != NULL ? (long long)strlen(cert) : -1,
	    "certificate length");
	free(cert);
	cert = NULL;
	rq = request(k++, &body);
	ok(rq != NULL && strncmp(rq, "POST /api/v1/cfssl/sign HTTP/1.1\r\n",
	    34) == 0, "POST /api/v1/cfssl/sign");
	ok(contains(rq, "\r\nContent-Type: application/json\r\n") &&
	    contains(rq, "\r\nConnection: close\r\n"),
	    "Content-Type and Connection headers");
	is_str(body, inner, "the body is the sign request");
	free(rq);

	/* 1: /authsign. */
	snprintf(urls, sizeof(urls), "%s", base);
	r.auth_key = KEY_HEX;
	r.auth_key_name = "k1";
	if (!is_int(pki_remote_sign(&r, &q, &cert, &len, &err), 0,
	    "authsign"))
		diag("%s", err.text);
	is_str(cert, leaf.cert, "authsign certificate");
	free(cert);
	cert = NULL;
	rq = request(k++, &body);
	ok(rq != NULL && strncmp(rq, "POST /api/v1/cfssl/authsign ", 28) == 0,
	    "POST /api/v1/cfssl/authsign");
	root = json_loads(body, 0, &jerr);
	(void)!pki_remote_token(KEY_HEX, inner, innerlen, &tok, NULL);
	ok(json_is_integer(json_object_get(root, "timestamp")) &&
	    labs((long)(json_integer_value(json_object_get(root,
	    "timestamp")) - time(NULL))) < 60, "timestamp is now");
	is_str(json_string_value(json_object_get(root, "token")), tok,
	    "token = HMAC of the inner request");
	dlen = -1;
	if (json_is_string(json_object_get(root, "request")) &&
	    json_string_length(json_object_get(root, "request")) <
	    sizeof(dec) / 4 * 3)
		dlen = EVP_DecodeBlock(dec, (const unsigned char *)
		    json_string_value(json_object_get(root, "request")),
		    (int)json_string_length(json_object_get(root,
		    "request")));
	ok(dlen >= (int)innerlen && dlen - (int)innerlen <= 2 &&
	    memcmp(dec, inner, innerlen) == 0,
	    "request = base64 of the inner request");
	ok(strstr(body, "PRIVATE KEY") == NULL && strncmp(body,
	    "{\"timestamp\":", 13) == 0, "wrapper in Go's order");
	json_decref(root);
	free(tok);
	free(rq);
	r.auth_key = NULL;

	transport_errors(&r, &q, base);
	k += 7;

	/* 9: info. */
	memset(&err, 0, sizeof(err));
	if (!is_int(pki_remote_info(&r, "primary", "peer", &info, &err), 0,
	    "info"))
		diag("%s", err.text);
	is_str(info, "{\"certificate\":\"C\",\"usages\":[\"signing\"],"
	    "\"expiry\":\"1h\"}", "info result as compact JSON");
	free(info);
	rq = request(k++, &body);
	ok(rq != NULL && strncmp(rq, "POST /api/v1/cfssl/info ", 24) == 0,
	    "POST /api/v1/cfssl/info");
	is_str(body, "{\"label\":\"primary\",\"profile\":\"peer\"}",
	    "info body");
	free(rq);

	issuer_checks(&r, &q, base, other.cert, &k);

	/* All remotes down. */
	snprintf(urls, sizeof(urls), "127.0.0.1:%d, localhost:%d", dead, dead);
	memset(&err, 0, sizeof(err));
	is_int(pki_remote_sign(&r, &q, &cert, &len, &err), PKI_ERR_IO,
	    "all remotes down");
	snprintf(want, sizeof(want), "http://127.0.0.1:%d: cannot connect",
	    dead);
	ok(contains(err.text, want) && contains(err.text, "localhost") &&
	    contains(err.text, "no remote answered"),
	    "the message lists every remote: %s", err.text);

	/* 10: slow server. */
	snprintf(urls, sizeof(urls), "%s", base);
	r.timeout_ms = 400;
	memset(&err, 0, sizeof(err));
	is_int(pki_remote_sign(&r, &q, &cert, &len, &err), PKI_ERR_IO,
	    "slow server");
	snprintf(want, sizeof(want), "%s: no answer within 400ms", base);
	is_str(err.text, want, "timeout message");

	ok(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "the test server served every answer");
 out:
	free(inner);
	for (k = 0; k < i; k++)
		free(ans[k]);
	free(certjson);
	free(cajson);
	free(otherjson);
	fx_leaf_free(&leaf);
	pki_config_free(cfg);
	fx_ca_free(&ca);
	fx_ca_free(&other);
}

int
main(void)
{
	char	cmd[300];

	if (mkdtemp(tmpdir) == NULL) {
		diag("mkdtemp: %s", strerror(errno));
		return 1;
	}
	test_token_vector();
	test_token_keys();
	test_normalize();
	test_sign_body();
	test_for_profile();
	test_transport();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	(void)!system(cmd);
	return done_testing();
}

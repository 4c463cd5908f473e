/*
 * t-renewca.c: a CA re-signed with its own key (pki/renewca.c): the same
 * subject and a new serial for its own validity length or -expiry, a
 * leaf refused; the strictness policy on a short validity (the backdate
 * cut, warned or refused with -strict); the file ca renew replaces in place (plain paths,
 * file:PATH, and the refusals of "-", env:VAR, links and missing files);
 * and the line it reports, refused for a CA already expired.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pki.h"
#include "../tap.h"
#include "fixture.h"

static void
test_resign(const struct fx_ca *ca, time_t now)
{
	const struct pki_profile	*prof = NULL;
	struct pki_config		*cfg;
	struct pki_cert_facts		 of, nf;
	struct pki_issued		 is;
	struct pki_error		 err;
	struct pki_cert			*leaf = NULL;
	struct fx_leaf			 l;
	char				 line[512];

	memset(&err, 0, sizeof(err));
	memset(&of, 0, sizeof(of));
	memset(&nf, 0, sizeof(nf));
	is_int(pki_ca_resign(ca->cert, ca->key, "ca.pem", -1, NULL, &is, &err),
	    0, "re-signed");
	ok(is.x509 != NULL && is.serial[0] != '\0' && is.cert != NULL,
	    "... as a certificate object and PEM");
	if (is.x509 == NULL || pki_cert_facts(ca->cert, &of, &err) != 0 ||
	    pki_cert_facts(is.x509, &nf, &err) != 0) {
		diag("facts: %s", err.text);
		return;
	}
	ok(strcmp(of.subject, nf.subject) == 0 && nf.is_ca, "... the same "
	    "subject, a CA");
	ok(strcmp(of.serial, nf.serial) != 0, "... a new serial");
	ok(nf.not_after - nf.not_before == of.not_after - of.not_before,
	    "... for the CA's own validity length");
	is_int(pki_ca_renew_line(ca->cert, is.x509, now, line, sizeof(line),
	    &err), 0, "the report line");
	ok(strncmp(line, "renewed: serial ", 16) == 0 && strstr(line,
	    "(same key and subject); etcd loads trusted CAs only at start") !=
	    NULL, "... serials and ends, and the restart (%s)", line);
	is_int(pki_ca_renew_line(ca->cert, is.x509, (time_t)nf.not_after,
	    line, sizeof(line), &err), PKI_ERR_ARG, "a CA already expired "
	    "at now: refused");
	ok(strncmp(err.text, "the renewed CA would expire at ", 31) == 0,
	    "... saying so");
	pki_cert_facts_clear(&nf);
	pki_issued_clear(&is);

	memset(&err, 0, sizeof(err));
	is_int(pki_ca_resign(ca->cert, ca->key, "ca.pem", (int64_t)3600 *
	    1000000000, NULL, &is, &err), 0, "re-signed for an hour");
	ok(is.x509 != NULL && pki_cert_facts(is.x509, &nf, &err) == 0 &&
	    nf.not_after - nf.not_before <= 3600 + 300, "... an hour's "
	    "validity (backdated at most 5 minutes)");
	pki_cert_facts_clear(&nf);
	pki_cert_facts_clear(&of);
	pki_issued_clear(&is);

	cfg = fx_config("2160h", FX_USAGES, &prof);
	fx_leaf_new(&l, ca, FX_CSR1, prof, now, NULL);
	memset(&err, 0, sizeof(err));
	if (pki_cert_load(l.cert, strlen(l.cert), "leaf.pem", &leaf, &err) !=
	    0)
		diag("leaf: %s", err.text);
	ok(pki_ca_resign(leaf, ca->key, "leaf.pem", -1, NULL, &is, &err) != 0 &&
	    strncmp(err.text, "leaf.pem: ", 10) == 0, "a leaf is refused, "
	    "naming it (%s)", err.text);
	pki_issued_clear(&is);
	pki_cert_free(leaf);
	fx_leaf_free(&l);
	pki_config_free(cfg);
}

/*
 * The strictness policy (ca renew -expiry, gencert -renewca of a short-
 * lived CA): a validity under 10 times the backdate cuts the backdate,
 * with a warning naming -expiry or the CA's own validity; -strict
 * refuses it.
 */
static void
test_policy(const struct fx_ca *ca)
{
	struct pki_parse_opts	 po;
	struct pki_cert_facts	 nf;
	struct pki_issued	 is, is2;
	struct pki_error	 err;
	int64_t			 m20 = (int64_t)20 * 60 * 1000000000;

	memset(&err, 0, sizeof(err));
	memset(&nf, 0, sizeof(nf));
	memset(&po, 0, sizeof(po));
	po.warn = tap_collect;
	tap_warnings[0] = '\0';
	is_int(pki_ca_resign(ca->cert, ca->key, "ca.pem", m20, &po, &is,
	    &err), 0, "policy: re-signed for 20m");
	if (!ok(strstr(tap_warnings, "-expiry: 20m0s is less than 10 times "
	    "the backdate (5m0s): the backdate is cut to 2m0s") != NULL,
	    "policy: ...the backdate cut, warned naming -expiry"))
		diag("%s", tap_warnings);
	ok(is.x509 != NULL && pki_cert_facts(is.x509, &nf, &err) == 0 &&
	    nf.not_after - nf.not_before == 20 * 60, "policy: ...20 minutes "
	    "from the cut backdate");
	pki_cert_facts_clear(&nf);

	/* The 20m CA re-signed for its own validity: named "SOURCE: validity". */
	tap_warnings[0] = '\0';
	is_int(is.x509 == NULL ? -1 : pki_ca_resign(is.x509, ca->key,
	    "short.pem", -1, &po, &is2, &err), 0, "policy: the 20m CA "
	    "re-signed for its own validity");
	if (!ok(strstr(tap_warnings, "short.pem: validity: 20m0s is less "
	    "than 10 times the backdate") != NULL, "policy: ...warned naming "
	    "its validity"))
		diag("%s", tap_warnings);
	pki_issued_clear(&is2);

	po.strict = 1;
	memset(&err, 0, sizeof(err));
	ok(pki_ca_resign(ca->cert, ca->key, "ca.pem", m20, &po, &is2, &err) !=
	    0 && is2.x509 == NULL && strstr(err.text, "-expiry: 20m0s is less "
	    "than 10 times the backdate") != NULL, "policy: -strict refuses "
	    "it (%s)", err.text);
	pki_issued_clear(&is2);
	pki_issued_clear(&is);
}

static void
test_inplace(void)
{
	const char		*d = fx_dir("inplace"), *path = NULL;
	struct pki_error	 err;
	char			 spec[1024];
	mode_t			 mode = 0;

	fx_put(fx_path(d, "ca.pem"), "x\n", 0640);
	memset(&err, 0, sizeof(err));
	is_int(pki_ca_renew_inplace(fx_path(d, "ca.pem"), &path, &mode, &err),
	    0, "in place: a regular file");
	ok(path != NULL && strcmp(path, fx_path(d, "ca.pem")) == 0 &&
	    mode == 0640, "... itself, its mode");
	snprintf(spec, sizeof(spec), "file:%s", fx_path(d, "ca.pem"));
	ok(pki_ca_renew_inplace(spec, &path, &mode, &err) == 0 &&
	    strcmp(path, spec + 5) == 0, "in place: file:PATH is PATH");
	is_int(pki_ca_renew_inplace("-", &path, &mode, &err), PKI_ERR_ARG,
	    "in place: standard input refused");
	ok(strstr(err.text, "-ca -: cannot be replaced in place") != NULL,
	    "... saying so");
	is_int(pki_ca_renew_inplace("env:CA", &path, &mode, &err),
	    PKI_ERR_ARG, "in place: env:VAR refused");
	if (symlink("ca.pem", fx_path(d, "link.pem")) != 0)
		diag("symlink failed");
	is_int(pki_ca_renew_inplace(fx_path(d, "link.pem"), &path, &mode,
	    &err), PKI_ERR_INPUT, "in place: a symbolic link refused");
	ok(strstr(err.text, "link.pem: not a regular file") != NULL,
	    "... saying so");
	is_int(pki_ca_renew_inplace(fx_path(d, "gone.pem"), &path, &mode,
	    &err), PKI_ERR_IO, "in place: a missing file");
	ok(strstr(err.text, "gone.pem: No such file or directory") != NULL &&
	    path == NULL, "... saying so");
}

/* ca renew's arguments in each mode. */
static void
test_args(void)
{
	struct pki_error	err;

	memset(&err, 0, sizeof(err));
	ok(pki_ca_renew_args(1, 0, 0, 0, 1, "pki", &err) == 0 &&
	    pki_ca_renew_args(0, 1, 1, 1, 0, NULL, &err) == 0,
	    "args: -cluster DESC DIR; -ca -ca-key [-o]");
	ok(pki_ca_renew_args(1, 0, 0, 1, 1, "pki", &err) == PKI_ERR_ARG &&
	    strstr(err.text, "-o do not apply") != NULL,
	    "args: -cluster with -o");
	ok(pki_ca_renew_args(1, 0, 0, 0, 2, "a", &err) == PKI_ERR_ARG &&
	    strstr(err.text, "(got 2)") != NULL, "args: -cluster, two DIRs");
	ok(pki_ca_renew_args(0, 1, 1, 0, 1, "x.pem", &err) == PKI_ERR_ARG &&
	    strstr(err.text, "unexpected argument \"x.pem\"") != NULL,
	    "args: an argument without -cluster");
	ok(pki_ca_renew_args(0, 1, 0, 0, 0, NULL, &err) == PKI_ERR_ARG &&
	    strstr(err.text, "need -ca CERT and -ca-key KEY") != NULL,
	    "args: -ca without -ca-key");
}

int
main(void)
{
	struct fx_ca	ca;
	time_t		now = time(NULL);

	plan(22 + 6 + 5);
	fx_ca_new(&ca, "Test CA", now);
	test_resign(&ca, now);
	test_policy(&ca);
	test_inplace();
	test_args();
	fx_ca_free(&ca);
	return done_testing();
}

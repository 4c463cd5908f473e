/*
 * t-status.c: the status model (pki/status.c) on crafted certificates and
 * clocks: when a certificate is due under each rule of needs-renewal
 * (pki_due_eval); the rows of a directory, of single paths and of a
 * cluster directory (facts, renewal time, key, drift, generation, the CA
 * row, duplicates), the notes about keys and CSR JSON that cannot be
 * read, the link to the issuing CA and its warnings; the drift text; and
 * the node_exporter textfile.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "pki.h"
#include "../tap.h"
#include "fixture.h"

#define T0	((time_t)1700000000)
#define DAY	86400
#define DESC	"{\"members\": [{\"name\": \"etcd1\", \"ips\": " \
	"[\"10.0.0.1\"]}], \"clients\": [{\"name\": \"admin\"}]}"

static const struct pki_notify	nt = { fx_note, NULL };

/* ---- pki_due_eval ---------------------------------------------------- */

static int
due(int kind, long percent, int64_t left, int64_t nb, int64_t na,
    time_t now, struct pki_due *d, struct pki_error *err)
{
	struct pki_due_rule	rule;

	memset(&rule, 0, sizeof(rule));
	memset(err, 0, sizeof(*err));
	rule.kind = kind;
	rule.percent = percent;
	rule.left = left;
	pki_renew_policy_default(&rule.policy);
	rule.policy.stagger = 0;
	return pki_due_eval(&rule, nb, na, "etcd1", now, d, err);
}

static void
test_due(void)
{
	struct pki_error	err;
	struct pki_due		d;
	int64_t			na = T0 + 90 * DAY;

	is_int(due(PKI_DUE_RENEW, 0, 0, T0, na, T0 + 59 * DAY, &d, &err), 0,
	    "renew's rule: evaluated");
	ok(d.at == T0 + 60 * DAY && !d.due && !d.expired,
	    "renew's rule: due when a third is left (%lld), not yet",
	    (long long)(d.at - T0));
	ok(d.used > 65.5 && d.used < 65.6, "used: %.2f%% at 59 of 90 days",
	    d.used);
	is_int(due(PKI_DUE_RENEW, 0, 0, T0, na, T0 + 60 * DAY, &d, &err), 0,
	    "renew's rule at its time");
	ok(d.due, "renew's rule: due at renew_at");

	is_int(due(PKI_DUE_USED, 66, 0, T0, T0 + 100 * DAY, T0 + 65 * DAY,
	    &d, &err), 0, "66%% used: evaluated");
	ok(!d.due && d.at == T0 + 66 * DAY, "66%% used: not at 65%%, due at "
	    "66 days (%lld)", (long long)(d.at - T0));
	is_int(due(PKI_DUE_USED, 66, 0, T0, T0 + 100 * DAY, T0 + 66 * DAY,
	    &d, &err), 0, "66%% used at 66%%");
	ok(d.due, "66%% used: due at 66%% (step: int(used) >= N)");
	is_int(due(PKI_DUE_USED, 50, 0, T0, T0 + 7, T0, &d, &err), 0,
	    "50%% of 7 s");
	is_int((long long)(d.at - T0), 4, "the time a share is reached is "
	    "rounded up to the second");

	is_int(due(PKI_DUE_LEFT, 0, 10 * DAY, T0, na, T0 + 79 * DAY, &d,
	    &err), 0, "10 days left: evaluated");
	ok(!d.due && d.at == na - 10 * DAY, "10 days left: at notAfter - 10d, "
	    "not with 11 left");
	is_int(due(PKI_DUE_LEFT, 0, 10 * DAY, T0, na, T0 + 80 * DAY, &d,
	    &err), 0, "10 days left, at it");
	ok(d.due, "10 days left: due with 10 left");

	is_int(due(PKI_DUE_USED, 1000, 0, T0, na, na + 1, &d, &err), 0,
	    "an expired certificate");
	ok(d.due && d.expired, "expired: due whatever the rule");

	is_int(due(PKI_DUE_USED, 66, 0, T0, T0, T0, &d, &err), PKI_ERR_ARG,
	    "a lifetime that is not positive: an error");
	is_str(err.text, "the certificate's lifetime is not positive",
	    "... saying so");
	ok(d.used == 100 && d.expired, "... with used 100%% and expired");
	is_int(due(PKI_DUE_RENEW, 0, 0, T0, T0 + 60, T0, &d, &err), 0,
	    "a minute's lifetime under renew's rule");
	{
		struct pki_due_rule	rule;

		memset(&rule, 0, sizeof(rule));
		rule.kind = PKI_DUE_RENEW;
		pki_renew_policy_default(&rule.policy);
		rule.policy.before = 3600;
		is_int(pki_due_eval(&rule, T0, T0 + 60, "etcd1", T0, &d,
		    &err), PKI_ERR_ARG, "renew before 1h of a minute: an "
		    "error");
		ok(strstr(err.text, "is not shorter than the certificate's "
		    "lifetime") != NULL, "... saying so (%s)", err.text);
	}
}

/* ---- rows ------------------------------------------------------------- */

static const struct pki_status_row *
row(const struct pki_status *s, const char *name)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->rows[i].name, name) == 0)
			return &s->rows[i];
	return NULL;
}

/* check's verdict (pki_status_check) on s, the rows of test_dir's d. */
static void
test_check(const struct pki_status *s, const char *d)
{
	struct pki_check_threshold	 warn, crit;
	struct pki_check_result		 res;
	struct pki_error		 err;
	struct pki_status		 one;

	memset(&err, 0, sizeof(err));
	pki_check_thresholds_default(&warn, &crit);
	ok(warn.is_share && warn.share == 0.20 && crit.is_share &&
	    crit.share == 0.10, "check: default thresholds 20%% and 10%% left");
	is_int(pki_status_check(s, &warn, &crit, &res, &err), 0, "check: "
	    "judged");
	is_int(res.state, PKI_CHECK_CRITICAL, "check: a key mismatch is "
	    "CRITICAL, over etcd3's unreadable key");
	is_str(res.text, "etcd2: key does not match the certificate",
	    "check: the text lists the CRITICAL rows only");
	ok(res.perf != NULL && strncmp(res.perf, "'etcd1_seconds_left'=", 21) ==
	    0 && strstr(res.perf, " 'ca_seconds_left'=") != NULL,
	    "check: perfdata per certificate (%s)", res.perf);
	pki_check_result_clear(&res);
	ok(res.text == NULL && res.perf == NULL, "check: cleared");

	pki_status_init(&one, T0 + DAY, NULL, &nt);
	if (pki_status_add_path(&one, fx_path(d, "etcd1.pem"), &err) != 0)
		diag("add: %s", err.text);
	is_int(pki_status_check(&one, &warn, &crit, &res, &err), 0,
	    "check: one certificate");
	ok(res.state == PKI_CHECK_OK && strncmp(res.text, "1 certificate, "
	    "soonest etcd1 expires in ", 40) == 0, "check: OK names the "
	    "soonest (%s)", res.text);
	pki_check_result_clear(&res);
	warn.is_share = 0;
	warn.seconds = (int64_t)3650 * DAY;
	is_int(pki_status_check(&one, &warn, &crit, &res, &err), 0,
	    "check: a threshold in seconds");
	ok(res.state == PKI_CHECK_WARNING && strncmp(res.text, "etcd1 "
	    "expires in ", 17) == 0, "check: less time left than -warning: "
	    "WARNING (%s)", res.text);
	ok(res.perf != NULL && strstr(res.perf, ";315360000;") != NULL,
	    "check: the threshold in seconds in the perfdata (%s)", res.perf);
	pki_check_result_clear(&res);
	pki_status_free(&one);

	pki_status_init(&one, T0, NULL, &nt);
	ok(pki_status_check(&one, &warn, &crit, &res, &err) == 0 &&
	    res.state == PKI_CHECK_UNKNOWN && strcmp(res.text, "no "
	    "certificates found") == 0 && res.perf == NULL, "check: nothing "
	    "is UNKNOWN, without perfdata");
	pki_check_result_clear(&res);
	is_str(pki_check_state_name(PKI_CHECK_CRITICAL), "CRITICAL",
	    "check: the state's name");
}

/* needs-renewal's verdict (pki_due_cert) on row r's certificate. */
static void
test_due_cert(const struct pki_status_row *r)
{
	struct pki_due_rule	 rule;
	struct pki_error	 err;
	struct pki_due		 d;
	char			 why[160];

	memset(&err, 0, sizeof(err));
	memset(&rule, 0, sizeof(rule));
	rule.kind = PKI_DUE_USED;
	rule.percent = 66;
	if (r == NULL || r->cert == NULL) {
		diag("no certificate");
		return;
	}
	is_int(pki_due_cert(&rule, r->cert, r->path, NULL, T0 + DAY, &d, why,
	    sizeof(why), &err), 0, "needs-renewal: judged");
	ok(!d.due && strncmp(why, "1% of the lifetime used (renew at ", 34) ==
	    0, "needs-renewal: not due, the share used and when (%s)", why);
	is_int(pki_due_cert(&rule, r->cert, r->path, "10.0.0.1",
	    (time_t)r->f.not_after, &d, why, sizeof(why), &err), 0,
	    "needs-renewal: a server's certificate");
	ok(d.due && d.expired && strncmp(why, "expired ", 8) == 0,
	    "needs-renewal: expired is due (%s)", why);
	rule.kind = PKI_DUE_RENEW;
	pki_renew_policy_default(&rule.policy);
	rule.policy.before = (int64_t)3650 * DAY;
	is_int(pki_due_cert(&rule, r->cert, r->path, NULL, T0 + DAY, &d, why,
	    sizeof(why), &err), PKI_ERR_ARG, "needs-renewal: a rule that does "
	    "not fit the certificate");
	ok(strncmp(err.text, r->path, strlen(r->path)) == 0, "... naming the "
	    "file (%s)", err.text);
}

/* needs-renewal's verdict on a file: a CRL judged as a certificate is. */
static void
test_due_file(const struct fx_ca *ca)
{
	struct pki_crl_request	 q;
	struct pki_due_rule	 rule;
	struct pki_error	 err;
	struct pki_crl		*crl = NULL;
	struct pki_due		 d;
	char			 why[160], *der = NULL;
	size_t			 len = 0;

	memset(&q, 0, sizeof(q));
	memset(&err, 0, sizeof(err));
	memset(&rule, 0, sizeof(rule));
	rule.kind = PKI_DUE_USED;
	rule.percent = 66;
	q.ca = ca->cert;
	q.cakey = ca->key;
	q.this_update = T0;
	q.next_update = T0 + 10 * DAY;
	if (pki_crl_new(&q, &crl, &err) != 0 ||
	    pki_crl_encode(crl, PKI_CRL_DER, &der, &len, &err) != 0)
		diag("crl: %s", err.text);
	ok(der != NULL && pki_due_file(&rule, der, len, "crl.der", T0 + DAY,
	    &d, why, sizeof(why), &err) == 0 && !d.due && strncmp(why,
	    "10% of the lifetime used", 24) == 0, "needs-renewal: a CRL over "
	    "thisUpdate to nextUpdate (%s)", why);
	ok(der != NULL && pki_due_file(&rule, der, len, "crl.der", T0 + 7 *
	    DAY, &d, why, sizeof(why), &err) == 0 && d.due, "needs-renewal: "
	    "the CRL due at 70%%");
	ok(pki_due_file(&rule, "junk", 4, "junk.pem", T0, &d, why,
	    sizeof(why), &err) != 0 && strstr(err.text, "junk.pem") != NULL,
	    "needs-renewal: neither a certificate nor a CRL: the certificate's "
	    "error (%s)", err.text);
	free(der);
	pki_crl_free(crl);
}

static void
test_dir(const struct fx_ca *ca, const struct pki_profile *prof)
{
	const char			*d = fx_dir("set");
	const struct pki_status_row	*r, *c;
	struct pki_error		 err;
	struct pki_status		 s;
	struct fx_leaf			 l1, l2;
	int64_t				 at;

	fx_leaf_new(&l1, ca, FX_CSR1, prof, T0, NULL);
	fx_leaf_new(&l2, ca, FX_CSR1, prof, T0, NULL);
	fx_set_write(d, "etcd1", &l1, ca->pem);
	fx_put(fx_path(d, "etcd1-csr.json"), FX_CSR1X, 0644);
	/* etcd2: another key; etcd3: a key that is not one; etcd4: a CSR
	 * JSON that is not one. */
	fx_put(fx_path(d, "etcd2.pem"), l1.cert, 0644);
	fx_put(fx_path(d, "etcd2-key.pem"), l2.key, 0600);
	fx_put(fx_path(d, "etcd3.pem"), l1.cert, 0644);
	fx_put(fx_path(d, "etcd3-key.pem"), "not a key\n", 0600);
	fx_put(fx_path(d, "etcd4.pem"), l1.cert, 0644);
	fx_put(fx_path(d, "etcd4-key.pem"), l1.key, 0600);
	fx_put(fx_path(d, "etcd4-csr.json"), "{", 0644);
	/* Not a leaf: no key beside it. */
	fx_put(fx_path(d, "other.pem"), l1.cert, 0644);
	if (symlink("gen/20240101T000000.000000Z-1", fx_path(d, "current")) !=
	    0)
		diag("symlink failed");

	fx_notes_clear();
	memset(&err, 0, sizeof(err));
	pki_status_init(&s, T0 + DAY, NULL, &nt);
	is_int(pki_status_add_path(&s, d, &err), 0, "a directory: read");
	is_int((long long)s.n, 5, "four leaves with keys, then its ca.pem");
	ok(strcmp(s.rows[0].name, "etcd1") == 0 && strcmp(s.rows[3].name,
	    "etcd4") == 0 && s.rows[4].is_ca && strcmp(s.rows[4].name, "ca") ==
	    0, "leaves sorted by name, the CA last");
	r = row(&s, "etcd1");
	ok(r != NULL && r->state == PKI_ROW_OK && r->key == PKI_ROWKEY_MATCH,
	    "etcd1: read, its key matches");
	ok(r != NULL && r->seconds_left == r->f.not_after - (T0 + DAY),
	    "etcd1: seconds left at now");
	memset(&err, 0, sizeof(err));
	ok(r != NULL && pki_renew_at(r->f.not_before, r->f.not_after, "etcd1",
	    &s.policy, &at, &err) == 0 && r->has_renew_at &&
	    r->renew_at == at && !r->due, "etcd1: renew's time, not due");
	ok(r != NULL && r->drift_state == PKI_DRIFT_NONE &&
	    r->drift.nadd == 1 && strcmp(r->drift.add[0],
	    "DNS:etcd1.example") == 0, "etcd1: drift from its CSR JSON");
	ok(r != NULL && r->generation != NULL && strcmp(r->generation,
	    "gen/20240101T000000.000000Z-1") == 0, "etcd1: its generation");
	r = row(&s, "etcd2");
	ok(r != NULL && r->key == PKI_ROWKEY_MISMATCH &&
	    r->drift_state == PKI_DRIFT_NO_CSR, "etcd2: key mismatch, no CSR "
	    "JSON");
	r = row(&s, "etcd3");
	ok(r != NULL && r->key == PKI_ROWKEY_UNREADABLE, "etcd3: key "
	    "unreadable");
	ok(fx_has("etcd3-key.pem"), "... noted");
	r = row(&s, "etcd4");
	ok(r != NULL && r->drift_state == PKI_DRIFT_BAD_CSR, "etcd4: bad CSR "
	    "JSON");
	ok(fx_has("etcd4-csr.json"), "... noted");
	is_int((long long)pki_status_problems(&s), 2, "problems: an "
	    "unreadable key and a bad CSR JSON");

	pki_status_link(&s);
	test_check(&s, d);
	test_due_cert(row(&s, "etcd1"));
	test_due_file(ca);
	r = row(&s, "etcd1");
	c = row(&s, "ca");
	ok(r != NULL && c != NULL && r->ca == (long)(c - s.rows) &&
	    r->ca_warning == PKI_CAWARN_NONE, "link: etcd1's CA row, no "
	    "warning");

	/* The same CA again, by its path: no second row; a missing file. */
	memset(&err, 0, sizeof(err));
	is_int(pki_status_add_path(&s, fx_path(d, "ca.pem"), &err), 0,
	    "the CA by its path");
	is_int((long long)s.n, 5, "... is the same CA: no new row");
	is_int(pki_status_add_path(&s, fx_path(d, "gone.pem"), &err), 0,
	    "a missing file: a row");
	r = &s.rows[s.n - 1];
	ok(r->state == PKI_ROW_MISSING && strstr(r->error, "gone.pem: "
	    "missing") != NULL, "... missing (%s)", r->error);
	is_int((long long)pki_status_problems(&s), 3, "... a problem");
	memset(&err, 0, sizeof(err));
	ok(pki_status_add_path(&s, fx_path(d, "etcd1-csr.json/x"), &err) ==
	    0 && s.rows[s.n - 1].state == PKI_ROW_UNREADABLE,
	    "a path under a file: unreadable");
	r = &s.rows[s.n - 1];
	ok(r->error != NULL && strstr(r->error, "etcd1-csr.json/x: Not a "
	    "directory") != NULL, "... says why (%s)", r->error);
	memset(&err, 0, sizeof(err));
	ok(pki_status_add_path(&s, "/dev/null", &err) == 0 &&
	    s.rows[s.n - 1].state == PKI_ROW_UNREADABLE &&
	    strcmp(s.rows[s.n - 1].error, "/dev/null: not a regular file (a "
	    "character device)") == 0, "a device: unreadable, says so");
	/* A directory without any certificate is an error, not nothing. */
	memset(&err, 0, sizeof(err));
	is_int(pki_status_add_path(&s, fx_dir("empty"), &err), PKI_ERR_INPUT,
	    "an empty directory: an error");
	ok(strstr(err.text, "empty: no certificate in this directory") !=
	    NULL, "... says so (%s)", err.text);
	pki_status_free(&s);
	ok(s.rows == NULL && s.n == 0, "free");
	fx_leaf_free(&l1);
	fx_leaf_free(&l2);
}

/* pki_status_warnings on the rows of test_ca_warnings. */
static void
test_warning_texts(const struct pki_status *s)
{
	struct pki_error	 err;
	char			**w = NULL;
	size_t			 n = 0;

	memset(&err, 0, sizeof(err));
	is_int(pki_status_warnings(s, &w, &n, &err), 0, "warning texts");
	is_int((long long)n, 2, "... one per leaf with a CA warning");
	ok(n == 2 && strncmp(w[0], "CA ", 3) == 0 && strstr(w[0], "ca.pem "
	    "expires ") != NULL && strstr(w[0], ", before long would next be "
	    "renewed (") != NULL, "... the CA expires before the renewal: %s",
	    n > 0 ? w[0] : "");
	ok(n == 2 && strstr(w[1], ", before a renewal of mid at ") != NULL &&
	    strstr(w[1], " would expire (") != NULL, "... the renewal would "
	    "outlive the CA: %s", n > 1 ? w[1] : "");
	pki_strv_free(w, n);
}

/* pki_status_json on the same rows: the document status -o json prints. */
static void
test_json(const struct pki_status *s)
{
	struct pki_error	 err;
	struct json_t		*top = NULL;
	json_t			*certs, *c0, *cas;

	memset(&err, 0, sizeof(err));
	is_int(pki_status_json(s, &top, &err), 0, "the JSON document");
	ok(top != NULL && json_integer_value(json_object_get(top,
	    "version")) == 1 && json_is_string(json_object_get(top,
	    "generated")), "... version 1, generated");
	certs = json_object_get(top, "certificates");
	cas = json_object_get(top, "cas");
	is_int((long long)json_array_size(certs), 2, "... two certificates");
	is_int((long long)json_array_size(cas), 1, "... one CA");
	c0 = json_array_get(certs, 0);
	ok(json_is_string(json_object_get(c0, "serial")) &&
	    json_is_string(json_object_get(c0, "not_after")) &&
	    json_is_integer(json_object_get(c0, "seconds_left")) &&
	    json_is_real(json_object_get(c0, "percent_used")) &&
	    json_is_false(json_object_get(c0, "due")) &&
	    json_is_array(json_object_get(c0, "sans")) &&
	    json_is_null(json_object_get(c0, "error")),
	    "... a readable leaf's fields");
	ok(strcmp(json_string_value(json_object_get(c0, "key")), "match") ==
	    0 && json_is_null(json_object_get(c0, "drift")),
	    "... its key matches; no CSR JSON, no drift object");
	ok(json_object_size(json_array_get(cas, 0)) == 7 &&
	    json_is_null(json_object_get(json_array_get(cas, 0), "error")),
	    "... the CA's seven fields");
	is_int((long long)json_array_size(json_object_get(top, "warnings")), 2,
	    "... with the two warnings");
	json_decref(top);
}

/* CAs that expire before a leaf's renewal, or before its renewal would. */
static void
test_ca_warnings(const struct fx_ca *ca)
{
	const struct pki_profile	*p20 = NULL, *p13 = NULL;
	struct pki_config		*c20, *c13;
	const char			*d = fx_dir("warn");
	struct pki_error		 err;
	struct pki_status		 s;
	struct fx_leaf			 l;
	json_t				*top;
	char				**w, *doc;
	size_t				 nw;

	c20 = fx_config("175200h", FX_USAGES, &p20);
	c13 = fx_config("120000h", FX_USAGES, &p13);
	fx_leaf_new(&l, ca, FX_CSR1, p20, T0, NULL);
	fx_set_write(d, "long", &l, ca->pem);
	fx_leaf_free(&l);
	fx_leaf_new(&l, ca, FX_CSR1, p13, T0, NULL);
	fx_set_write(d, "mid", &l, NULL);
	fx_leaf_free(&l);
	memset(&err, 0, sizeof(err));
	pki_status_init(&s, T0, NULL, &nt);
	is_int(pki_status_add_path(&s, d, &err), 0, "warnings: read");
	pki_status_link(&s);
	ok(row(&s, "long") != NULL && row(&s, "long")->ca_warning ==
	    PKI_CAWARN_RENEWAL, "a 20-year leaf of a 10-year CA: the CA "
	    "expires before its renewal");
	ok(row(&s, "mid") != NULL && row(&s, "mid")->ca_warning ==
	    PKI_CAWARN_RENEWED, "a 13.7-year leaf: its renewal would outlive "
	    "the CA");
	test_warning_texts(&s);
	test_json(&s);
	/* The lines status prints, and its JSON document as it prints it. */
	w = NULL;
	nw = 0;
	memset(&err, 0, sizeof(err));
	is_int(pki_status_warnings(&s, &w, &nw, &err), 0, "warnings: made");
	ok(nw == 2 && strstr(w[0], "before long would next be renewed") !=
	    NULL && strstr(w[1], "before a renewal of mid at ") != NULL,
	    "warnings: one line per leaf (%zu: %s)", nw, nw > 0 ? w[0] : "");
	top = NULL;
	doc = pki_status_json(&s, &top, &err) == 0 ? json_dumps(top,
	    JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	ok(doc != NULL && strstr(doc, "\"version\": 1,\n  \"generated\": "
	    "\"") != NULL && strstr(doc, "\"warnings\": [\n    \"CA ") !=
	    NULL && strstr(doc, "\"key\": \"match\"") != NULL &&
	    strstr(doc, "\"cas\": [") != NULL, "the JSON document: version, "
	    "rows, CAs and the warnings");
	free(doc);
	json_decref(top);
	pki_strv_free(w, nw);
	pki_status_free(&s);
	pki_config_free(c20);
	pki_config_free(c13);
}

/* DIR/crl.der of 30 days signed at T0 - 10 days: timed as a certificate. */
static void
test_cluster_crl(const struct fx_ca *ca, const struct pki_cluster *cl,
    const char *d)
{
	struct pki_crl_request	 q;
	struct pki_error	 err;
	struct pki_status	 s;
	struct pki_crl		*crl = NULL;
	char			*pem = NULL;
	size_t			 len = 0;

	memset(&q, 0, sizeof(q));
	memset(&err, 0, sizeof(err));
	q.ca = ca->cert;
	q.cakey = ca->key;
	q.this_update = T0 - 10 * DAY;
	q.next_update = T0 + 20 * DAY;
	q.number = "7";
	if (pki_crl_new(&q, &crl, &err) != 0 ||
	    pki_crl_encode(crl, PKI_CRL_PEM, &pem, &len, &err) != 0)
		diag("crl: %s", err.text);
	else
		fx_put(fx_path(d, "crl.der"), pem, 0644);
	pki_status_init(&s, T0, NULL, &nt);
	is_int(pki_status_add_cluster(&s, cl, d, NULL, &err), 0,
	    "a CRL: read");
	ok(s.crl.st.present && s.crl.st.state == PKI_ROW_OK &&
	    strcmp(s.crl.st.info.number, "7") == 0 && s.crl.st.verified &&
	    s.crl.st.listed && s.crl.st.recorded == 0, "the CRL: number 7, "
	    "signed by the CA, listing what (no inventory) records");
	ok(s.crl.seconds_left == 20 * DAY && s.crl.age == 10 * DAY &&
	    (int)s.crl.percent_used == 33, "the CRL: 20 days left, 10 old, "
	    "33%% used");
	ok(s.crl.has_renew_at && s.crl.renew_at <= T0 + 10 * DAY &&
	    s.crl.renew_at >= T0 + 10 * DAY - 3 * DAY / 2 && !s.crl.due,
	    "the CRL: renewed when a third is left (staggered), not due");
	is_int((long long)pki_status_problems(&s), 1, "one problem: admin");
	pki_status_free(&s);
	fx_put(fx_path(d, "crl.der"), "garbage", 0644);
	pki_status_init(&s, T0, NULL, &nt);
	is_int(pki_status_add_cluster(&s, cl, d, NULL, &err), 0,
	    "a broken CRL: read");
	ok(s.crl.st.present && s.crl.st.state == PKI_ROW_UNREADABLE &&
	    s.crl.st.error != NULL && pki_status_problems(&s) == 2,
	    "a broken CRL: unreadable, a problem");
	pki_status_free(&s);
	(void)unlink(fx_path(d, "crl.der"));
	pki_crl_free(crl);
	free(pem);
}

static void
test_cluster(const struct fx_ca *ca, const struct pki_profile *prof)
{
	struct pki_cluster	*cl = fx_cluster(DESC);
	const char		*d = fx_dir("cl"), *ld;
	struct pki_error	 err;
	struct pki_status	 s;
	struct fx_leaf		 l;
	char			 sub[512];

	snprintf(sub, sizeof(sub), "%s/etcd1", d);
	if (mkdir(sub, 0700) != 0)
		diag("mkdir failed");
	ld = sub;
	fx_leaf_new(&l, ca, FX_CSR1X, prof, T0, NULL);
	fx_set_write(ld, "etcd1", &l, NULL);
	fx_put(fx_path(d, "ca.pem"), ca->pem, 0644);
	memset(&err, 0, sizeof(err));
	pki_status_init(&s, T0, NULL, &nt);
	is_int(pki_status_add_cluster(&s, cl, d, NULL, &err), 0,
	    "cluster: read");
	is_int((long long)s.n, 3, "cluster: etcd1, admin, the CA");
	ok(!s.crl.st.present, "no inventory, no CRL: CRLs not in use");
	/* No etcd1-csr.json was written: only the description has one. */
	ok(s.n == 3 && s.rows[0].state == PKI_ROW_OK &&
	    s.rows[0].drift_state == PKI_DRIFT_NONE, "etcd1: compared with "
	    "the description's CSR JSON");
	ok(s.n == 3 && s.rows[1].state == PKI_ROW_MISSING &&
	    strstr(s.rows[1].path, "/clients/admin/admin.pem") != NULL,
	    "admin: missing at its place (%s)", s.n == 3 ? s.rows[1].path :
	    "");
	ok(s.n == 3 && s.rows[2].is_ca && strcmp(s.rows[2].path,
	    fx_path(d, "ca.pem")) == 0, "the CA at DIR/ca.pem");
	pki_status_free(&s);
	pki_status_init(&s, T0, NULL, &nt);
	is_int(pki_status_add_cluster(&s, cl, d, "etcd1", &err), 0,
	    "cluster -member etcd1");
	is_int((long long)s.n, 2, "... its leaf and the CA");
	pki_status_free(&s);
	pki_status_init(&s, T0, NULL, &nt);
	is_int(pki_status_add_cluster(&s, cl, d, "nope", &err), PKI_ERR_ARG,
	    "an unknown member: an error");
	is_str(err.text, "-member: nope: no such member or client in the "
	    "description", "... naming it");
	is_int((long long)s.n, 0, "... and no row");
	pki_status_free(&s);
	test_cluster_crl(ca, cl, d);
	fx_leaf_free(&l);
	pki_cluster_free(cl);
}

static void
test_drift_text(void)
{
	struct pki_drift	d;
	char			 a1[] = "DNS:a", a2[] = "IP:10.0.0.9";
	char			 r1[] = "DNS:b", subj[] = "CN=x";
	char			*add[] = { a1, a2 }, *rm[] = { r1 };
	char			 buf[128];

	memset(&d, 0, sizeof(d));
	d.add = add;
	d.nadd = 2;
	d.remove = rm;
	d.nremove = 1;
	d.subject = 1;
	d.want_subject = subj;
	pki_drift_text(&d, 0, buf, sizeof(buf));
	is_str(buf, "+DNS:a +IP:10.0.0.9 -DNS:b subject", "drift text");
	pki_drift_text(&d, 1, buf, sizeof(buf));
	is_str(buf, "+DNS:a +IP:10.0.0.9 -DNS:b subject CN=x",
	    "drift text with the wanted subject");
	pki_drift_text(&d, 0, buf, 8);
	ok(strlen(buf) < 8, "drift text: truncated to the buffer");
}

static void
test_metrics(const struct fx_ca *ca, const struct pki_profile *prof)
{
	const char		*d = fx_dir("m\"x\\y");
	struct pki_error	 err;
	struct pki_status	 s;
	struct fx_leaf		 l;
	struct stat		 st;
	char			*text = NULL, *file;
	mode_t			 mask;

	fx_leaf_new(&l, ca, FX_CSR1, prof, T0, NULL);
	fx_set_write(d, "etcd1", &l, ca->pem);
	fx_leaf_free(&l);
	memset(&err, 0, sizeof(err));
	pki_status_init(&s, T0 + 5, NULL, &nt);
	if (pki_status_add_path(&s, d, &err) != 0 ||
	    pki_status_add_path(&s, fx_path(d, "gone.pem"), &err) != 0)
		diag("metrics: %s", err.text);
	is_int(pki_status_metrics(&s, "renew", 10, &text, &err), 0,
	    "metrics: made");
	ok(text != NULL && strncmp(text, "# HELP etcd_pki_certificate_"
	    "expiration_timestamp_seconds The date after which the "
	    "certificate expires (notAfter).\n# TYPE etcd_pki_certificate_"
	    "expiration_timestamp_seconds gauge\n", 150) == 0,
	    "metrics: HELP and TYPE first");
	ok(text != NULL && strstr(text, "path=\"") != NULL &&
	    strstr(text, "m\\\"x\\\\y/etcd1.pem\"} ") != NULL,
	    "metrics: a label's quote and backslash escaped");
	ok(text != NULL && strstr(text, "etcd_pki_ca_expiration_timestamp_"
	    "seconds{name=\"ca\"") != NULL &&
	    strstr(text, "etcd_pki_certificate_renewal_timestamp_seconds"
	    "{name=\"etcd1\"") != NULL && strstr(text, "etcd_pki_"
	    "certificate_not_before_timestamp_seconds{name=\"etcd1\"") !=
	    NULL, "metrics: renewal, notBefore and the CA's expiry");
	ok(text != NULL && strstr(text, "gone") == NULL,
	    "metrics: a missing certificate has no sample");
	ok(text != NULL && strstr(text, "etcd_pki_last_run_timestamp_seconds"
	    "{command=\"renew\"} 1700000005\n") != NULL && strstr(text,
	    "etcd_pki_last_run_exit_code{command=\"renew\"} 10\n") != NULL,
	    "metrics: the run's time and exit status");
	free(text);
	text = NULL;
	is_int(pki_status_metrics(&s, NULL, 0, &text, &err), 0,
	    "metrics without a command");
	ok(text != NULL && strstr(text, "last_run") == NULL,
	    "... have no run metrics");
	file = strdup(fx_path(fx_dir("mfile"), "m.prom"));
	is_int(pki_status_metrics_write(&s, file, NULL, 0, &err), 0,
	    "metrics written to a file");
	mask = umask(022);
	umask(mask);
	/* stat() first: the order in which ok()'s arguments are evaluated is
	 * unspecified, and the message reads st. */
	if (stat(file, &st) == -1)
		memset(&st, 0, sizeof(st));
	ok(S_ISREG(st.st_mode) && (st.st_mode & 0777) == (0644 & ~mask),
	    "... a regular file, mode 0644 less the umask (%o)",
	    (unsigned)(st.st_mode & 0777));
	{
		char	*back = fx_read(file);

		ok(back != NULL && text != NULL && strcmp(back, text) == 0,
		    "... holding the same text");
		free(back);
	}
	free(file);
	free(text);
	pki_status_free(&s);
}

/* Two commands' runs in one textfile (pki_textfile_merge). */
static void
test_merge(void)
{
	const char		*d = fx_dir("merge");
	struct pki_error	 err;
	char			*out = NULL, *p1, old[2048], own[2048];
	FILE			*f;

	/* p1 exists; the old file also reports a path that is gone. */
	p1 = strdup(fx_path(d, "a.pem"));
	if ((f = fopen(p1, "w")) != NULL)
		fclose(f);
#define FAM "etcd_pki_certificate_expiration_timestamp_seconds"
#define HEAD(n) "# HELP " n " h\n# TYPE " n " gauge\n"
	snprintf(old, sizeof(old), HEAD(FAM)
	    FAM "{name=\"a\",path=\"%s\"} 1\n"
	    FAM "{name=\"gone\",path=\"%s/gone.pem\"} 2\n"
	    FAM "{name=\"b\",path=\"%s\"} 3\n"
	    HEAD("etcd_pki_last_run_exit_code")
	    "etcd_pki_last_run_exit_code{command=\"renew\"} 10\n"
	    "# a comment\n\n", p1, d, d);
	snprintf(own, sizeof(own), HEAD(FAM)
	    FAM "{name=\"b\",path=\"%s\"} 30\n"
	    HEAD("etcd_pki_last_run_exit_code")
	    "etcd_pki_last_run_exit_code{command=\"status\"} 0\n", d);
	memset(&err, 0, sizeof(err));
	is_int(pki_textfile_merge(old, own, "status", &out, &err), 0,
	    "merge: made (%s)", err.text);
	ok(out != NULL && strstr(out, FAM "{name=\"b\"") != NULL &&
	    strstr(out, "} 30\n") != NULL && strstr(out, "} 3\n") == NULL,
	    "merge: this run's sample replaces the old one of its path");
	ok(out != NULL && strstr(out, "{name=\"a\"") != NULL &&
	    strstr(out, "} 1\n") != NULL,
	    "merge: another run's certificate that still exists is kept");
	ok(out != NULL && strstr(out, "gone") == NULL,
	    "merge: a certificate whose file is gone is dropped");
	ok(out != NULL && strstr(out, "{command=\"renew\"} 10\n") != NULL &&
	    strstr(out, "{command=\"status\"} 0\n") != NULL,
	    "merge: each command's run metrics");
	{
		const char	*h = out != NULL ? strstr(out, "# TYPE " FAM) :
				    NULL;

		ok(h != NULL && strstr(h + 1, "# TYPE " FAM) == NULL &&
		    strstr(out, "# a comment") == NULL,
		    "merge: one HELP/TYPE per family, comments dropped");
	}
	free(out);
	out = NULL;
	is_int(pki_textfile_merge(NULL, own, "status", &out, &err), 0,
	    "merge with no old file");
	ok(out != NULL && strcmp(out, own) == 0, "... is this run's text");
	free(out);
	out = NULL;
	/* A label with an escaped quote and backslash still matches. */
	is_int(pki_textfile_merge(FAM "{path=\"x\\\"y\"} 1\n",
	    HEAD(FAM) FAM "{path=\"x\\\"y\"} 2\n", "status", &out, &err),
	    0, "merge: escaped labels");
	ok(out != NULL && strstr(out, "} 1\n") == NULL,
	    "... are one path");
	free(out);
	free(p1);
#undef FAM
#undef HEAD
}

/* A warning among pki_status_warnings(s) containing text. */
static int
has_warning(const struct pki_status *s, const char *text)
{
	struct pki_error	  err;
	char			**w = NULL;
	size_t			  n = 0, i;
	int			  found = 0;

	memset(&err, 0, sizeof(err));
	if (pki_status_warnings(s, &w, &n, &err) != 0)
		return 0;
	for (i = 0; i < n; i++)
		found |= strstr(w[i], text) != NULL;
	pki_strv_free(w, n);
	return found;
}

/*
 * A set whose generation renew would refuse (here named from the
 * future): status reads it and warns, check says WARNING; a directory
 * whose lock runs keep finding held: a warning, a problem, CRITICAL.
 */
static void
test_refused_gen(const struct fx_ca *ca, const struct pki_profile *prof)
{
	const char			*d = fx_dir("future");
	struct pki_check_threshold	 warn, crit;
	struct pki_check_result		 res;
	struct pki_error		 err;
	struct pki_status		 s;
	struct fx_leaf			 l;
	struct json_t			*top = NULL;
	char				*text = NULL;

	fx_leaf_new(&l, ca, FX_CSR1, prof, T0, NULL);
	if (mkdir(fx_path(d, "gen"), 0755) != 0 ||
	    mkdir(fx_path(d, "gen/29991231T000000.000000Z-01"), 0755) != 0 ||
	    symlink("gen/29991231T000000.000000Z-01", fx_path(d,
	    "current")) != 0 || symlink("current/etcd1.pem", fx_path(d,
	    "etcd1.pem")) != 0 || symlink("current/etcd1-key.pem", fx_path(d,
	    "etcd1-key.pem")) != 0)
		diag("cannot make %s", d);
	fx_set_write(fx_path(d, "gen/29991231T000000.000000Z-01"), "etcd1", &l,
	    ca->pem);
	memset(&err, 0, sizeof(err));
	pki_status_init(&s, T0 + DAY, NULL, &nt);
	is_int(pki_status_add_path(&s, fx_path(d, "etcd1.pem"), &err), 0,
	    "refused generation: status reads the set");
	ok(s.n == 1 && s.rows[0].state == PKI_ROW_OK && s.rows[0].key ==
	    PKI_ROWKEY_MATCH, "... its certificate and key");
	ok(s.n == 1 && s.rows[0].gen_refused != NULL && strncmp(
	    s.rows[0].gen_refused, fx_path(d, "etcd1.pem: "), strlen(d) + 11)
	    == 0 &&
	    strstr(s.rows[0].gen_refused, "/current -> gen/29991231T000000."
	    "000000Z-01: named from the future (more than 1 hour ahead of the "
	    "clock): renew, rollback and ca rotate refuse this set") != NULL,
	    "... names the set and why (%s)", s.n == 1 &&
	    s.rows[0].gen_refused != NULL ? s.rows[0].gen_refused : "none");
	ok(has_warning(&s, "named from the future"), "... a status warning");
	is_int((long long)pki_status_problems(&s), 0, "... not a problem: "
	    "status goes on");
	pki_check_thresholds_default(&warn, &crit);
	is_int(pki_status_check(&s, &warn, &crit, &res, &err), 0,
	    "... check: judged");
	ok(res.state == PKI_CHECK_WARNING && res.text != NULL && strstr(res.text,
	    "renew, rollback and ca rotate refuse this set") != NULL,
	    "... check: WARNING, says why (%s)", res.text);
	pki_check_result_clear(&res);

	/* The lock of its directory, as two runs that found it held left
	 * it (pki_dir_lock_busy reads the count). */
	ok(s.nlocks == 1 && strcmp(s.locks[0].dir, d) == 0 &&
	    s.locks[0].busy_runs == 0, "lock: the set's directory, not busy");
	s.locks[0].busy_runs = PKI_LOCK_BUSY_RUNS;
	s.locks[0].busy_since = T0;
	ok(has_warning(&s, "2 runs in a row found the lock") &&
	    has_warning(&s, "since 2023-11-14T22:13:20Z: a run may hang"),
	    "lock: found held twice: a warning");
	is_int((long long)pki_status_problems(&s), 1, "lock: ... a problem");
	ok(pki_status_check(&s, &warn, &crit, &res, &err) == 0 &&
	    res.state == PKI_CHECK_CRITICAL && res.text != NULL && strstr(res.text, ": 2 runs "
	    "found the lock held since 2023-11-14T22:13:20Z") != NULL,
	    "lock: check CRITICAL (%s)", res.text);
	pki_check_result_clear(&res);
	ok(pki_status_json(&s, &top, &err) == 0 && json_integer_value(
	    json_object_get(json_array_get(json_object_get(top, "locks"), 0),
	    "busy_runs")) == 2, "lock: in the JSON document's \"locks\"");
	json_decref(top);
	pki_status_free(&s);

	/* The fixed layout: nothing to refuse. */
	ok(pki_cert_gen_refused(fx_path(d, "gen/29991231T000000.000000Z-01/"
	    "etcd1.pem"), &text, &err) == 0 && text == NULL,
	    "a set without generations: no such warning");
	fx_leaf_free(&l);
}

int
main(void)
{
	const struct pki_profile	*prof = NULL;
	struct pki_config		*cfg;
	struct fx_ca			 ca;

	plan(86 + 8 + 34 + 3 + 13);
	test_due();
	fx_ca_new(&ca, "Test CA", T0);
	cfg = fx_config("2160h", FX_USAGES, &prof);
	test_dir(&ca, prof);
	test_refused_gen(&ca, prof);
	test_ca_warnings(&ca);
	test_cluster(&ca, prof);
	test_drift_text();
	test_metrics(&ca, prof);
	test_merge();
	pki_config_free(cfg);
	fx_ca_free(&ca);
	return done_testing();
}

/*
 * t-rundoc.c: the progress line's text (pki_progress_format), the
 * -format json documents (pki/rundoc.c): keys in their order, counts,
 * SANs split, problems split at the path, outcomes and verdicts; and the
 * text lines the commands print from the library: cluster issue's
 * (pki_issue_event_text), cluster inventory's (pki_inv_cert_text),
 * status's table (pki_status_text) and ca status's (pki_rot_status_text).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "pki.h"
#include "../tap.h"

/* Sets *ev to one event (the strings are borrowed). */
static void
event(struct pki_issue_event *ev, int what, const char *path,
    const char *reason, const char *subject, const char *sans,
    time_t not_after)
{
	memset(ev, 0, sizeof(*ev));
	ev->what = what;
	ev->path = path;
	ev->reason = reason;
	ev->subject = subject;
	ev->sans = sans;
	ev->not_after = not_after;
}

/* The document as compact text, keys in order (freed by the caller). */
static char *
dump(json_t *d)
{
	return json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(6));
}

static void
test_progress(void)
{
	char	buf[256];

	pki_progress_format(buf, sizeof(buf), "cluster issue: leaves", 0,
	    200, 1.0, 80);
	is_str(buf, "cluster issue: leaves 0/200 (0%)", "nothing done: no "
	    "rate, no ETA");
	pki_progress_format(buf, sizeof(buf), "renew: sets", 50, 200, 2.0, 80);
	is_str(buf, "renew: sets 50/200 (25%)  25/s  ETA 6s", "rate and ETA");
	pki_progress_format(buf, sizeof(buf), "x", 3, 2003, 2.0, 80);
	is_str(buf, "x 3/2003 (0%)  1.5/s  ETA 22m13s", "slow: minutes and "
	    "seconds, a decimal in the rate");
	pki_progress_format(buf, sizeof(buf), "x", 1, 10000, 10.0, 80);
	is_str(buf, "x 1/10000 (0%)  0.1/s  ETA 27h46m", "hours");
	pki_progress_format(buf, sizeof(buf), "x", 9, 5, 1.0, 80);
	is_str(buf, "x 5/5 (100%)  5.0/s  ETA 0s", "done is capped at total");
	pki_progress_format(buf, sizeof(buf), "renew: sets", 50, 200, 2.0, 24);
	is_int((long long)strlen(buf), 23, "cut to the width less one "
	    "column");
	pki_progress_format(buf, sizeof(buf), "renew: sets", 50, 200, 2.0, 3);
	is_int((long long)strlen(buf), 19, "a width under 20 counts as 20");
	pki_progress_format(buf, 8, "renew: sets", 50, 200, 2.0, 80);
	is_str(buf, "renew: ", "the buffer's size bounds it");
}

/* pki_progress_due: after a second, at most every 0.1 s, the end always. */
static void
test_progress_due(void)
{
	struct pki_progress	p;
	char			buf[128];

	pki_progress_start(&p, "renew: sets", 0, 100.0);
	is_int(pki_progress_due(&p, 5, 10, 105.0, 80, buf, sizeof(buf)), 0,
	    "off (no terminal, or -quiet): never drawn");
	pki_progress_start(&p, "renew: sets", 1, 100.0);
	is_int(pki_progress_due(&p, 1, 10, 100.9, 80, buf, sizeof(buf)), 0,
	    "within the first second: not drawn");
	ok(pki_progress_due(&p, 2, 10, 101.0, 80, buf, sizeof(buf)) == 1 &&
	    p.shown && strcmp(buf, "renew: sets 2/10 (20%)  2.0/s  ETA 4s") ==
	    0, "after a second: drawn (%s)", buf);
	is_int(pki_progress_due(&p, 3, 10, 101.05, 80, buf, sizeof(buf)), 0,
	    "0.05 s later: not again");
	is_int(pki_progress_due(&p, 10, 10, 101.06, 80, buf, sizeof(buf)), 1,
	    "the last count: drawn at once");
	is_int(pki_progress_due(&p, 4, 10, 101.2, 80, buf, sizeof(buf)), 1,
	    "0.1 s after the last: drawn");
}

static void
test_issue(void)
{
	struct pki_issue_event	 ev;
	struct pki_error	 err;
	json_t			*d = NULL;
	char			*s;

	memset(&err, 0, sizeof(err));
	ok(pki_doc_issue_new("out", &d, &err) == 0, "issue document");
	event(&ev, PKI_ISSUE_NEW, "m1/m1.pem", "missing", "m1",
	    "127.0.0.1, localhost", 1700000000);
	ok(pki_doc_issue_event(d, &ev, &err) == 0, "a new certificate");
	ev.what = PKI_ISSUE_KEPT;
	ev.path = "m2/m2.pem";
	ev.reason = "";
	ev.sans = "";
	ok(pki_doc_issue_event(d, &ev, &err) == 0, "a kept one, no SANs");
	event(&ev, PKI_ISSUE_RECORDED, "inventory.json", "2 certificates",
	    NULL, NULL, 0);
	ok(pki_doc_issue_event(d, &ev, &err) == 0, "a file");
	ev.what = 9;
	ok(pki_doc_issue_event(d, &ev, &err) == PKI_ERR_ARG, "an unknown "
	    "event is refused");
	s = dump(d);
	is_str(s, "{\"version\":1,\"command\":\"cluster issue\",\"dir\":\"out\","
	    "\"ok\":true,\"error\":null,\"counts\":{\"new\":1,\"reissued\":0,"
	    "\"updated\":0,\"kept\":1},\"files\":[{\"action\":\"new\",\"path\":"
	    "\"m1/m1.pem\",\"reason\":\"missing\",\"subject\":\"m1\",\"sans\":"
	    "[\"127.0.0.1\",\"localhost\"],\"not_after\":"
	    "\"2023-11-14T22:13:20Z\"},{\"action\":\"kept\",\"path\":"
	    "\"m2/m2.pem\",\"reason\":null,\"subject\":\"m1\",\"sans\":[],"
	    "\"not_after\":\"2023-11-14T22:13:20Z\"},{\"action\":\"recorded\","
	    "\"path\":\"inventory.json\",\"reason\":\"2 certificates\","
	    "\"subject\":null,\"sans\":null,\"not_after\":null}]}",
	    "the document, keys in order");
	free(s);
	ok(pki_doc_fail(d, "m3: cannot write", &err) == 0, "a failed run");
	is_str(json_string_value(json_object_get(d, "error")),
	    "m3: cannot write", "... has its error");
	ok(json_is_false(json_object_get(d, "ok")), "... and ok false");
	json_decref(d);
}

static void
test_verify(void)
{
	struct pki_error	 err;
	json_t			*d = NULL;
	char			*s;

	memset(&err, 0, sizeof(err));
	ok(pki_doc_verify_new("out", &d, &err) == 0, "verify document");
	s = dump(d);
	is_str(s, "{\"version\":1,\"command\":\"cluster verify\",\"dir\":"
	    "\"out\",\"ok\":true,\"error\":null,\"problems\":[]}",
	    "no problems: ok");
	free(s);
	ok(pki_doc_verify_problem(d, "m1/m1-key.pem: mode 0644: bad", &err) ==
	    0 && pki_doc_verify_problem(d, "no path here", &err) == 0,
	    "two problems");
	s = dump(d);
	is_str(s, "{\"version\":1,\"command\":\"cluster verify\",\"dir\":"
	    "\"out\",\"ok\":false,\"error\":null,\"problems\":[{\"path\":"
	    "\"m1/m1-key.pem\",\"problem\":\"mode 0644: bad\"},{\"path\":null,"
	    "\"problem\":\"no path here\"}]}", "split at the first \": \"");
	free(s);
	json_decref(d);
}

static void
test_renew(void)
{
	struct pki_renew_result	 res;
	struct pki_note		 n;
	struct pki_error	 err;
	json_t			*d = NULL, *sets;

	memset(&err, 0, sizeof(err));
	ok(pki_doc_renew_new(1, &d, &err) == 0, "renew document");
	memset(&n, 0, sizeof(n));
	n.kind = PKI_NOTE_OUT;
	n.label = "m1";
	n.text = "would renew";
	ok(pki_doc_renew_note(d, &n, &err) == 0, "a note");
	memset(&res, 0, sizeof(res));
	res.name = res.label = "m1";
	res.status = PKI_RUN_CHANGED;
	res.due = res.examined = res.dry_run = 1;
	res.serial = "12";
	res.new_serial = "13";
	res.generation = "";
	ok(pki_doc_renew_result(d, &res, &err) == 0, "a set");
	res.status = PKI_RUN_OK;
	res.due = 0;
	res.new_serial = "";
	ok(pki_doc_renew_result(d, &res, &err) == 0, "a set not due");
	res.status = PKI_RUN_REFUSED;
	res.examined = 0;
	ok(pki_doc_renew_result(d, &res, &err) == 0, "a set refused");
	ok(pki_doc_renew_finish(d, PKI_RUN_REFUSED, 3, &err) == 0, "finish");
	sets = json_object_get(d, "sets");
	is_str(json_string_value(json_object_get(json_array_get(sets, 0),
	    "state")), "would-renew", "dry run: would-renew");
	is_str(json_string_value(json_object_get(json_array_get(sets, 0),
	    "new_serial")), "13", "... with the new serial");
	is_str(json_string_value(json_object_get(json_array_get(sets, 1),
	    "state")), "not-due", "not due");
	ok(json_is_null(json_object_get(json_array_get(sets, 1),
	    "new_serial")), "... no new serial");
	is_str(json_string_value(json_object_get(json_array_get(sets, 2),
	    "state")), "refused", "refused");
	ok(json_is_null(json_object_get(json_array_get(sets, 2), "due")),
	    "... not examined: due null");
	is_str(json_string_value(json_object_get(d, "outcome")), "refused",
	    "the outcome");
	is_int(json_integer_value(json_object_get(d, "exit")), 3, "the exit");
	is_str(json_string_value(json_object_get(json_array_get(
	    json_object_get(d, "messages"), 0), "kind")), "result",
	    "a PKI_NOTE_OUT is a result");
	is_str(pki_run_outcome_name(PKI_RUN_ROLLBACK_FAILED),
	    "rollback-failed", "outcome names");
	is_str(pki_run_outcome_name(99), "failed", "an unknown outcome");
	json_decref(d);
}

static void
test_due_check(void)
{
	struct pki_check_result	 res;
	struct pki_error	 err;
	struct pki_due		 due;
	json_t			*d = NULL;
	char			*s;

	memset(&err, 0, sizeof(err));
	memset(&due, 0, sizeof(due));
	due.used = 70.456;
	due.at = 1700000000;
	due.due = 1;
	ok(pki_doc_due_new(&d, &err) == 0 && pki_doc_due_add(d, "a.pem",
	    PKI_DUE_STATE_DUE, &due, "70% used", &err) == 0 &&
	    pki_doc_due_add(d, "b.pem", PKI_DUE_STATE_MISSING, NULL, "",
	    &err) == 0 && pki_doc_due_finish(d, PKI_DUE_STATE_MISSING,
	    &err) == 0, "needs-renewal document");
	s = dump(d);
	is_str(s, "{\"version\":1,\"command\":\"needs-renewal\",\"verdict\":"
	    "\"missing\",\"exit\":2,\"certificates\":[{\"target\":\"a.pem\","
	    "\"state\":\"due\",\"percent_used\":70.45,\"due_at\":"
	    "\"2023-11-14T22:13:20Z\",\"expired\":false,\"why\":\"70% used\"},"
	    "{\"target\":\"b.pem\",\"state\":\"missing\",\"percent_used\":"
	    "null,\"due_at\":null,\"expired\":null,\"why\":null}]}",
	    "... keys in order, nulls where nothing was judged");
	free(s);
	json_decref(d);
	d = NULL;
	memset(&res, 0, sizeof(res));
	res.state = PKI_CHECK_WARNING;
	res.text = strdup("m1 expires in 3d");
	ok(pki_doc_check(&res, NULL, &d, &err) == 0, "check document");
	s = dump(d);
	is_str(s, "{\"version\":1,\"command\":\"check\",\"state\":\"WARNING\","
	    "\"exit\":1,\"text\":\"m1 expires in 3d\",\"perfdata\":null}",
	    "... the verdict");
	free(s);
	free(res.text);
	json_decref(d);
	d = NULL;
	ok(pki_doc_check(NULL, "cannot read x", &d, &err) == 0 &&
	    strcmp(json_string_value(json_object_get(d, "state")),
	    "UNKNOWN") == 0 && json_integer_value(json_object_get(d,
	    "exit")) == 3, "no result: UNKNOWN, exit 3");
	json_decref(d);
}

static void
test_texts(void)
{
	struct pki_issue_event	 ev;
	struct pki_inv_cert	 c;
	struct pki_rot_status	 rs;
	struct pki_rot_leaf_status lv[2];
	struct pki_status	 st;
	struct pki_error	 err;
	char			 buf[512], *t = NULL;
	char			 name[] = "m1", subject[] = "CN=m1", sans[] = "";
	char			 origin[] = "renew";
	int			 r;

	memset(&err, 0, sizeof(err));
	event(&ev, PKI_ISSUE_REISSUED, "m1/m1.pem", "SANs changed", "m1", "",
	    1700000000);
	pki_issue_event_text(&ev, buf, sizeof(buf));
	is_str(buf, "reissued  m1/m1.pem  CN=m1  expires 2023-11-14T22:13:20Z"
	    "  SANs: (none)  (SANs changed)", "cluster issue: a reissued "
	    "certificate");
	event(&ev, PKI_ISSUE_UPDATED, "m1/ca.pem", "bundle", NULL, NULL, 0);
	pki_issue_event_text(&ev, buf, sizeof(buf));
	is_str(buf, "updated   m1/ca.pem (bundle)", "... a file, its reason");
	ev.what = PKI_ISSUE_CRL;
	ev.path = "crl.der";
	ev.reason = "signed";
	pki_issue_event_text(&ev, buf, 12);
	is_str(buf, "crl       c", "... cut to the buffer");

	memset(&c, 0, sizeof(c));
	snprintf(c.serial, sizeof(c.serial), "42");
	c.kind = PKI_INV_MEMBER;
	c.name = name;
	c.subject = subject;
	c.sans = sans;
	c.origin = origin;
	c.not_after = 1700000000;
	c.revoked = 1;
	c.revoked_at = 1600000000;
	c.reason = PKI_REASON_KEY_COMPROMISE;
	pki_inv_cert_text(&c, 1650000000, buf, sizeof(buf));
	ok(strstr(buf, "revoked 2020-09-13T12:26:40Z (keyCompromise)") !=
	    NULL && strstr(buf, "renew; CN=m1; SANs: (none)") != NULL &&
	    strncmp(buf, "member  m1 ", 11) == 0, "inventory: a revoked row "
	    "(%s)", buf);
	c.revoked = 0;
	pki_inv_cert_text(&c, 1800000000, buf, sizeof(buf));
	ok(strstr(buf, "  expired  ") != NULL, "... an expired one");
	pki_inv_cert_text(NULL, 0, buf, sizeof(buf));
	ok(strncmp(buf, "KIND    NAME", 12) == 0, "... the header");

	pki_status_init(&st, 1700000000, NULL, NULL);
	ok(pki_status_text(&st, &t, &err) == 0 && strcmp(t, "") == 0,
	    "status: no rows, no text");
	free(t);
	t = NULL;
	ok(pki_status_add_path(&st, "/nonexistent/x.pem", &err) == 0,
	    "status: a missing certificate");
	r = pki_status_text(&st, &t, &err);
	ok(r == 0 && strncmp(t, "NAME          PATH   ", 21) == 0 &&
	    strstr(t, "\n!MISSING! x   /nonexistent/x.pem") != NULL,
	    "... its table (%s)", t != NULL ? t : err.text);
	free(t);
	t = NULL;
	pki_status_free(&st);

	memset(&rs, 0, sizeof(rs));
	memset(lv, 0, sizeof(lv));
	rs.phase = PKI_ROT_ADD_TRUST;
	rs.verified = 1;
	rs.ca[0].present = 1;
	rs.ca[0].path = "pki/ca.pem";
	rs.ca[0].serial = "7";
	rs.ca[0].not_after = 1700000000;
	lv[0].name = "m1";
	lv[0].member = 1;
	snprintf(lv[0].bundle, sizeof(lv[0].bundle), "old+new");
	lv[0].leaf = "old";
	lv[0].trusts_new = 1;
	lv[0].trusts_old = -1;
	lv[1].name = "admin";
	snprintf(lv[1].bundle, sizeof(lv[1].bundle), "old");
	rs.leaves = lv;
	rs.n = 2;
	ok(pki_rot_status_text(&rs, &t, &err) == 0, "ca status text");
	is_str(t, "phase: add-trust\n"
	    "ca       pki/ca.pem: serial 7, not after 2023-11-14T22:13:20Z\n"
	    "\n"
	    "MEMBER           BUNDLE         LEAF   SERVED-CLIENT SERVED-PEER "
	    "TRUSTS-NEW TRUSTS-OLD\n"
	    "m1               old+new        old    ?             ?           "
	    "yes        ?\n"
	    "\n"
	    "CLIENT           BUNDLE         LEAF\n"
	    "admin            old            missing\n", "... the phase, the "
	    "CA, the members and the clients");
	free(t);
}

/* The documents of rollback, ca renew, ca rotate, revoke. */
static void
test_run(void)
{
	struct pki_note		 n;
	struct pki_error	 err;
	json_t			*d = NULL;
	char			*t;

	memset(&err, 0, sizeof(err));
	ok(pki_doc_run_new("ca rotate", json_pack("{s:s,s:s}", "phase",
	    "reissue", "restart", "none"), &d, &err) == 0, "ca rotate document");
	memset(&n, 0, sizeof(n));
	n.kind = PKI_NOTE_WARNING;
	n.label = "m1";
	n.text = "unverified";
	ok(pki_doc_renew_note(d, &n, &err) == 0 &&
	    pki_doc_renew_finish(d, PKI_RUN_CHANGED, 10, &err) == 0,
	    "a note, the outcome");
	t = dump(d);
	is_str(t, "{\"version\":1,\"command\":\"ca rotate\",\"phase\":"
	    "\"reissue\",\"restart\":\"none\",\"outcome\":\"changed\","
	    "\"exit\":10,\"messages\":[{\"set\":\"m1\",\"kind\":"
	    "\"warning\",\"event\":null,\"text\":\"unverified\"}]}",
	    "its keys in order, extra keys after command");
	free(t);
	json_decref(d);
	ok(pki_doc_run_new("rollback", NULL, &d, &err) == 0, "no extra keys");
	t = dump(d);
	is_str(t, "{\"version\":1,\"command\":\"rollback\",\"outcome\":"
	    "null,\"exit\":null,\"messages\":[]}", "... all of them null "
	    "until the end");
	free(t);
	json_decref(d);
}

/* cluster inventory's document: statuses, SANs, revocations. */
static void
test_inventory(void)
{
	static char		 none[] = "", ca[] = "ca", m1[] = "m1";
	static char		 sans[] = "DNS:m1, IP:10.0.0.1";
	struct pki_inv_cert	 v[3];
	struct pki_error	 err;
	json_t			*d = NULL, *c;
	char			*t;
	int			 i;

	memset(&err, 0, sizeof(err));
	memset(v, 0, sizeof(v));
	for (i = 0; i < 3; i++) {
		snprintf(v[i].serial, sizeof(v[i].serial), "%d", 10 + i);
		v[i].name = v[i].subject = v[i].origin = v[i].leaf =
		    v[i].sans = none;
		v[i].not_before = 1767225600;
		v[i].not_after = 1767225600 + 86400;
	}
	v[0].kind = PKI_INV_CA;
	v[0].name = ca;
	v[1].kind = PKI_INV_MEMBER;
	v[1].name = m1;
	v[1].sans = sans;
	v[1].revoked = 1;
	v[1].revoked_at = 1767225600 + 60;
	v[1].reason = PKI_REASON_KEY_COMPROMISE;
	v[2].not_after = 1767225600;
	ok(pki_doc_inventory("pki", NULL, v, 3, 1767225600 + 3600, &d,
	    &err) == 0, "inventory document");
	c = json_object_get(d, "certificates");
	t = dump(json_array_get(c, 1));
	is_str(t, "{\"kind\":\"member\",\"name\":\"m1\",\"serial\":"
	    "\"11\",\"aki\":null,\"subject\":null,\"sans\":[\"DNS:m1\","
	    "\"IP:10.0.0.1\"],\"not_before\":\"2026-01-01T00:00:00Z\","
	    "\"not_after\":\"2026-01-02T00:00:00Z\",\"issued_at\":null,"
	    "\"origin\":null,\"status\":\"revoked\",\"revoked_at\":"
	    "\"2026-01-01T00:01:00Z\",\"reason\":\"keyCompromise\"}",
	    "a revoked member: its keys in order, SANs split, the reason");
	free(t);
	is_str(json_string_value(json_object_get(json_array_get(c, 0),
	    "status")), "good", "the CA: good");
	ok(json_array_size(json_object_get(json_array_get(c, 0), "sans")) ==
	    0, "... no SANs: an empty array");
	is_str(json_string_value(json_object_get(json_array_get(c, 2),
	    "status")), "expired", "expired");
	is_str(json_string_value(json_object_get(json_array_get(c, 2),
	    "kind")), "other", "a row cfssl wrote: other");
	ok(json_is_null(json_object_get(d, "member")), "no -member: null");
	json_decref(d);
}

int
main(void)
{
	test_texts();
	test_progress();
	test_progress_due();
	test_issue();
	test_verify();
	test_renew();
	test_due_check();
	test_run();
	test_inventory();
	return done_testing();
}

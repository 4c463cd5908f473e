/*
 * t-carotate.c: the CA rotation (pki/rotstate.c, carotate.c): the phase
 * derived from the files of a cluster directory (ca-next, ca-prev, each
 * leaf's bundle and certificate) and from probes of the members; the
 * words of the ca status model; the refusals of each phase out of turn;
 * and a whole rotation, add-trust, reissue and drop-old, with -restart
 * none against a fake prober (struct pki_etcd_ops), resumed after a
 * switch left half done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "rotation.h"
#include "../tap.h"
#include "fixture.h"

#define DESC	"{\"members\": [" \
	"{\"name\": \"m1\", \"ips\": [\"10.0.0.1\"]}," \
	"{\"name\": \"m2\", \"ips\": [\"10.0.0.2\"]}]," \
	" \"clients\": [{\"name\": \"admin\"}]}"

/* The fake members: unreachable, or serving their leaf on disk and
 * trusting the new CA or not. */
static struct {
	int		 reachable;
	int		 trusts_next;
	const char	*dir;
	int		 probes;
} F;

static int
f_peer_cert(void *arg, const char *host, const char *port, int timeout_ms,
    struct pki_cert **out, struct pki_error *err)
{
	char	*pem;
	int	 r;

	(void)arg;
	(void)port;
	(void)timeout_ms;
	*out = NULL;
	F.probes++;
	if (!F.reachable)
		return pki_err(err, PKI_ERR_IO, "%s: connect: Connection "
		    "refused", host);
	pem = fx_read(fx_path(F.dir, strcmp(host, "10.0.0.1") == 0 ?
	    "m1/m1.pem" : "m2/m2.pem"));
	r = pki_cert_load(pem, strlen(pem), "served", out, err);
	free(pem);
	return r;
}

static int
f_probe(void *arg, const char *host, const char *port,
    const struct pki_cert *cert, const struct pki_key *key, int timeout_ms,
    struct pki_cert **served, int *accepted, struct pki_error *err)
{
	char	*next;
	int	 of_next;

	(void)key;
	if (f_peer_cert(arg, host, port, timeout_ms, served, err) != 0)
		return PKI_ERR_IO;
	next = fx_read(fx_path(F.dir, "ca-next.pem"));
	of_next = next != NULL && pki_cert_verify_bundle(cert, next,
	    strlen(next), "next", time(NULL), NULL) == 0;
	free(next);
	*accepted = of_next ? F.trusts_next : 1;
	return 0;
}

static const struct pki_etcd_ops	probe_ops = {
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	NULL, NULL, f_peer_cert, f_probe, NULL, NULL
};

static struct pki_cluster	*cl;

/* certpem verifies against the bundle pem. */
static int
issued_by(const char *certpem, const char *pem)
{
	struct pki_error	 err;
	struct pki_cert		*c = NULL;
	int			 r;

	memset(&err, 0, sizeof(err));
	r = pki_cert_load(certpem, strlen(certpem), "leaf", &c, &err) == 0 &&
	    pki_cert_verify_bundle(c, pem, strlen(pem), "ca", time(NULL),
	    &err) == 0;
	pki_cert_free(c);
	return r;
}

/* Opens the rotation of dir (locked), or NULL. */
static struct pki_rotation *
rot_open(const char *dir, const char *member)
{
	struct pki_rot_opts	 o;
	struct pki_rotation	*ro = NULL;
	int			 r;

	memset(&o, 0, sizeof(o));
	o.member = member;
	o.lock = 1;
	o.ops = &probe_ops;
	o.nt.note = fx_note;
	if ((r = pki_rot_open(cl, "desc.json", dir, &o, &ro)) != 0)
		diag("open: %d: %s", r, fx_notes);
	return ro;
}

/* The phase the rotation state of dir says, probed. */
static int
phase_of(const char *dir)
{
	struct pki_rotation	*ro = rot_open(dir, NULL);
	int			 ph;

	if (ro == NULL)
		return -1;
	pki_rot_probe_all(ro);
	ph = pki_rot_phase(ro);
	pki_rot_free(ro);
	return ph;
}

/* Runs phase (restart none); returns the outcome. */
static int
run(const char *dir, int phase)
{
	struct pki_rotation	*ro = rot_open(dir, NULL);
	int			 r;

	fx_notes_clear();
	if (ro == NULL)
		return -1;
	r = pki_rot_run(ro, phase, NULL);
	pki_rot_free(ro);
	return r;
}

static const char *
yesno(int v)
{
	return v < 0 ? "?" : v ? "yes" : "no";
}

/* The ca status model of dir as "phase|m1 bundle leaf|m2 ...". */
static const char *
model(const char *dir)
{
	static char		 buf[512];
	struct pki_rotation	*ro = rot_open(dir, NULL);
	struct pki_rot_status	 st;
	size_t			 i, n;

	buf[0] = '\0';
	if (ro == NULL || pki_rot_status(ro, &st) != 0)
		return "error";
	n = (size_t)snprintf(buf, sizeof(buf), "%s%s",
	    pki_rot_phase_name(st.phase), st.verified ? "" : "?");
	for (i = 0; i < st.n && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "|%s %s %s %s",
		    st.leaves[i].name, st.leaves[i].bundle, st.leaves[i].leaf !=
		    NULL ? st.leaves[i].leaf : "missing",
		    yesno(st.leaves[i].trusts_new));
	pki_rot_status_clear(&st);
	pki_rot_free(ro);
	return buf;
}

/* ca status -o json of dir: "phase verified|ca next prev|m1 trusts_new
 * error|... clients: admin keys" from the library's document. */
static const char *
json_model(const char *dir)
{
	static char		 buf[512];
	struct pki_rotation	*ro = rot_open(dir, NULL);
	struct pki_rot_status	 st;
	struct pki_error	 err;
	json_t			*top = NULL, *m, *c;
	size_t			 n;

	snprintf(buf, sizeof(buf), "error");
	memset(&err, 0, sizeof(err));
	if (ro == NULL || pki_rot_status(ro, &st) != 0)
		return buf;
	if (pki_rot_status_json(&st, &top, &err) == 0) {
		m = json_array_get(json_object_get(top, "members"), 0);
		c = json_array_get(json_object_get(top, "clients"), 0);
		n = (size_t)snprintf(buf, sizeof(buf), "%s %s|%s %s %s|",
		    json_string_value(json_object_get(top, "phase")),
		    json_is_true(json_object_get(top, "verified")) ? "yes" :
		    "no", json_string_value(json_object_get(json_object_get(
		    top, "ca"), "path")) != NULL ? "ca" : "-",
		    json_is_object(json_object_get(top, "next")) ? "next" : "-",
		    json_is_null(json_object_get(top, "prev")) ? "-" : "prev");
		snprintf(buf + n, sizeof(buf) - n, "%s %s %s %s|%s %zu",
		    json_string_value(json_object_get(m, "name")),
		    json_string_value(json_object_get(m, "bundle")),
		    json_is_false(json_object_get(m, "trusts_new")) ? "no" :
		    "?",
		    json_is_null(json_object_get(m, "error")) ? "ok" : "error",
		    json_string_value(json_object_get(c, "name")),
		    json_object_size(c));
	}
	json_decref(top);
	pki_rot_status_clear(&st);
	pki_rot_free(ro);
	return buf;
}

/* A new cluster directory issued from DESC. */
static const char *
issue(const char *name)
{
	struct pki_issue_opts	 io;
	struct pki_error	 err;
	const char		*d = fx_dir(name);

	memset(&io, 0, sizeof(io));
	memset(&err, 0, sizeof(err));
	io.jobs = 1;
	io.no_sync = 1;
	if (pki_cluster_issue(cl, d, &io, &err) != 0)
		diag("issue: %s", err.text);
	return d;
}

/* Writes DIR/<as>.pem and DIR/<as>-key.pem: a new CA like DIR/ca.pem. */
static void
make_next(const char *dir, const char *as)
{
	struct pki_error	 err;
	struct pki_ca_request	 cr;
	struct pki_issued	 ca;
	struct pki_cert		*cur = NULL;
	struct pki_csr		*like = NULL;
	char			*pem = fx_read(fx_path(dir, "ca.pem"));
	char			 cname[64], kname[64];
	int64_t			 validity = 0;

	memset(&err, 0, sizeof(err));
	memset(&cr, 0, sizeof(cr));
	memset(&ca, 0, sizeof(ca));
	if (pki_cert_load(pem, strlen(pem), "ca", &cur, &err) != 0 ||
	    pki_cert_to_csr(cur, 1, &like, &validity, &err) != 0)
		diag("next: %s", err.text);
	cr.csr = like;
	if (like == NULL || pki_ca_issue(&cr, &ca, &err) != 0)
		diag("next: %s", err.text);
	snprintf(cname, sizeof(cname), "%s.pem", as);
	snprintf(kname, sizeof(kname), "%s-key.pem", as);
	fx_put(fx_path(dir, cname), ca.cert, 0644);
	fx_put(fx_path(dir, kname), ca.key, 0600);
	free(pem);
	pki_issued_clear(&ca);
	pki_csr_free(like);
	pki_cert_free(cur);
}

/* Appends the text of file from to dir/rel. */
static void
append(const char *dir, const char *rel, const char *from)
{
	char	*a = fx_read(fx_path(dir, rel)), *b = fx_read(from), *ab;

	if (asprintf(&ab, "%s%s", a != NULL ? a : "", b) == -1)
		exit(1);
	fx_put(fx_path(dir, rel), ab, 0644);
	free(a);
	free(b);
	free(ab);
}

/* dir/from replaces dir/to. */
static void
move(const char *dir, const char *from, const char *to)
{
	char	*t = fx_read(fx_path(dir, from));

	if (t == NULL || rename(fx_path(dir, from), fx_path(dir, to)) != 0) {
		diag("move %s: failed", from);
		exit(1);
	}
	free(t);
}

static void
test_phases_from_files(void)
{
	const char	*d = issue("files");
	const char	*leaves[3] = { "m1", "m2", "clients/admin" };
	int		 i;

	F.dir = d;
	F.reachable = 0;
	is_int(phase_of(d), PKI_ROT_IDLE, "idle: no ca-next, no ca-prev");
	is_str(model(d), "idle?|m1 ca ca ?|m2 ca ca ?|admin ca ca ?",
	    "idle: the model");
	make_next(d, "ca-next");
	is_int(phase_of(d), PKI_ROT_ADD_TRUST, "ca-next: add-trust");
	is_str(model(d), "add-trust?|m1 old old ?|m2 old old ?|admin old old "
	    "?", "add-trust: bundles and leaves old");
	for (i = 0; i < 2; i++)
		append(d, fx_path(leaves[i], "ca.pem"), fx_path(d,
		    "ca-next.pem"));
	is_int(phase_of(d), PKI_ROT_ADD_TRUST, "one bundle without ca-next: "
	    "still add-trust");
	append(d, fx_path(leaves[2], "ca.pem"), fx_path(d, "ca-next.pem"));
	is_int(phase_of(d), PKI_ROT_REISSUE, "every bundle holds ca-next: "
	    "reissue (members unreachable)");
	F.reachable = 1;
	F.trusts_next = 0;
	is_int(phase_of(d), PKI_ROT_ADD_TRUST, "a member running without "
	    "the new CA: add-trust");
	is_str(model(d), "add-trust|m1 old+new old no|m2 old+new old no|admin "
	    "old+new old ?", "add-trust: what the probes say");
	is_str(json_model(d), "add-trust yes|ca next -|m1 old+new no ok|"
	    "admin 3", "add-trust: the JSON document of ca status");
	F.trusts_next = 1;
	is_int(phase_of(d), PKI_ROT_REISSUE, "members trust it: reissue");
	make_next(d, "ca-prev");
	is_int(phase_of(d), PKI_ROT_INVALID, "ca-next and ca-prev: invalid");
	is_int(run(d, PKI_ROT_ADD_TRUST), PKI_RUN_REFUSED, "invalid: "
	    "add-trust refused");
	ok(fx_has("ca-prev.pem exists: the previous rotation is not finished "
	    "(phase invalid)"), "invalid: says so");
	/* After the switch: ca-prev the old CA, ca.pem the new one. */
	move(d, "ca.pem", "ca-prev.pem");
	move(d, "ca-key.pem", "ca-prev-key.pem");
	move(d, "ca-next.pem", "ca.pem");
	move(d, "ca-next-key.pem", "ca-key.pem");
	F.reachable = 0;
	is_int(phase_of(d), PKI_ROT_REISSUE, "ca-prev, leaves of the old CA: "
	    "reissue");
}

static void
test_rotation(void)
{
	const char	*d = issue("rotation");
	char		*oldca = fx_read(fx_path(d, "ca.pem"));
	char		*m1 = fx_read(fx_path(d, "m1/m1.pem"));
	char		*newca, *ch, *prev;

	F.dir = d;
	F.reachable = 0;
	is_int(run(d, PKI_ROT_REISSUE), PKI_RUN_REFUSED, "idle: reissue "
	    "refused");
	ok(fx_has("no rotation in progress (no ") && fx_has("run ca rotate "
	    "-phase add-trust first"), "idle: says so");
	is_int(run(d, PKI_ROT_DROP_OLD), PKI_RUN_REFUSED, "idle: drop-old "
	    "refused");

	is_int(run(d, PKI_ROT_ADD_TRUST), PKI_RUN_CHANGED, "add-trust");
	ok(fx_has("ca-next.pem: new CA: serial ") && fx_has("m1: ") &&
	    fx_has("/m1/ca.pem: trusts its CAs and the new CA ") &&
	    fx_has("unverified (no probe): "), "add-trust: a new CA, bundles, "
	    "warnings");
	ok(fx_exists(fx_path(d, "ca-next-key.pem")) && strstr(model(d),
	    "reissue?|m1 old+new old") != NULL, "add-trust: bundles old+new "
	    "(%s)", model(d));
	is_int(run(d, PKI_ROT_ADD_TRUST), PKI_RUN_OK, "add-trust again: "
	    "complete");
	ok(fx_has("add-trust: complete: every bundle holds "), "add-trust "
	    "again: says so");
	is_int(run(d, PKI_ROT_DROP_OLD), PKI_RUN_REFUSED, "add-trust: "
	    "drop-old refused");

	newca = fx_read(fx_path(d, "ca-next.pem"));
	is_int(run(d, PKI_ROT_REISSUE), PKI_RUN_CHANGED, "reissue");
	ok(fx_has("the new CA signs from now on") && fx_has("m1: reissued by "
	    "the new CA: serial ") && fx_has("restart by hand, one at a "
	    "time ("),
	    "reissue: switched, leaves re-signed, restarts listed");
	ch = fx_read(fx_path(d, "ca.pem"));
	prev = fx_read(fx_path(d, "ca-prev.pem"));
	ok(ch != NULL && strcmp(ch, newca) == 0 && !fx_exists(fx_path(d,
	    "ca-next.pem")) && prev != NULL && strcmp(prev, oldca) == 0,
	    "reissue: ca.pem is the new CA, ca-prev.pem the old");
	free(prev);
	free(ch);
	ch = fx_read(fx_path(d, "m1/m1.pem"));
	ok(ch != NULL && strcmp(ch, m1) != 0 && issued_by(ch, newca),
	    "reissue: m1 has a new leaf, of the new CA");
	free(ch);
	is_str(model(d), "drop-old?|m1 old+new new ?|m2 old+new new ?|admin "
	    "old+new new ?", "reissue: the model says drop-old");

	/* A switch interrupted after the files were written: resumed. */
	fx_put(fx_path(d, "ca-next.pem"), newca, 0644);
	ch = fx_read(fx_path(d, "ca-key.pem"));
	fx_put(fx_path(d, "ca-next-key.pem"), ch, 0600);
	free(ch);
	is_int(run(d, PKI_ROT_DROP_OLD), PKI_RUN_CHANGED, "drop-old after an "
	    "interrupted switch");
	ok(fx_has("ca-next.pem: removed (the switch to the new CA had not "
	    "finished)") && fx_has("/m1/ca.pem: trusts only ") &&
	    fx_has("the old CA is retired (serial "), "drop-old: finishes the "
	    "switch, drops the old CA, retires it");
	ok(!fx_exists(fx_path(d, "ca-prev.pem")) && !fx_exists(fx_path(d,
	    "ca-next.pem")), "drop-old: ca-prev.pem retired");
	is_str(model(d), "idle?|m1 ca ca ?|m2 ca ca ?|admin ca ca ?",
	    "after the rotation: idle again");
	is_int(run(d, PKI_ROT_DROP_OLD), PKI_RUN_OK, "drop-old again: "
	    "complete");
	ok(fx_has("drop-old: complete: no old CA left"), "drop-old again: says "
	    "so");
	free(oldca);
	free(m1);
	free(newca);
}

static void
test_refusals(void)
{
	struct pki_rot_opts	 o;
	struct pki_rotation	*ro = NULL;
	const char		*d = issue("refusals");
	struct pki_cluster	*ext = NULL;
	struct pki_error	 err;
	char			 json[1024];

	memset(&o, 0, sizeof(o));
	o.ops = &probe_ops;
	o.nt.note = fx_note;
	fx_notes_clear();
	o.member = "nobody";
	is_int(pki_rot_open(cl, "desc.json", d, &o, &ro), PKI_ERR_ARG,
	    "unknown member: a usage error");
	ok(ro == NULL && fx_has("-member nobody: no such member or client in "
	    "desc.json"), "unknown member: says so");
	o.member = NULL;
	snprintf(json, sizeof(json), "{\"ca\": {\"cert_file\": \"%s/ca.pem\", "
	    "\"key_file\": \"%s/ca-key.pem\"}, \"members\": [{\"name\": "
	    "\"m1\", \"ips\": [\"10.0.0.1\"]}]}", d, d);
	memset(&err, 0, sizeof(err));
	if (pki_cluster_parse(json, strlen(json), "ext.json", NULL, &ext,
	    &err) != 0)
		diag("ext: %s", err.text);
	is_int(pki_rot_open(ext, "ext.json", d, &o, &ro), PKI_ERR_ARG,
	    "external CA: a usage error");
	ok(fx_has("ext.json: the description names an external CA"),
	    "external CA: says so");
	pki_cluster_free(ext);
}

/* pki_rot_status_json: the document "ca status -o json" prints. */
static void
test_status_json(void)
{
	const char		*d = issue("json");
	struct pki_rotation	*ro;
	struct pki_rot_status	 st;
	struct pki_error	 err;
	struct json_t		*top = NULL;
	json_t			*m, *c;

	F.dir = d;
	F.reachable = 1;
	F.trusts_next = 0;
	memset(&err, 0, sizeof(err));
	memset(&st, 0, sizeof(st));
	if ((ro = rot_open(d, NULL)) == NULL || pki_rot_status(ro, &st) != 0)
		diag("status failed");
	is_int(pki_rot_status_json(&st, &top, &err), 0, "status JSON: made");
	ok(json_integer_value(json_object_get(top, "version")) == 1 &&
	    strcmp(json_string_value(json_object_get(top, "phase")), "idle") ==
	    0 && json_is_true(json_object_get(top, "verified")),
	    "... version 1, idle, verified");
	ok(json_is_object(json_object_get(top, "ca")) &&
	    json_is_true(json_object_get(json_object_get(top, "ca"), "key")) &&
	    json_is_null(json_object_get(top, "next")) &&
	    json_is_null(json_object_get(top, "prev")), "... the CA with its "
	    "key, no next, no previous");
	m = json_array_get(json_object_get(top, "members"), 0);
	c = json_array_get(json_object_get(top, "clients"), 0);
	is_int((long long)json_array_size(json_object_get(top, "members")), 2,
	    "... two members");
	ok(m != NULL && strcmp(json_string_value(json_object_get(m, "name")),
	    "m1") == 0 && json_object_size(m) == 8 &&
	    json_is_null(json_object_get(m, "error")), "... a member's eight "
	    "fields");
	ok(c != NULL && json_object_size(c) == 3 && strcmp(json_string_value(
	    json_object_get(c, "name")), "admin") == 0, "... a client's three");
	json_decref(top);
	pki_rot_status_clear(&st);
	pki_rot_free(ro);
}

int
main(void)
{
	struct pki_error	err;

	plan(43 + 1);
	memset(&err, 0, sizeof(err));
	if (pki_cluster_parse(DESC, strlen(DESC), "desc.json", NULL, &cl,
	    &err) != 0)
		diag("parse: %s", err.text);
	test_phases_from_files();
	test_rotation();
	test_refusals();
	test_status_json();
	pki_cluster_free(cl);
	return done_testing();
}

/*
 * t-renew.c: the renew engine (pki/renew.c, reissue.c, targets.c,
 * rollback.c) on crafted certificates and clocks: when a set is due
 * (policy, stagger, force), what blocks it (drift, a key that does not
 * match, a missing file or CSR JSON) and -rekey; each rule of the
 * verify-new policy; the hooks; dry runs and the fixed layout; and
 * stage, activate, discard, prune and rollback under injected failures
 * of the file system calls (renameat, symlinkat, mkdirat, unlinkat are
 * interposed here), after which nothing may be lost.
 */
#include <sys/stat.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "../tap.h"
#include "fixture.h"

#define T0	((time_t)1700000000)
#define MIN	60

/* ---- failure injection -------------------------------------------------- */

/* Fails call (when its path contains match) from the nth such call on. */
static struct {
	const char	*call;
	const char	*match;
	int		 nth;
	int		 seen;
	int		 failed;
} inj;

static int
inject(const char *call, const char *path)
{
	if (inj.call == NULL || strcmp(inj.call, call) != 0 ||
	    (inj.match != NULL && (path == NULL || strstr(path,
	    inj.match) == NULL)))
		return 0;
	if (++inj.seen < inj.nth)
		return 0;
	inj.failed++;
	errno = EIO;
	return 1;
}

static void
arm(const char *call, const char *match, int nth)
{
	inj.call = call;
	inj.match = match;
	inj.nth = nth;
	if (call != NULL)
		inj.seen = inj.failed = 0;
}

int	renameat(int, const char *, int, const char *);
int	renameat2(int, const char *, int, const char *, unsigned int);
int	symlinkat(const char *, int, const char *);
int	mkdirat(int, const char *, mode_t);
int	unlinkat(int, const char *, int);

/* The C library's function name (dlsym's void * to a function). */
static void *
real(const char *name)
{
	void	*f = dlsym(RTLD_NEXT, name);

	if (f == NULL) {
		diag("dlsym %s: %s", name, dlerror());
		exit(1);
	}
	return f;
}

int
renameat(int od, const char *o, int nd, const char *n)
{
	int	(*f)(int, const char *, int, const char *);

	*(void **)&f = real("renameat");
	return inject("renameat", n) ? -1 : f(od, o, nd, n);
}

int
renameat2(int od, const char *o, int nd, const char *n, unsigned int fl)
{
	int	(*f)(int, const char *, int, const char *, unsigned int);

	*(void **)&f = real("renameat2");
	return inject("renameat", n) ? -1 : f(od, o, nd, n, fl);
}

int
symlinkat(const char *target, int dfd, const char *path)
{
	int	(*f)(const char *, int, const char *);

	*(void **)&f = real("symlinkat");
	return inject("symlinkat", target) ? -1 : f(target, dfd, path);
}

int
mkdirat(int dfd, const char *path, mode_t mode)
{
	int	(*f)(int, const char *, mode_t);

	*(void **)&f = real("mkdirat");
	return inject("mkdirat", path) ? -1 : f(dfd, path, mode);
}

int
unlinkat(int dfd, const char *path, int flags)
{
	int	(*f)(int, const char *, int);

	*(void **)&f = real("unlinkat");
	return inject("unlinkat", path) ? -1 : f(dfd, path, flags);
}

/* ---- fixtures --------------------------------------------------------- */

static struct fx_ca		 ca, other;
static struct pki_config	*cfg, *cfg_short, *cfg_server;
static const struct pki_profile	*prof, *prof_short, *prof_server;
static char			 capath[4096];
static int			 ncase;

/* A set etcd1 in a new directory, signed at T0 (valid 65 minutes from
 * T0 - 5m), with its CSR JSON. */
struct set {
	const char	*dir;
	char		 cert[4096];	/* path of etcd1.pem */
	struct fx_leaf	 l;
};

/* Every set's leaf, freed at the end. */
static struct fx_leaf	made[64];
static size_t		nmade;

static void
mkset(struct set *s, const char *csrjson, const struct pki_profile *p)
{
	char	name[32];

	if (nmade == sizeof(made) / sizeof(made[0])) {
		diag("mkset: more than %zu sets", nmade);
		exit(1);
	}
	snprintf(name, sizeof(name), "case%d", ++ncase);
	s->dir = fx_dir(name);
	snprintf(s->cert, sizeof(s->cert), "%s/etcd1.pem", s->dir);
	fx_leaf_new(&made[nmade], &ca, FX_CSR1, p != NULL ? p : prof, T0,
	    NULL);
	s->l = made[nmade++];
	fx_set_write(s->dir, "etcd1", &s->l, NULL);
	fx_put(fx_path(s->dir, "etcd1-csr.json"), csrjson != NULL ? csrjson :
	    FX_CSR1, 0644);
}

/* The contents of dir/rel, or "" (static; one of four). */
static const char *
cat(const char *dir, const char *rel)
{
	static char	 buf[4][8192];
	static int	 k;
	char		*p, *b = buf[k++ % 4];

	b[0] = '\0';
	if ((p = fx_read(fx_path(dir, rel))) != NULL) {
		snprintf(b, 8192, "%s", p);
		free(p);
	}
	return b;
}

static struct pki_renew_opts	ro;

static void
opts_reset(time_t now)
{
	memset(&ro, 0, sizeof(ro));
	pki_renew_policy_default(&ro.policy);
	ro.policy.stagger = 0;
	ro.now = now;
	ro.layout = -1;
	ro.keep = 3;
	ro.no_sync = 1;
	ro.nt.note = fx_note;
	fx_notes_clear();
}

/* Runs renew on s (path mode); returns the outcome. */
static int
renew(const struct set *s, const struct pki_profile *p)
{
	struct pki_targets	*ts = NULL;
	struct pki_error	 err;
	int			 r;

	memset(&err, 0, sizeof(err));
	if (pki_targets_new(&ts, &err) != 0 ||
	    pki_targets_set_signer(ts, ca.cert, ca.key, capath, &err) != 0 ||
	    pki_targets_add_path(ts, s->cert, NULL, NULL, p != NULL ? p : prof,
	    &err) != 0 || pki_targets_lock(ts, &err) != 0) {
		diag("setup: %s", err.text);
		pki_targets_free(ts);
		return -1;
	}
	r = pki_renew_run(ts, &ro);
	pki_targets_free(ts);
	return r;
}

/* The serial of the certificate dir/etcd1.pem now has ("" if none). */
static const char *
serial_of(const struct set *s)
{
	static char	buf[64];
	const char	*c = cat(s->dir, "etcd1.pem");

	buf[0] = '\0';
	if (*c != '\0')
		snprintf(buf, sizeof(buf), "%s", fx_serial(c));
	return buf;
}

/* The set on disk is whole: certificate and key read through the
 * configured names match each other.  Returns 1 when they do. */
static int
whole(const struct set *s)
{
	struct pki_error	 err;
	struct pki_cert		*c = NULL;
	struct pki_key		*k = NULL;
	const char		*cp = cat(s->dir, "etcd1.pem");
	const char		*kp = cat(s->dir, "etcd1-key.pem");
	int			 ok_ = 0;

	memset(&err, 0, sizeof(err));
	if (pki_cert_load(cp, strlen(cp), "c", &c, &err) == 0 &&
	    pki_key_load(kp, strlen(kp), "k", NULL, &k, &err) == 0)
		ok_ = pki_cert_matches_key(c, k);
	pki_cert_free(c);
	pki_key_free(k);
	return ok_;
}

/* Entries of dir/gen that do not start with ".". */
static int
ngens(const struct set *s)
{
	char	cmd[8192], *out;
	int	n;
	FILE	*f;

	snprintf(cmd, sizeof(cmd), "ls -A '%s/gen' 2>/dev/null | wc -l",
	    s->dir);
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	out = fgets(cmd, sizeof(cmd), f);
	n = out != NULL ? atoi(out) : -1;
	pclose(f);
	return n;
}

/* ---- when a set is due ------------------------------------------------ */

/* The "not due" line of s's certificate under policy p at now. */
static void
want_line(const struct set *s, const struct pki_renew_policy *p, time_t now,
    char *buf, size_t len)
{
	struct pki_error	 err;
	struct pki_cert_facts	 f;
	struct pki_cert		*c = NULL;
	int64_t			 at = 0;
	char			 d[32], left[32];

	memset(&err, 0, sizeof(err));
	memset(&f, 0, sizeof(f));
	if (pki_cert_load(s->l.cert, strlen(s->l.cert), "c", &c, &err) != 0 ||
	    pki_cert_facts(c, &f, &err) != 0 || pki_renew_at(f.not_before,
	    f.not_after, "etcd1", p, &at, &err) != 0)
		diag("want_line: %s", err.text);
	pki_time_format(at, d, sizeof(d));
	pki_time_left(at - (int64_t)now, left, sizeof(left));
	snprintf(buf, len, "etcd1.pem: not due: renews at %s (in %s)", d, left);
	pki_cert_facts_clear(&f);
	pki_cert_free(c);
}

static void
test_due(void)
{
	struct set		 s;
	struct pki_error	 err;
	struct pki_renew_policy	 plain, stag;
	int64_t			 at_plain = 0, at_stag = 0;
	char			 old[64], line[256];

	mkset(&s, NULL, NULL);
	snprintf(old, sizeof(old), "%s", serial_of(&s));
	opts_reset(T0 + 1 * MIN);
	is_int(renew(&s, NULL), PKI_RUN_OK, "fresh: nothing to do");
	pki_renew_policy_default(&plain);
	plain.stagger = 0;
	want_line(&s, &plain, T0 + 1 * MIN, line, sizeof(line));
	ok(fx_has(line), "fresh: not due, renews at two thirds of the lifetime "
	    "(%s)", line);
	is_str(serial_of(&s), old, "fresh: untouched");

	opts_reset(T0 + 1 * MIN);
	ro.force = 1;
	is_int(renew(&s, NULL), PKI_RUN_CHANGED, "-force: renewed");
	ok(strcmp(serial_of(&s), old) != 0 && whole(&s), "-force: a new "
	    "certificate with its key");

	mkset(&s, NULL, NULL);
	snprintf(old, sizeof(old), "%s", serial_of(&s));
	opts_reset(T0 + 50 * MIN);
	is_int(renew(&s, NULL), PKI_RUN_CHANGED, "due: renewed");
	ok(fx_has("etcd1.pem: renewed: serial ") && fx_has(", not after "
	    "2023-11-14T23:58:00Z, gen/20231114T230320.000000Z-") &&
	    fx_has("now uses generations"), "due: says so, converted");
	ok(strcmp(serial_of(&s), old) != 0 && whole(&s), "due: the new set "
	    "is active and whole");
	ok(strstr(cat(s.dir, "current/meta.json"), old) != NULL &&
	    strstr(cat(s.dir, "current/meta.json"), "\"previous_serial\"") !=
	    NULL, "due: meta.json names the previous serial");

	/* Stagger: the same clock, due only with the member's offset. */
	pki_renew_policy_default(&stag);
	memset(&err, 0, sizeof(err));
	if (pki_renew_stagger_parse("90%", "-stagger", &stag, &err) != 0 ||
	    pki_renew_at(T0 - 5 * MIN, T0 + 60 * MIN, "etcd1", &plain,
	    &at_plain, &err) != 0 || pki_renew_at(T0 - 5 * MIN, T0 + 60 * MIN,
	    "etcd1", &stag, &at_stag, &err) != 0)
		diag("stagger: %s", err.text);
	ok(at_stag < at_plain - 2, "stagger: etcd1 renews earlier (%lld < "
	    "%lld)", (long long)at_stag, (long long)at_plain);
	mkset(&s, NULL, NULL);
	opts_reset((time_t)(at_stag + at_plain) / 2);
	is_int(renew(&s, NULL), PKI_RUN_OK, "stagger 0: not due yet");
	opts_reset((time_t)(at_stag + at_plain) / 2);
	ro.policy = stag;
	is_int(renew(&s, NULL), PKI_RUN_CHANGED, "stagger 90%%: due");
}

/* ---- what blocks a renewal --------------------------------------------- */

static void
test_blocks(void)
{
	struct set	s;
	struct fx_leaf	k2;
	char		old[64];

	/* The CSR JSON asks for another SAN. */
	mkset(&s, FX_CSR1X, NULL);
	snprintf(old, sizeof(old), "%s", serial_of(&s));
	opts_reset(T0 + 50 * MIN);
	is_int(renew(&s, NULL), PKI_RUN_REFUSED, "drift: refused");
	ok(fx_has("the CSR JSON differs from the certificate: "
	    "+DNS:etcd1.example; renew with -allow-san-change"),
	    "drift: names the SAN");
	is_str(serial_of(&s), old, "drift: untouched");
	opts_reset(T0 + 50 * MIN);
	ro.allow_san_change = 1;
	is_int(renew(&s, NULL), PKI_RUN_CHANGED, "-allow-san-change: renewed");
	ok(strstr(cat(s.dir, "current/meta.json"), "DNS:etcd1.example") !=
	    NULL, "-allow-san-change: the new SAN is in");

	/* The key on disk belongs to another certificate. */
	mkset(&s, NULL, NULL);
	fx_leaf_new(&k2, &ca, FX_CSR1, prof, T0, NULL);
	fx_put(fx_path(s.dir, "etcd1-key.pem"), k2.key, 0600);
	snprintf(old, sizeof(old), "%s", serial_of(&s));
	opts_reset(T0 + 50 * MIN);
	is_int(renew(&s, NULL), PKI_RUN_REFUSED, "key mismatch: refused");
	ok(fx_has("etcd1-key.pem does not match ") &&
	    fx_has("renew with -rekey"), "key mismatch: says how to fix it");
	opts_reset(T0 + 50 * MIN);
	ro.rekey = 1;
	is_int(renew(&s, NULL), PKI_RUN_REFUSED, "key mismatch: refused also "
	    "with -rekey");
	ok(fx_has("renew with -rekey -replace-key"), "key mismatch with "
	    "-rekey: names -replace-key");
	opts_reset(T0 + 50 * MIN);
	ro.rekey = 1;
	ro.replace_key = 1;
	is_int(renew(&s, NULL), PKI_RUN_CHANGED, "-replace-key: renewed");
	ok(whole(&s) && strcmp(cat(s.dir, "etcd1-key.pem"), k2.key) != 0 &&
	    fx_has(", new key,"), "-replace-key: a new key, matching the new "
	    "certificate");
	fx_leaf_free(&k2);

	/* No CSR JSON; no certificate. */
	mkset(&s, NULL, NULL);
	(void)unlink(fx_path(s.dir, "etcd1-csr.json"));
	opts_reset(T0 + 50 * MIN);
	is_int(renew(&s, NULL), PKI_RUN_REFUSED, "no CSR JSON: refused");
	ok(fx_has("no CSR JSON to renew from (") &&
	    fx_has("pass -csr-json FILE"), "no CSR JSON: says so");
	(void)unlink(s.cert);
	opts_reset(T0 + 50 * MIN);
	is_int(renew(&s, NULL), PKI_RUN_REFUSED, "no certificate: refused");
	ok(fx_has("etcd1.pem: missing: nothing to renew"), "no certificate: "
	    "says so");
}

/* ---- the verify-new policy --------------------------------------------- */

/* The set's target, opened. */
static struct pki_targets *
open_target(const struct set *s)
{
	struct pki_targets	*ts = NULL;
	struct pki_error	 err;

	if (pki_targets_new(&ts, &err) != 0 ||
	    pki_targets_set_signer(ts, ca.cert, ca.key, capath, &err) != 0 ||
	    pki_targets_add_path(ts, s->cert, NULL, NULL, prof, &err) != 0 ||
	    pki_targets_lock(ts, &err) != 0)
		diag("target: %s", err.text);
	return ts;
}

/* pki_reissue_verify of a crafted leaf (csrjson signed at when with key). */
static int
verify(const struct set *s, const char *csrjson, time_t when, time_t now,
    const struct fx_ca *by, int wrong_key)
{
	struct pki_targets	*ts = open_target(s);
	struct pki_reissued	 rs;
	struct pki_cert_facts	 cur;
	struct pki_error	 err;
	struct pki_key		*key = NULL;
	struct pki_cert		*curc = NULL;
	struct fx_leaf		 l;
	int			 r = -2;

	memset(&rs, 0, sizeof(rs));
	memset(&cur, 0, sizeof(cur));
	memset(&err, 0, sizeof(err));
	fx_leaf_new(&l, by, csrjson, prof, when, NULL);
	if (pki_cert_load(l.cert, strlen(l.cert), "new", &rs.cert, &err) ||
	    pki_cert_facts(rs.cert, &rs.f, &err) ||
	    pki_cert_load(s->l.cert, strlen(s->l.cert), "cur", &curc, &err) ||
	    pki_cert_facts(curc, &cur, &err) ||
	    pki_key_load(wrong_key ? s->l.key : l.key, strlen(wrong_key ?
	    s->l.key : l.key), "k", NULL, &key, &err))
		diag("verify: %s", err.text);
	else
		r = pki_reissue_verify(ts, &ts->t[0], &cur, now, 0, &rs, key,
		    &ro.nt);
	pki_reissued_clear(&rs);
	pki_cert_facts_clear(&cur);
	pki_cert_free(curc);
	pki_key_free(key);
	fx_leaf_free(&l);
	pki_targets_free(ts);
	return r;
}

static void
test_verify(void)
{
	struct set	s;
	time_t		now = T0 + 50 * MIN;

	mkset(&s, NULL, NULL);
	opts_reset(now);
	is_int(verify(&s, FX_CSR1, now, now, &ca, 0), 0, "verify: a sound "
	    "leaf passes");
	is_int(verify(&s, FX_CSR1, now, now, &ca, 1), -1, "verify: a pair that "
	    "does not match");
	ok(fx_has("verification: the new certificate does not match its key"),
	    "verify: ...says so");
	is_int(verify(&s, FX_CSR1, now, now, &other, 0), -1, "verify: another "
	    "CA");
	ok(fx_has("does not verify against the signing CA, which the member "
	    "trusts"), "verify: ...names the bundle");
	is_int(verify(&s, FX_CSR1X, now, now, &ca, 0), -1, "verify: SANs not "
	    "the CSR JSON's");
	ok(fx_has("verification: the new certificate differs from the CSR "
	    "JSON: -DNS:etcd1.example"), "verify: ...names the SAN");
	is_int(verify(&s, FX_CSR1, now + 60 * MIN, now, &ca, 0), -1, "verify: "
	    "not valid yet");
	ok(fx_has("does not verify against the signing CA, which the member "
	    "trusts: the signing CA: does not verify: certificate is not yet "
	    "valid"), "verify: ...the chain is checked at now");

	/* Through renew: the bundle of the set's directory, lost EKU,
	 * earlier end. */
	mkset(&s, NULL, NULL);
	fx_put(fx_path(s.dir, "ca.pem"), other.pem, 0644);
	opts_reset(now);
	is_int(renew(&s, NULL), PKI_RUN_REFUSED, "bundle of another CA: "
	    "refused");
	ok(fx_has("/ca.pem, which the member trusts"), "bundle of another CA: "
	    "names the directory's ca.pem");
	mkset(&s, NULL, NULL);
	opts_reset(now);
	is_int(renew(&s, prof_server), PKI_RUN_REFUSED, "EKU lost: refused");
	ok(fx_has("the profile drops the extended key usage \"client auth\" of "
	    "the current certificate"), "EKU lost: names it");
	opts_reset(T0 + 45 * MIN);
	is_int(renew(&s, prof_short), PKI_RUN_REFUSED, "earlier end: refused");
	/*
	 * 10m is under 10 times the 5m backdate, which the strictness policy
	 * cuts to 1m from the unrounded now: 22:58:20 - 1m + 10m.
	 */
	ok(fx_has("would expire 2023-11-14T23:07:20Z, earlier than the current "
	    "one (2023-11-14T23:08:00Z): check the profile's expiry, or pass "
	    "-force"), "earlier end: says when");
	ok(ngens(&s) == 0 && whole(&s) && !fx_exists(fx_path(s.dir,
	    "current")), "refusals: nothing staged, nothing converted");
	opts_reset(T0 + 45 * MIN);
	ro.force = 1;
	is_int(renew(&s, prof_short), PKI_RUN_CHANGED, "earlier end with "
	    "-force: renewed");
}

/* ---- the strictness policy of what renew signs ------------------- */

static void
test_policy(void)
{
	struct pki_parse_opts	po;
	struct set		s;
	char			old[64];

	/* 10m: the backdate is cut; the warning names the set. */
	mkset(&s, NULL, NULL);
	opts_reset(T0 + 45 * MIN);
	memset(&po, 0, sizeof(po));
	po.warn = tap_collect;
	tap_warnings[0] = '\0';
	ro.force = 1;
	ro.sign_policy = &po;
	is_int(renew(&s, prof_short), PKI_RUN_CHANGED, "policy: a 10m profile "
	    "renews");
	if (!ok(strstr(tap_warnings, "/etcd1.pem: config: signing.default."
	    "expiry: 10m0s is less than 10 times the backdate (5m0s): the "
	    "backdate is cut to 1m0s") != NULL,
	    "policy: ...with the backdate warning, naming the set"))
		diag("%s", tap_warnings);
	/* -strict: refused, nothing changed. */
	mkset(&s, NULL, NULL);
	snprintf(old, sizeof(old), "%s", serial_of(&s));
	opts_reset(T0 + 45 * MIN);
	po.strict = 1;
	ro.force = 1;
	ro.sign_policy = &po;
	is_int(renew(&s, prof_short), PKI_RUN_REFUSED, "policy: -strict "
	    "refuses it");
	ok(fx_has("/etcd1.pem: config: signing.default.expiry: 10m0s is less "
	    "than 10 times the backdate"), "policy: ...naming the set and the "
	    "profile");
	ok(*old != '\0' && strcmp(serial_of(&s), old) == 0 && ngens(&s) == 0 &&
	    whole(&s), "policy: ...and nothing changed");
}

/* ---- hooks, dry runs, the fixed layout ---------------------------- */

static char	hooklog[4096];

static int
h_pre(void *arg, const char *due)
{
	size_t	n = strlen(hooklog);

	snprintf(hooklog + n, sizeof(hooklog) - n, "pre(%s) ", due);
	return *(int *)arg;
}

static void
h_deploy(void *arg, const struct pki_renewed *d)
{
	size_t	n = strlen(hooklog);

	(void)arg;
	snprintf(hooklog + n, sizeof(hooklog) - n, "deploy(%s,%s,%d) ",
	    d->name, strncmp(d->generation, "gen/", 4) == 0 ? "gen" : "-",
	    d->rekeyed);
}

static int
h_restart(void *arg)
{
	size_t	n = strlen(hooklog);

	snprintf(hooklog + n, sizeof(hooklog) - n, "restart ");
	return *(int *)arg;
}

static void
h_post(void *arg, const char *ok_, const char *bad, int outcome)
{
	size_t	n = strlen(hooklog);

	(void)arg;
	snprintf(hooklog + n, sizeof(hooklog) - n, "post(%s|%s|%d)", ok_, bad,
	    outcome);
}

static void
test_hooks(void)
{
	struct set	s;
	int		fail = 0, ok0 = 0;
	char		old[64];

	mkset(&s, NULL, NULL);
	opts_reset(T0 + 50 * MIN);
	ro.hooks.pre = h_pre;
	ro.hooks.deploy = h_deploy;
	ro.hooks.restart = h_restart;
	ro.hooks.post = h_post;
	ro.hooks.arg = &ok0;
	hooklog[0] = '\0';
	is_int(renew(&s, NULL), PKI_RUN_CHANGED, "hooks: renewed");
	is_str(hooklog, "pre(etcd1) deploy(etcd1,gen,0) restart "
	    "post(etcd1||1)", "hooks: pre, deploy, restart, post");

	mkset(&s, NULL, NULL);
	snprintf(old, sizeof(old), "%s", serial_of(&s));
	opts_reset(T0 + 50 * MIN);
	ro.hooks.pre = h_pre;
	ro.hooks.post = h_post;
	ro.hooks.arg = &fail;
	fail = 1;
	hooklog[0] = '\0';
	is_int(renew(&s, NULL), PKI_RUN_REFUSED, "pre hook fails: refused");
	ok(strcmp(hooklog, "pre(etcd1) post(|etcd1|3)") == 0 &&
	    fx_has("the pre hook failed: nothing renewed") &&
	    strcmp(serial_of(&s), old) == 0,
	    "pre hook fails: nothing renewed (%s)", hooklog);

	opts_reset(T0 + 50 * MIN);
	ro.hooks.restart = h_restart;
	ro.hooks.arg = &fail;
	hooklog[0] = '\0';
	is_int(renew(&s, NULL), PKI_RUN_FAILED, "restart fails: failed");
	ok(strcmp(serial_of(&s), old) != 0 && whole(&s), "restart fails: the "
	    "new set stays active");

	mkset(&s, NULL, NULL);
	snprintf(old, sizeof(old), "%s", serial_of(&s));
	opts_reset(T0 + 50 * MIN);
	ro.dry_run = 1;
	ro.rekey = 1;
	is_int(renew(&s, NULL), PKI_RUN_CHANGED, "dry run: would renew");
	ok(fx_has("would renew: serial ") && fx_has("new key (dry run: nothing "
	    "changed)") && strcmp(serial_of(&s), old) == 0 &&
	    !fx_exists(fx_path(s.dir, "current")), "dry run: nothing changed");

	opts_reset(T0 + 50 * MIN);
	ro.layout = PKI_LAYOUT_FIXED;
	is_int(renew(&s, NULL), PKI_RUN_CHANGED, "fixed layout: renewed");
	ok(strcmp(serial_of(&s), old) != 0 && whole(&s) &&
	    strcmp(cat(s.dir, "etcd1.pem.bak"), s.l.cert) == 0 &&
	    fx_has("previous files in *.bak"), "fixed layout: in place, the "
	    "old files in *.bak");

	mkset(&s, NULL, NULL);
	opts_reset(T0 + 50 * MIN);
	(void)renew(&s, NULL);
	opts_reset(T0 + 50 * MIN);
	ro.force = 1;
	ro.layout = PKI_LAYOUT_FIXED;
	is_int(renew(&s, NULL), PKI_RUN_REFUSED, "-layout fixed on generations:"
	    " refused");
	ok(fx_has("-layout fixed cannot go back"), "-layout fixed on "
	    "generations: says so");
}

/* ---- injected failures ------------------------------------------- */

/* Generations fails() keeps (prune). */
static long	fail_keep = 3;

/* Renews s with call failing; checks that nothing was lost. */
static void
fails(const struct set *s, const char *label, const char *call,
    const char *match, int nth, int want)
{
	char	old[64], oldcert[8192];
	int	r, before = ngens(s), failed;

	snprintf(old, sizeof(old), "%s", serial_of(s));
	snprintf(oldcert, sizeof(oldcert), "%s", cat(s->dir, "etcd1.pem"));
	opts_reset(T0 + 50 * MIN);
	ro.force = 1;
	ro.keep = fail_keep;
	arm(call, match, nth);
	r = renew(s, NULL);
	failed = inj.failed;
	arm(NULL, NULL, 0);
	ok(failed > 0, "%s: the failure was injected", label);
	is_int(r, want, "%s: outcome", label);
	if (want == PKI_RUN_FAILED) {
		ok(strcmp(serial_of(s), old) == 0 && strcmp(cat(s->dir,
		    "etcd1.pem"), oldcert) == 0 && whole(s), "%s: the old set "
		    "is intact and active", label);
		/* A conversion keeps its first generation: the old set. */
		ok(ngens(s) == (before > 0 ? before : ngens(s) <= 1 ?
		    ngens(s) : -1), "%s: no staged generation left (%d, was "
		    "%d)", label, ngens(s), before);
	} else
		ok(whole(s), "%s: the set is whole", label);
}

static void
test_failures(void)
{
	struct set	s;
	char		old[64];

	/* Converting a fixed set: the links cannot be made. */
	mkset(&s, NULL, NULL);
	fails(&s, "conversion", "symlinkat", "current/etcd1.pem", 1,
	    PKI_RUN_FAILED);
	opts_reset(T0 + 50 * MIN);
	is_int(renew(&s, NULL), PKI_RUN_CHANGED, "conversion: a rerun "
	    "finishes it");

	/* A generations set: staging and activating fail. */
	fails(&s, "staging (mkdir)", "mkdirat", ".tmp-", 1, PKI_RUN_FAILED);
	fails(&s, "staging (rename)", "renameat", "T", 1, PKI_RUN_FAILED);
	fails(&s, "activation", "renameat", "current", 1, PKI_RUN_FAILED);
	ok(fx_has("current: cannot replace"), "activation: says why");
	fail_keep = 0;
	fails(&s, "pruning", "unlinkat", NULL, 1, PKI_RUN_CHANGED);
	fail_keep = 3;
	ok(fx_has("/gen/20231114T") &&
	    fx_has(": cannot remove: Input/output error"),
	    "pruning: the failure is reported");

	/* The fixed layout's replacement. */
	mkset(&s, NULL, NULL);
	opts_reset(T0 + 50 * MIN);
	snprintf(old, sizeof(old), "%s", serial_of(&s));
	ro.layout = PKI_LAYOUT_FIXED;
	arm("renameat", "etcd1.pem", 1);
	is_int(renew(&s, NULL), PKI_RUN_FAILED, "fixed replacement fails");
	arm(NULL, NULL, 0);
	ok(strcmp(serial_of(&s), old) == 0 && whole(&s) &&
	    !fx_exists(fx_path(s.dir, "current")), "fixed replacement fails: "
	    "the old files are intact");
}

/* ---- rollback ---------------------------------------------------------- */

static int
rollback(const struct set *s, const char *to, int force)
{
	struct pki_rollback_opts	 o;
	struct pki_targets		*ts = NULL;
	struct pki_error		 err;
	int				 r = -1;

	memset(&o, 0, sizeof(o));
	memset(&err, 0, sizeof(err));
	o.to = to;
	o.force = force;
	o.no_sync = 1;
	o.nt.note = fx_note;
	fx_notes_clear();
	if (pki_targets_new(&ts, &err) == 0 &&
	    pki_targets_add_path(ts, s->cert, NULL, NULL, NULL, &err) == 0 &&
	    pki_targets_lock(ts, &err) == 0)
		r = pki_rollback_run(ts, &o);
	else
		diag("rollback: %s", err.text);
	pki_targets_free(ts);
	return r;
}

static void
test_rollback(void)
{
	struct set	s;
	char		first[64], second[64];

	mkset(&s, NULL, NULL);
	snprintf(first, sizeof(first), "%s", serial_of(&s));
	is_int(rollback(&s, NULL, 0), PKI_RUN_REFUSED, "rollback of a fixed "
	    "set never renewed: refused");
	ok(fx_has("etcd1.pem.bak: missing: nothing to roll back to"), "...says "
	    "so");
	opts_reset(T0 + 50 * MIN);
	(void)renew(&s, NULL);
	snprintf(second, sizeof(second), "%s", serial_of(&s));
	arm("renameat", "current", 1);
	is_int(rollback(&s, NULL, 0), PKI_RUN_FAILED, "rollback: the switch "
	    "fails");
	arm(NULL, NULL, 0);
	is_str(serial_of(&s), second, "rollback fails: still the renewed set");
	is_int(rollback(&s, NULL, 0), PKI_RUN_OK, "rollback");
	ok(strcmp(serial_of(&s), first) == 0 && whole(&s) && fx_has("rolled "
	    "back: gen/"), "rollback: the first certificate is back");
	is_int(rollback(&s, NULL, 0), PKI_RUN_REFUSED, "rollback past the "
	    "first generation: refused");
	ok(fx_has("no generation before gen/"), "...says so");

	/* A generation with another key needs a restart or -force. */
	opts_reset(T0 + 50 * MIN);
	ro.rekey = 1;
	(void)renew(&s, NULL);
	is_int(rollback(&s, NULL, 0), PKI_RUN_REFUSED, "another key: refused");
	ok(fx_has("has another key than gen/") && fx_has("give -restart-cmd "
	    "(or -force)"), "another key: says why");
	is_int(rollback(&s, NULL, 1), PKI_RUN_OK, "another key with -force");
	ok(whole(&s), "...the set is whole");
}

/* Checks f; the error's text, "rolling", or "ok". */
static const char *
flags(const struct pki_renew_flags *f)
{
	static struct pki_error	err;
	int			rolling = -1;

	memset(&err, 0, sizeof(err));
	if (pki_renew_flags_check(f, &rolling, &err) != 0)
		return err.text;
	return rolling == 1 ? "rolling" : rolling == 0 ? "ok" : "?";
}

/*
 * The node's etcdctl settings (pki_roll_node_init): the flags first,
 * then ETCDCTL_*; what is missing is named.
 */
static void
test_node(void)
{
	struct pki_roll_node	 n;
	struct pki_error	 err;

	memset(&err, 0, sizeof(err));
	(void)unsetenv("ETCDCTL_ENDPOINTS");
	(void)unsetenv("ETCDCTL_CACERT");
	(void)unsetenv("ETCDCTL_CERT");
	(void)unsetenv("ETCDCTL_KEY");
	is_int(pki_roll_node_init(&n, NULL, NULL, NULL, NULL, &err),
	    PKI_ERR_ARG, "node: nothing set: refused");
	ok(strstr(err.text, "set ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, "
	    "ETCDCTL_CERT and ETCDCTL_KEY") != NULL, "node: ... naming what "
	    "to set: %s", err.text);
	(void)setenv("ETCDCTL_ENDPOINTS", "https://10.0.0.1:2379,10.0.0.2:2379",
	    1);
	is_int(pki_roll_node_init(&n, NULL, NULL, NULL, NULL, &err),
	    PKI_ERR_ARG, "node: endpoints without TLS files: refused");
	ok(strstr(err.text, "ETCDCTL_CACERT, ETCDCTL_CERT and ETCDCTL_KEY") !=
	    NULL, "node: ... naming them: %s", err.text);
	(void)setenv("ETCDCTL_CACERT", "/etc/pki/tls/certs/ca.pem", 1);
	(void)setenv("ETCDCTL_CERT", "/etc/etcd/pki/etcd1.pem", 1);
	(void)setenv("ETCDCTL_KEY", "/etc/etcd/pki/etcd1-key.pem", 1);
	if (pki_roll_node_init(&n, NULL, NULL, NULL, NULL, &err) != PKI_OK)
		ok(0, "node: from the environment: %s", err.text);
	else {
		ok(n.nendpoints == 2 && strcmp(n.endpoints[0],
		    "https://10.0.0.1:2379") == 0 && strcmp(n.endpoints[1],
		    "https://10.0.0.2:2379") == 0 && n.endpoints[2] == NULL,
		    "node: ETCDCTL_ENDPOINTS, HOST:PORT as https");
		ok(strcmp(n.cert_file, "/etc/etcd/pki/etcd1.pem") == 0 &&
		    strcmp(n.key_file, "/etc/etcd/pki/etcd1-key.pem") == 0 &&
		    strcmp(n.ca_file, "/etc/pki/tls/certs/ca.pem") == 0,
		    "node: the TLS files from ETCDCTL_*");
		pki_roll_node_clear(&n);
	}
	if (pki_roll_node_init(&n, "https://[::1]:2379", "c", NULL, NULL,
	    &err) != PKI_OK)
		ok(0, "node: flags: %s", err.text);
	else {
		ok(n.nendpoints == 1 && strcmp(n.ca_file, "c") == 0 &&
		    strcmp(n.cert_file, "/etc/etcd/pki/etcd1.pem") == 0,
		    "node: the flags beat the environment, the rest from it");
		pki_roll_node_clear(&n);
	}
	is_int(pki_roll_node_init(&n, "http://10.0.0.1:2379", NULL, NULL,
	    NULL, &err), PKI_ERR_ARG, "node: an http endpoint: refused");
	ok(strstr(err.text, "needs https") != NULL, "node: ... says so: %s",
	    err.text);
	is_int(pki_roll_node_init(&n, ",", NULL, NULL, NULL, &err),
	    PKI_ERR_ARG, "node: no endpoint in the list: refused");
	(void)unsetenv("ETCDCTL_ENDPOINTS");
	(void)unsetenv("ETCDCTL_CACERT");
	(void)unsetenv("ETCDCTL_CERT");
	(void)unsetenv("ETCDCTL_KEY");
}

/* Which restart choices and commands go together (pki_renew_flags_check). */
static void
test_flags(void)
{
	struct pki_renew_flags	f;

	memset(&f, 0, sizeof(f));
	f.restart = PKI_RESTART_UNSET;
	f.layout = -1;
	is_str(flags(&f), "ok", "flags: nothing given");
	f.restart = PKI_RESTART_ROLLING;
	/* Issue 14: a node restarts through its etcdctl settings. */
	is_str(flags(&f), "rolling", "flags: rolling without a cluster: "
	    "path mode, through the node's etcdctl settings");
	test_node();
	f.cluster = 1;
	f.restart_cmd = f.rekey = f.rolling_only = 1;
	is_str(flags(&f), "rolling", "flags: rolling, its commands and flags");
	f.layout = PKI_LAYOUT_FIXED;
	ok(strstr(flags(&f), "does not work with -layout fixed") != NULL,
	    "flags: rolling needs generations");
	f.layout = -1;
	f.stop_cmd = 1;
	is_str(flags(&f), "-stop-cmd and -start-cmd go together",
	    "flags: -stop-cmd alone refused");
	f.restart = PKI_RESTART_NONE;
	f.stop_cmd = f.rolling_only = 0;
	is_str(flags(&f), "-restart none and -restart-cmd contradict each "
	    "other", "flags: none with a command refused");
	f.restart_cmd = 0;
	ok(strncmp(flags(&f), "-restart none needs the key to be kept", 38) ==
	    0, "flags: none with -rekey refused");
	f.restart = PKI_RESTART_UNSET;
	f.rolling_only = 1;
	ok(strncmp(flags(&f), "-gate-timeout, -settle", 22) == 0,
	    "flags: the rolling flags without rolling refused");
	f.rolling_only = 0;
	ok(strncmp(flags(&f), "-rekey needs -restart-cmd", 25) == 0,
	    "flags: a new key without a restart refused");
	f.stop_cmd = f.start_cmd = 1;
	is_str(flags(&f), "ok", "flags: -rekey with -stop-cmd and -start-cmd");
	f.rekey = 0;
	ok(strncmp(flags(&f), "-stop-cmd and -start-cmd are for -rekey", 39) ==
	    0, "flags: stop and start without -rekey refused");
	f.rekey = 1;
	f.stop_cmd = f.start_cmd = 0;
	f.restart_cmd = 1;
	f.layout = PKI_LAYOUT_FIXED;
	ok(strncmp(flags(&f), "-rekey with -layout fixed replaces", 34) == 0,
	    "flags: -rekey in place needs a stop");
	memset(&f, 0, sizeof(f));
	f.restart = PKI_RESTART_UNSET;
	f.layout = -1;
	f.replace_key = 1;
	is_str(flags(&f), "-replace-key needs -rekey: the old key is replaced",
	    "flags: -replace-key without -rekey refused");
}

/* A member's or client's directory reached through a link: refused. */
static void
test_cluster_links(void)
{
	static const char	 desc[] = "{\"members\": [{\"name\": "
	    "\"etcd1\", \"ips\": [\"10.0.0.1\"]}], \"clients\": [{\"name\": "
	    "\"admin\"}]}";
	struct pki_cluster	*cl = NULL;
	struct pki_targets	*ts = NULL;
	struct pki_error	 err;
	const char		*d = fx_dir("links"), *elsewhere = fx_dir("else");
	char			 want[1024];
	int			 r;

	memset(&err, 0, sizeof(err));
	if (pki_cluster_parse(desc, strlen(desc), "desc.json", NULL, &cl,
	    &err) != 0) {
		diag("cluster: %s", err.text);
		return;
	}
	if (symlink(elsewhere, fx_path(d, "etcd1")) != 0 ||
	    mkdir(fx_path(d, "clients"), 0755) != 0 ||
	    symlink(elsewhere, fx_path(d, "clients/admin")) != 0)
		diag("links: %s", strerror(errno));
	r = pki_targets_new(&ts, &err) != 0 ? -1 : pki_targets_add_cluster(ts,
	    cl, "desc.json", d, NULL, 0, NULL, &err);
	is_int(r, PKI_ERR_INPUT, "cluster: a member directory that is a "
	    "link: refused");
	snprintf(want, sizeof(want), "%s/etcd1: a symbolic link, not a "
	    "directory: refused, as cluster issue refuses it (the files of "
	    "etcd1 belong in %s)", d, d);
	is_str(err.text, want, "... naming it");
	pki_targets_free(ts);
	ts = NULL;
	r = pki_targets_new(&ts, &err) != 0 ? -1 : pki_targets_add_cluster(ts,
	    cl, "desc.json", d, "admin", 0, NULL, &err);
	is_int(r, PKI_ERR_INPUT, "... a client's too (-member admin)");
	pki_targets_free(ts);
	ts = NULL;
	if (unlink(fx_path(d, "etcd1")) != 0 ||
	    mkdir(fx_path(d, "etcd1"), 0755) != 0 ||
	    unlink(fx_path(d, "clients/admin")) != 0 ||
	    rename(fx_path(d, "clients"), fx_path(d, "c0")) != 0 ||
	    symlink("c0", fx_path(d, "clients")) != 0 ||
	    mkdir(fx_path(d, "c0/admin"), 0755) != 0)
		diag("relink: %s", strerror(errno));
	r = pki_targets_new(&ts, &err) != 0 ? -1 : pki_targets_add_cluster(ts,
	    cl, "desc.json", d, "admin", 0, NULL, &err);
	is_int(r, PKI_ERR_INPUT, "... and a link at clients/");
	pki_targets_free(ts);
	ts = NULL;
	r = pki_targets_new(&ts, &err) != 0 ? -1 : pki_targets_add_cluster(ts,
	    cl, "desc.json", d, "etcd1", 0, NULL, &err);
	is_int(r, PKI_OK, "a real directory: accepted");
	pki_targets_free(ts);
	pki_cluster_free(cl);
}

/* ---- remote signing: the signer, the pin, the profile ---------------- */

/* The remote signer's setup, without a server (pki_targets_set_remote,
 * pki_reissue_pin, pki_reissue_profile). */
static void
test_remote_signer(void)
{
	struct pki_targets	*ts = NULL;
	struct pki_remote	 r;
	struct pki_error	 err;
	const struct pki_cert	*pin = NULL;
	struct pki_cert		*own = NULL;
	struct set		 s;
	char			 two[16384], cd[4096];
	int			 rv;

	memset(&err, 0, sizeof(err));
	memset(&r, 0, sizeof(r));
	r.urls = "127.0.0.1:1";
	r.auth_key = "file:/nonexistent/auth.key";
	mkset(&s, NULL, NULL);
	rv = pki_targets_new(&ts, &err) != 0 ? -1 :
	    pki_targets_set_remote(ts, &r, NULL, NULL, capath, &err);
	ok(rv == 0 && ts->remote != NULL && ts->ca == NULL &&
	    ts->cakey == NULL && ts->pin != NULL && ts->capem != NULL,
	    "remote signer: no local CA, -ca loaded as the pin and bundle");
	is_str(ts->rprofile, "", "path mode without -profile: the default "
	    "profile (\"\") is sent");
	ok(pki_targets_add_path(ts, s.cert, NULL, NULL, prof, &err) == 0 &&
	    pki_targets_lock(ts, &err) == 0, "a set added and opened");
	ok(pki_reissue_pin(ts, &ts->t[0], &pin, &own, NULL) == 0 &&
	    pin == ts->pin && own == NULL, "-ca pins first");
	pki_targets_free(ts);
	ts = NULL;

	/* No -ca: the set's ca.pem pins when it holds one certificate. */
	fx_put(fx_path(s.dir, "ca.pem"), ca.pem, 0644);
	rv = pki_targets_new(&ts, &err) != 0 ? -1 :
	    pki_targets_set_remote(ts, &r, "peer", "primary", NULL, &err);
	if (rv == 0)
		rv = pki_targets_add_path(ts, s.cert, NULL, NULL, prof, &err);
	if (rv == 0)
		rv = pki_targets_lock(ts, &err);
	ok(rv == 0 && ts->pin == NULL && ts->capem == NULL,
	    "no -ca: nothing pinned up front");
	is_str(pki_reissue_profile(ts, &ts->t[0]), "peer", "-profile is "
	    "sent");
	is_str(ts->rlabel, "primary", "-label is kept");
	ok(pki_reissue_pin(ts, &ts->t[0], &pin, &own, NULL) == 0 &&
	    own != NULL && pin == own && pki_cert_matches_key(own, ca.key),
	    "the set's ca.pem (one certificate) pins");
	pki_cert_free(own);
	own = NULL;
	/* A bundle of two: no single pin, the server's /info decides. */
	snprintf(two, sizeof(two), "%s%s", ca.pem, other.pem);
	fx_put(fx_path(s.dir, "ca.pem"), two, 0644);
	fx_notes_clear();
	ok(pki_reissue_pin(ts, &ts->t[0], &pin, &own, &ro.nt) == 0 &&
	    pin == NULL && own == NULL, "a bundle of two CAs pins nothing");
	ok(fx_has("the server's /info"), "... and says the server's /info "
	    "decides");
	pki_targets_free(ts);
	ts = NULL;

	/* The unit's credential replaces a file: key, and only that. */
	snprintf(cd, sizeof(cd), "%s", fx_dir("creds"));
	fx_put(fx_path(cd, PKI_AUTH_KEY_CRED), "00ff\n", 0600);
	setenv("CREDENTIALS_DIRECTORY", cd, 1);
	rv = pki_targets_new(&ts, &err) != 0 ? -1 :
	    pki_targets_set_remote(ts, &r, NULL, NULL, NULL, &err);
	ok(rv == 0 && strcmp(ts->remote->auth_key + 5, fx_path(cd,
	    PKI_AUTH_KEY_CRED)) == 0 && strncmp(ts->remote->auth_key,
	    "file:", 5) == 0, "a file: auth key is read from "
	    "$CREDENTIALS_DIRECTORY/" PKI_AUTH_KEY_CRED);
	pki_targets_free(ts);
	ts = NULL;
	r.auth_key = "00112233";
	rv = pki_targets_new(&ts, &err) != 0 ? -1 :
	    pki_targets_set_remote(ts, &r, NULL, NULL, NULL, &err);
	ok(rv == 0 && strcmp(ts->remote->auth_key, "00112233") == 0,
	    "a key written in the configuration is kept");
	pki_targets_free(ts);
	unsetenv("CREDENTIALS_DIRECTORY");
}

/* The shape of renew's arguments (pki_targets_args_check). */
static void
test_args_check(void)
{
	struct pki_error	err;

	memset(&err, 0, sizeof(err));
	ok(pki_targets_args_check(1, 1, 0, 1, &err) == 0, "-cluster DESC "
	    "-member NAME DIR");
	ok(pki_targets_args_check(1, 0, 0, 2, &err) == PKI_ERR_ARG &&
	    strstr(err.text, "exactly one argument") != NULL &&
	    strstr(err.text, "(got 2)") != NULL, "-cluster with two DIRs");
	ok(pki_targets_args_check(1, 0, 1, 1, &err) == PKI_ERR_ARG &&
	    strstr(err.text, "-csr-json goes without -cluster") != NULL,
	    "-cluster -csr-json");
	ok(pki_targets_args_check(0, 0, 0, 0, &err) == PKI_ERR_ARG &&
	    strncmp(err.text, "nothing to renew", 16) == 0, "no CERT");
	ok(pki_targets_args_check(0, 1, 0, 1, &err) == PKI_ERR_ARG &&
	    strcmp(err.text, "-member needs -cluster") == 0, "-member alone");
	ok(pki_targets_args_check(0, 0, 1, 2, &err) == PKI_ERR_ARG &&
	    strstr(err.text, "2 are given") != NULL &&
	    pki_targets_args_check(0, 0, 1, 1, &err) == 0 &&
	    pki_targets_args_check(0, 0, 0, 3, &err) == 0, "-csr-json for "
	    "one CERT only; CERTs without it");
}

int
main(void)
{
	plan(104 + 5 + 1 + 5 + 12 + 6 + 10);
	fx_ca_new(&ca, "test CA", T0 - 86400);
	fx_ca_new(&other, "other CA", T0 - 86400);
	cfg = fx_config("1h", FX_USAGES, &prof);
	cfg_short = fx_config("10m", FX_USAGES, &prof_short);
	cfg_server = fx_config("1h", "[\"signing\",\"key encipherment\","
	    "\"server auth\"]", &prof_server);
	snprintf(capath, sizeof(capath), "%s", fx_path(fx_dir("ca"),
	    "ca.pem"));
	fx_put(capath, ca.pem, 0644);
	test_due();
	test_blocks();
	test_verify();
	test_policy();
	test_hooks();
	test_failures();
	test_rollback();
	test_flags();
	test_cluster_links();
	test_remote_signer();
	test_args_check();
	while (nmade > 0)
		fx_leaf_free(&made[--nmade]);
	pki_config_free(cfg);
	pki_config_free(cfg_short);
	pki_config_free(cfg_server);
	fx_ca_free(&ca);
	fx_ca_free(&other);
	return done_testing();
}

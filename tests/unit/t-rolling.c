/*
 * t-rolling.c: the rolling restart's logic (pki/rolling.c) against a
 * scripted fake of struct pki_etcd_ops: the cluster lock (busy, granted
 * late, cut off), the gates before the restart (unhealthy member, a
 * member not started or unknown, an alarm, quorum), the leader move, the
 * restart commands and the switch, the gates after the restart (health,
 * lag, the served serial, trust probes), the rollback and its failure,
 * the lease, and the end of the session.  The clock is the fake's: no
 * test sleeps.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "../tap.h"
#include "fixture.h"

#define NM	3

/* The scripted cluster. */
struct fake {
	int64_t		 now;		/* virtual ms */
	size_t		 n;		/* members in etcd's list */
	const char	*names[NM + 1];
	int		 healthy[NM + 1];
	uint64_t	 raft[NM + 1];
	uint64_t	 leader;	/* member id (index + 1), 0: none */
	int		 move_ok;	/* move-leader makes the target lead */
	size_t		 nalarms;
	int		 lock_busy;	/* another lease holds it */
	long		 lock_delay;	/* ms the lock call takes */
	int		 lock_fail;	/* the lock call fails */
	long		 ttl;		/* keepalive's answer */
	int		 grant_fail;
	int		 accepts;	/* trust probe: 1 accepted, 0 refused */
	/* After the nth restart/start command the member becomes: */
	int		 heal_at;	/* healthy at that run (0: never) */
	int		 lag_until;	/* behind the leader before that run */
	/* What happened. */
	int		 runs[3];	/* PKI_ROLL_* commands run */
	int		 nrun;
	int		 run_status;	/* exit status of every command */
	char		 log[4096];
	int		 unlocked, revoked, moved, opened;
	int		 unlocked_step;	/* 1 + unlock calls made when the
					   step "unlocked" came; 0: never */
	char		 cert_file[256];
};

static struct fake	F;

static void
logf_(const char *what)
{
	size_t	len = strlen(F.log);

	snprintf(F.log + len, sizeof(F.log) - len, "%s%s", len ? " " : "",
	    what);
}

static int
f_open(void *arg, const struct pki_etcd_conf *conf, void **h,
    struct pki_error *err)
{
	(void)arg;
	(void)err;
	F.opened++;
	snprintf(F.cert_file, sizeof(F.cert_file), "%s", conf->cert_file);
	*h = &F;
	return 0;
}

static void
f_close(void *h)
{
	(void)h;
}

static void
f_avoid(void *h, int ep)
{
	(void)h;
	(void)ep;
}

static int
f_health(void *h, int ep, int *healthy, struct pki_error *err)
{
	(void)h;
	(void)err;
	*healthy = ep >= 0 && (size_t)ep < NM ? F.healthy[ep] : 0;
	return 0;
}

static int
f_status(void *h, int ep, struct pki_etcd_status *st, struct pki_error *err)
{
	(void)h;
	(void)err;
	memset(st, 0, sizeof(*st));
	st->member_id = (uint64_t)ep + 1;
	st->leader = F.leader;
	st->raft_index = F.raft[ep];
	if (F.lag_until > F.nrun && ep == 0)
		st->raft_index = 1;
	return 0;
}

static int
f_members(void *h, int ep, struct pki_etcd_member **m, size_t *n,
    struct pki_error *err)
{
	size_t	i;

	(void)h;
	(void)ep;
	(void)err;
	*m = calloc(F.n + 1, sizeof(**m));
	for (i = 0; i < F.n; i++) {
		(*m)[i].id = i + 1;
		(*m)[i].name = strdup(F.names[i]);
	}
	*n = F.n;
	return 0;
}

static int
f_alarms(void *h, int ep, size_t *n, char *desc, size_t len,
    struct pki_error *err)
{
	(void)h;
	(void)ep;
	(void)err;
	*n = F.nalarms;
	snprintf(desc, len, "NOSPACE on 1");
	return 0;
}

static int
f_grant(void *h, int ep, long ttl_s, int64_t *id, struct pki_error *err)
{
	(void)h;
	(void)ep;
	(void)ttl_s;
	if (F.grant_fail)
		return pki_err(err, PKI_ERR_IO, "no endpoint answers");
	*id = 0x1234;
	return 0;
}

static int
f_keepalive(void *h, int ep, int64_t id, long *ttl_s, struct pki_error *err)
{
	(void)h;
	(void)ep;
	(void)id;
	(void)err;
	*ttl_s = F.ttl;
	return 0;
}

static int
f_revoke(void *h, int ep, int64_t id, struct pki_error *err)
{
	(void)h;
	(void)ep;
	(void)id;
	(void)err;
	F.revoked++;
	return 0;
}

static int
f_lock(void *h, int ep, const char *name, int64_t lease, long wait_ms,
    char **key, size_t *keylen, int *busy, char *holder, size_t holderlen,
    struct pki_error *err)
{
	(void)h;
	(void)ep;
	(void)lease;
	(void)wait_ms;
	logf_("lock");
	F.now += F.lock_delay;
	if (F.lock_fail)
		return pki_err(err, PKI_ERR_IO, "connection reset");
	if (F.lock_busy) {
		*busy = 1;
		snprintf(holder, holderlen, "lease 99");
		return 0;
	}
	*key = strdup(name);
	*keylen = strlen(name);
	return 0;
}

static int
f_unlock(void *h, int ep, const char *key, size_t keylen,
    struct pki_error *err)
{
	(void)h;
	(void)ep;
	(void)key;
	(void)keylen;
	(void)err;
	F.unlocked++;
	return 0;
}

static int
f_move(void *h, int ep, uint64_t target, struct pki_error *err)
{
	char	buf[32];

	(void)h;
	(void)ep;
	(void)err;
	snprintf(buf, sizeof(buf), "move:%" PRIu64, target);
	logf_(buf);
	F.moved++;
	if (F.move_ok)
		F.leader = target;
	return 0;
}

/* The certificate the member serves (PEM), or NULL: no connection. */
static const char	*served_pem;

static int
f_peer_cert(void *arg, const char *host, const char *port, int timeout_ms,
    struct pki_cert **out, struct pki_error *err)
{
	(void)arg;
	(void)host;
	(void)port;
	(void)timeout_ms;
	(void)err;
	*out = NULL;
	if (served_pem == NULL)
		return pki_err(err, PKI_ERR_IO, "connection refused");
	return pki_cert_load(served_pem, strlen(served_pem), "served", out,
	    err);
}

static int
f_probe(void *arg, const char *host, const char *port,
    const struct pki_cert *cert, const struct pki_key *key, int timeout_ms,
    struct pki_cert **out, int *accepted, struct pki_error *err)
{
	(void)arg;
	(void)host;
	(void)port;
	(void)cert;
	(void)key;
	(void)timeout_ms;
	(void)err;
	*out = NULL;
	*accepted = F.accepts;
	return 0;
}

static int64_t
f_now(void *arg)
{
	(void)arg;
	return F.now;
}

static void
f_sleep(void *arg, long ms)
{
	(void)arg;
	F.now += ms;
}

static const struct pki_etcd_ops	fake_ops = {
	f_open, f_close, f_avoid, f_health, f_status, f_members, f_alarms,
	f_grant, f_keepalive, f_revoke, f_lock, f_unlock, f_move,
	f_peer_cert, f_probe, f_now, f_sleep
};

/* pki_roll_conf.run: records the command; heals the member on cue. */
static int
f_run(void *arg, int which, const char *member, int timeout_s)
{
	static const char *const names[] = { "restart", "stop", "start" };
	char	buf[64];

	(void)arg;
	(void)timeout_s;
	snprintf(buf, sizeof(buf), "%s:%s", names[which], member);
	logf_(buf);
	F.runs[which]++;
	if (which != PKI_ROLL_STOP)
		F.nrun++;
	if (which == PKI_ROLL_STOP)
		F.healthy[0] = 0;
	else if (F.heal_at != 0 && F.nrun >= F.heal_at)
		F.healthy[0] = 1;
	else if (which != PKI_ROLL_STOP)
		F.healthy[0] = 0;
	return F.run_status;
}

static char	notes[16384];

static void
collect(void *arg, const struct pki_note *n)
{
	size_t	len = strlen(notes);

	(void)arg;
	if (n->event != NULL && strcmp(n->event, "unlocked") == 0)
		F.unlocked_step = 1 + F.unlocked;
	snprintf(notes + len, sizeof(notes) - len, "%s|%s\n", n->event !=
	    NULL ? n->event : n->kind == PKI_NOTE_ERROR ? "ERROR" : "-",
	    n->text);
}

static const struct pki_notify	nt = { collect, NULL };

#define DESC3	"{\"members\": [" \
	"{\"name\": \"m1\", \"ips\": [\"10.0.0.1\"]}," \
	"{\"name\": \"m2\", \"ips\": [\"10.0.0.2\"]}," \
	"{\"name\": \"m3\", \"ips\": [\"10.0.0.3\"]}]," \
	" \"clients\": [{\"name\": \"admin\"}]}"
#define DESC2	"{\"members\": [" \
	"{\"name\": \"m1\", \"ips\": [\"10.0.0.1\"]}," \
	"{\"name\": \"m2\", \"ips\": [\"10.0.0.2\"]}]}"

static struct pki_cluster	*cl3, *cl2;
static struct pki_roll_conf	 rc;
static const char		*topdir;
static struct pki_set		*theset;
static char			*staged;

/* A healthy three-member cluster led by m2, m1 the member to restart. */
static void
reset(void)
{
	memset(&F, 0, sizeof(F));
	F.n = NM;
	F.names[0] = "m1";
	F.names[1] = "m2";
	F.names[2] = "m3";
	F.healthy[0] = F.healthy[1] = F.healthy[2] = 1;
	F.raft[0] = F.raft[1] = F.raft[2] = 100;
	F.leader = 2;
	F.move_ok = 1;
	F.ttl = 300;
	F.accepts = 1;
	F.heal_at = 1;
	notes[0] = '\0';
	memset(&rc, 0, sizeof(rc));
	rc.gate_timeout_ms = 20000;
	rc.settle_ms = 0;
	rc.lock_ttl_s = 60;
	rc.max_lag = 10;
	rc.restart_text = "restart-it";
	rc.run = f_run;
	rc.ops = &fake_ops;
}

static int
begin(const struct pki_cluster *cl, struct pki_roll **s)
{
	return pki_roll_begin(&rc, cl, topdir, "m1", &nt, s);
}

/* The last outcomes of a switch and an end nothing checks. */
static int	last, last_end;

static void
end(struct pki_roll *s)
{
	last_end = pki_roll_end(s);
}

static int
has(const char *what)
{
	return strstr(notes, what) != NULL;
}

static void
test_lock(void)
{
	struct pki_roll	*s = NULL;

	reset();
	F.lock_busy = 1;
	is_int(begin(cl3, &s), PKI_RUN_BUSY, "lock held: busy");
	ok(s == NULL && F.nrun == 0 && has("busy|deferred: the cluster lock "
	    "etcd-pki-rollover is held (lease 99)"), "lock held: deferred, "
	    "nothing restarted");
	ok(F.revoked == 1, "lock held: our lease revoked");

	reset();
	F.lock_delay = 1500;
	is_int(begin(cl3, &s), PKI_RUN_BUSY, "lock granted late: busy");
	ok(has("granted only after 1.5s") && F.unlocked == 1,
	    "lock granted late: deferred, the lock given back");

	reset();
	F.lock_fail = 1;
	is_int(begin(cl3, &s), PKI_RUN_REFUSED, "lock call fails at once");
	ok(strcmp(F.log, "lock lock") == 0 && has("ERROR|not restarted: taking "
	    "the cluster lock: connection reset"), "asked twice, then refused "
	    "(%s)", F.log);

	reset();
	F.lock_fail = 1;
	F.lock_delay = 2100;
	is_int(begin(cl3, &s), PKI_RUN_BUSY, "lock wait cut off: busy");
	ok(has("was held when asked, and the wait for it was cut off"),
	    "lock wait cut off: says so");

	reset();
	F.grant_fail = 1;
	is_int(begin(cl3, &s), PKI_RUN_REFUSED, "no lease: refused");
	ok(has("the cluster cannot be reached through the other members"),
	    "no lease: says why");
}

/* A gate before the restart fails with text. */
static void
gate_fails(const struct pki_cluster *cl, const char *label, const char *text)
{
	struct pki_roll	*s = NULL;

	is_int(begin(cl, &s), PKI_RUN_REFUSED, "%s: refused", label);
	ok(s == NULL && F.nrun == 0 && F.unlocked == 1 && F.revoked == 1,
	    "%s: nothing restarted, the lock released", label);
	ok(has(text) && has("ERROR|not restarted, nothing changed: "),
	    "%s: says why", label);
	is_int(F.unlocked_step, 1, "%s: the step \"unlocked\" is recorded "
	    "before the lock is released", label);
	if (!has(text))
		diag("%s", notes);
}

static void
test_gates_before(void)
{
	struct pki_roll	*s = NULL;

	reset();
	F.healthy[2] = 0;
	gate_fails(cl3, "unhealthy member", "member m3 is not healthy: "
	    "/health is false");
	reset();
	F.nalarms = 1;
	gate_fails(cl3, "alarm", "1 alarm raised: NOSPACE on 1");
	reset();
	F.names[2] = "";
	gate_fails(cl3, "member not started", "is not started yet");
	reset();
	F.names[2] = "m9";
	gate_fails(cl3, "unknown member", "etcd lists member m9, which the "
	    "cluster description does not have");
	reset();
	F.n = 2;
	gate_fails(cl3, "member missing", "etcd lists 2 members, the "
	    "description 3");
	reset();
	F.n = 2;
	gate_fails(cl2, "quorum", "with m1 down only 1 of 2 members would be "
	    "up, below the quorum of 2");

	reset();
	F.leader = 1;
	F.raft[2] = 120;
	is_int(begin(cl3, &s), PKI_RUN_OK, "leader: moved, gates pass");
	ok(strstr(F.log, "move:3") != NULL && has("move-leader|leads: moving "
	    "leadership to m3"), "leadership goes to the follower furthest "
	    "ahead (%s)", F.log);
	ok(has("gates-ok|") && has("locked|cluster lock etcd-pki-rollover "
	    "taken (lease 1234, TTL 60s)"), "locked, gates ok");
	ok(strstr(F.cert_file, "/m1/m1.pem") != NULL, "connects with the "
	    "member's own certificate (%s)", F.cert_file);
	is_int(pki_roll_end(s), 0, "end");
	ok(F.unlocked == 1 && F.revoked == 1 && has("unlocked|"),
	    "end: unlocked and revoked");
	is_int(F.unlocked_step, 1, "end: the step \"unlocked\" is recorded "
	    "before the lock is released (a recorded hold lies inside the "
	    "real one)");

	reset();
	F.leader = 1;
	F.move_ok = 0;
	gate_fails(cl3, "leader does not move", "leadership did not move to "
	    "m2 within 15s");
}

static struct pki_set *gen_set(char **);

static void
test_switch(const char *newserial, const char *newpem)
{
	struct pki_roll		*s = NULL;
	struct pki_roll_expect	 want, old;

	memset(&want, 0, sizeof(want));
	memset(&old, 0, sizeof(old));

	/* A plain restart: the gates after it pass. */
	reset();
	is_int(begin(cl3, &s), PKI_RUN_OK, "restart: begin");
	is_int(pki_roll_switch(s, theset, NULL, &want, &old), PKI_RUN_OK,
	    "restart: ok");
	ok(strstr(F.log, "restart:m1") != NULL && has("restart|restarting: "
	    "restart-it") && has("up|healthy, caught up"), "restart: run, "
	    "then up (%s)", F.log);
	end(s);

	/* Stop and start. */
	reset();
	rc.stop_text = "stop-it";
	rc.start_text = "start-it";
	(void)begin(cl3, &s);
	is_int(pki_roll_switch(s, theset, NULL, &want, &old), PKI_RUN_OK,
	    "stop/start: ok");
	ok(F.runs[PKI_ROLL_STOP] == 1 && F.runs[PKI_ROLL_START] == 1 &&
	    F.runs[PKI_ROLL_RESTART] == 0 && strstr(F.log, "stop:m1 start:m1")
	    != NULL, "stop/start: stop then start (%s)", F.log);
	end(s);

	/* The stop fails: nothing switched. */
	reset();
	rc.stop_text = "stop-it";
	rc.start_text = "start-it";
	F.run_status = 3;
	(void)begin(cl3, &s);
	is_int(pki_roll_switch(s, theset, NULL, &want, &old), PKI_RUN_FAILED,
	    "stop fails: failed");
	ok(has("ERROR|-stop-cmd exited with status 3") &&
	    F.runs[PKI_ROLL_START] == 0, "stop fails: says so, not started");
	end(s);

	/* Lagging behind the leader until after the gate timeout. */
	reset();
	F.lag_until = 99;
	(void)begin(cl3, &s);
	is_int(pki_roll_switch(s, theset, NULL, &want, &old),
	    PKI_RUN_ROLLBACK_FAILED, "lag: no generation to go back to");
	ok(has("99 raft entries behind the leader m2 (-max-lag 10)") &&
	    has("no previous generation to roll back to"), "lag: says why");
	ok(F.now >= 20000, "lag: waited the gate timeout (%lld ms)",
	    (long long)F.now);
	end(s);

	/* The new serial is expected: served, or not. */
	reset();
	served_pem = newpem;
	want.serial_hex = "00ff";
	(void)begin(cl3, &s);
	last = pki_roll_switch(s, theset, NULL, &want, &old);
	ok(has("the client port 10.0.0.1:2379 serves serial ") &&
	    has(", not the new 00ff"), "another serial served: the gate "
	    "fails");
	end(s);
	reset();
	want.serial_hex = newserial;
	(void)begin(cl3, &s);
	is_int(pki_roll_switch(s, theset, NULL, &want, &old), PKI_RUN_OK,
	    "the new serial served on both ports: ok");
	end(s);
	reset();
	served_pem = NULL;
	(void)begin(cl3, &s);
	last = pki_roll_switch(s, theset, NULL, &want, &old);
	ok(has("client port 10.0.0.1:2379: connection refused"), "no "
	    "connection: the gate fails");
	end(s);
	want.serial_hex = NULL;

	/* A trust probe refused. */
	reset();
	F.accepts = 0;
	{
		struct fx_ca	ca;

		fx_ca_new(&ca, "new CA", 0);
		want.trust_ca = ca.cert;
		want.trust_key = ca.key;
		(void)begin(cl3, &s);
		last = pki_roll_switch(s, theset, NULL, &want, &old);
		ok(has("the client port refuses a client certificate of the "
		    "new CA"), "trust probe refused: the gate fails");
		end(s);
		reset();
		F.accepts = 1;
		want.trust_ca = NULL;
		want.distrust_ca = ca.cert;
		want.distrust_key = ca.key;
		(void)begin(cl3, &s);
		last = pki_roll_switch(s, theset, NULL, &want, &old);
		ok(has("still accepts a client certificate of the old CA"),
		    "distrust probe accepted: the gate fails");
		end(s);
		want.distrust_ca = NULL;
		fx_ca_free(&ca);
	}

	/* The lease is gone before the restart. */
	reset();
	(void)begin(cl3, &s);
	F.ttl = 0;
	is_int(pki_roll_switch(s, theset, NULL, &want, &old), PKI_RUN_FAILED,
	    "lease expired: not restarted");
	ok(F.nrun == 0 && has("the lease of the cluster lock expired"),
	    "lease expired: says so");
	end(s);
}

/* A generations set in topdir/m1 with generations g0 (current) and g1. */
static struct pki_set *
gen_set(char **g1)
{
	struct pki_error	 err;
	struct pki_set		*set = NULL;
	struct pki_set_update	 u;
	const char		*d = fx_path(topdir, "m1");

	memset(&err, 0, sizeof(err));
	fx_put(fx_path(d, "m1.pem"), "cert-0\n", 0644);
	fx_put(fx_path(d, "m1-key.pem"), "key-0\n", 0600);
	memset(&u, 0, sizeof(u));
	u.data[PKI_SET_CERT] = "cert-1\n";
	u.len[PKI_SET_CERT] = 7;
	u.serial_hex = "01";
	u.now = 1700000100;
	u.no_sync = 1;
	if (pki_set_open(d, "m1", &set, &err) != 0 ||
	    pki_set_convert(set, 1700000000, "00", 1, &err) != 0 ||
	    pki_set_stage(set, &u, g1, &err) != 0)
		diag("set: %s", err.text);
	return set;
}

static void
test_rollback(void)
{
	struct pki_roll		*s = NULL;
	struct pki_roll_expect	 want, old;
	struct pki_set		*set;
	char			*g1 = NULL, g0[128];

	memset(&want, 0, sizeof(want));
	memset(&old, 0, sizeof(old));
	set = theset;
	g1 = staged;
	snprintf(g0, sizeof(g0), "%s", pki_set_current(set));

	/* The gates fail after the switch, pass after the rollback. */
	reset();
	F.heal_at = 2;
	(void)begin(cl3, &s);
	is_int(pki_roll_switch(s, set, g1, &want, &old), PKI_RUN_ROLLED_BACK,
	    "rollback: rolled back");
	is_str(pki_set_current(set), g0, "rollback: the old generation is "
	    "current again");
	ok(has("switch|current -> gen/") && has("rollback|rolling back to "
	    "gen/") && has("rolled-back|rolled back: gen/") &&
	    has("ERROR|the gates after the restart failed: not healthy"),
	    "rollback: switched, failed, rolled back");
	is_int(F.runs[PKI_ROLL_RESTART], 2, "rollback: restarted twice");
	end(s);

	/* It never comes back. */
	reset();
	F.heal_at = 0;
	(void)begin(cl3, &s);
	is_int(pki_roll_switch(s, set, g1, &want, &old),
	    PKI_RUN_ROLLBACK_FAILED, "rollback fails: says so");
	ok(has("rollback-failed|the rollback failed too") && has("ERROR|the "
	    "rollback failed too: not healthy: /health is false: the member "
	    "may be down"), "rollback fails: the member may be down");
	is_str(pki_set_current(set), g0, "rollback fails: still switched "
	    "back on disk");
	end(s);

	/* A switch that cannot be made: nothing restarted. */
	reset();
	(void)begin(cl3, &s);
	is_int(pki_roll_switch(s, set, "gen/nope", &want, &old),
	    PKI_RUN_FAILED, "bad generation: failed");
	ok(F.nrun == 0 && has("the switch failed") == 0 && has("ERROR|"),
	    "bad generation: not restarted");
	end(s);
}

static void
test_end(void)
{
	struct pki_roll		*s = NULL;
	struct pki_error	 err;

	reset();
	rc.settle_ms = 12000;
	(void)begin(cl3, &s);
	is_int(pki_roll_end(s), 0, "settle: end");
	ok(F.now >= 12000, "settle: waited it out (%lld ms)",
	    (long long)F.now);

	reset();
	rc.gate_timeout_ms = 60000;
	rc.lock_ttl_s = 70;
	ok(pki_roll_conf_check(&rc, &err) == PKI_ERR_ARG && strstr(err.text,
	    "-lock-ttl (70s) must be longer than -gate-timeout (60s) plus "
	    "10s") != NULL, "a lease shorter than the gates: refused");
	rc.lock_ttl_s = 71;
	is_int(pki_roll_conf_check(&rc, &err), 0, "a long enough lease");

	reset();
	is_int(pki_roll_begin(&rc, cl3, topdir, "admin", &nt, &s),
	    PKI_RUN_FAILED, "a client: no restart");
	ok(has("not a member of the cluster"), "a client: says so");
}

static struct pki_cluster *
parse(const char *json)
{
	struct pki_error	 err;
	struct pki_cluster	*cl = NULL;

	if (pki_cluster_parse(json, strlen(json), "d", NULL, &cl, &err) != 0)
		diag("parse: %s", err.text);
	return cl;
}

int
main(void)
{
	struct pki_cert_facts	 f;
	struct pki_error	 err;
	struct fx_ca		 srv;

	plan(78);
	fx_ca_new(&srv, "served", 0);
	memset(&f, 0, sizeof(f));
	if (pki_cert_facts(srv.cert, &f, &err) != 0)
		diag("facts: %s", err.text);
	topdir = fx_dir("top");
	(void)fx_dir("top/m1");
	cl3 = parse(DESC3);
	theset = gen_set(&staged);
	cl2 = parse(DESC2);
	test_lock();
	test_gates_before();
	test_switch(f.serial_hex, srv.pem);
	pki_cert_facts_clear(&f);
	fx_ca_free(&srv);
	test_rollback();
	test_end();
	free(staged);
	pki_set_free(theset);
	pki_cluster_free(cl3);
	pki_cluster_free(cl2);
	return done_testing();
}
